import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mermaidProblems } from './mermaid-check.ts';
import { concern, ptraceMc, userProject } from './user-project.ts';

/** The fenced block of `lang` that follows `after` in the Markdown. */
function fence(md: string, lang: string, after: string): string {
  const at = md.indexOf(after);
  expect(at, after).toBeGreaterThanOrEqual(0);
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\`\\n`).exec(md.slice(at));
  return m?.[1] ?? '';
}

describe('check --report FILE.md', () => {
  it('the table, then per violated row: the explain story, the mermaid story, the trace and how to replay it', () => {
    const dir = userProject({ 'concern.ts': concern('review/report') });
    const r = ptraceMc(['check', './concern.ts', '--compare', '--report', 'out/report.md'], dir);
    expect([r.code, r.err]).toEqual([0, '']);
    const md = readFileSync(join(dir, 'out/report.md'), 'utf8');
    expect(md).toMatch(
      /^## ptrace-mc check\n\n\| scenario \| variant \| cpus \| bounds \| verdict \| expected \| \| search \| executions \|\n/,
    );
    expect(md).toMatch(
      /\| `review\/report` \| buggy \| 2 \| - \| \*\*violated\*\* \(no-lost-wakeup\) \| violated \(no-lost-wakeup\) \| ok \| auto \| \d+ \|/,
    );
    expect(md).toContain('| `review/report` | fixed | 2 | - | holds | holds | ok | auto |');
    expect(md).toContain('\nall 4 verdicts as expected\n');
    // one violated row: one section
    expect(md.match(/^### /gm)).toEqual(['### ']);
    const trace = 'ptrace-mc-out/review/report/buggy.cpus2.json';
    const title = '### review/report [buggy] on 2 CPUs: no-lost-wakeup violated';
    expect(fence(md, 'text', title)).toBe(ptraceMc(['explain', trace], dir).out);
    const story = fence(md, 'mermaid', title);
    expect(story).toBe(ptraceMc(['render', trace, '--format', 'mermaid', '--story'], dir).out);
    expect(mermaidProblems(story)).toEqual([]);
    expect(md).toContain(`Trace: \`${trace}\` — replay it with \`npx ptrace-mc replay ${trace}\``);
    expect(ptraceMc(['replay', trace], dir).code).toBe(1);
  });

  it('the same report from the expectation table of a directory, and none of the text goes to stdout', () => {
    const dir = userProject({ 'concerns/a.ts': concern('review/a') });
    const r = ptraceMc(['check', 'concerns/', '--report', 'report.md'], dir);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('## ptrace-mc');
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/\| `review\/a` \| buggy \| 1 \| - \| holds \| holds \| ok \| auto \| \d+ \|/);
    expect(md).toContain('### review/a [buggy] on 2 CPUs: no-lost-wakeup violated');
  });
});
