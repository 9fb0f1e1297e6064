import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mermaidProblems } from './mermaid-check.ts';
import { modelLines } from './model-lines.ts';
import { userProject } from './user-project.ts';

/**
 * The README's reviewer's guide, as a reviewer follows it: each concern it
 * shows is saved as a file in a project outside this repository (which has
 * the package installed), and every command the guide prints is run there
 * as printed; the output shown must be the tool's — whole, or for an excerpt
 * (a block with `  ...` lines) its lines in order.
 */
const README = readFileSync('README.md', 'utf8');
const guide = README.slice(README.indexOf("## Reviewer's guide"), README.indexOf('## The package'));

/** The fenced block of `lang` that follows `marker` in the guide. */
function block(marker: string, lang = '[a-z]*'): string {
  const at = guide.indexOf(marker);
  expect(at, marker).toBeGreaterThanOrEqual(0);
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(guide.slice(at));
  return m?.[1] ?? '';
}

/** Every `$ command` the guide shows with its output, in order. */
function shownCommands(): { cmd: string; output: string }[] {
  return [...guide.matchAll(/^\$ (npx ptrace-mc .*)\n([\s\S]*?)```/gm)].map((m) => ({
    cmd: m[1] as string,
    output: m[2] as string,
  }));
}

/** The concern files of the guide: each ```ts block whose preceding paragraph names a `review/….ts` file. */
function guideConcerns(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const m of guide.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const before = guide.slice(Math.max(0, (m.index as number) - 400), m.index);
    const named = [...before.matchAll(/`(review\/[\w.-]+\.ts)`/g)].at(-1)?.[1];
    if (named !== undefined && !/^import .* from '\.\/review\//m.test(m[1] as string)) files[named] = m[1] as string;
  }
  return files;
}

function sh(cmd: string, cwd: string) {
  const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("the README's reviewer's guide", () => {
  // several searches, one per concern and variant: minutes on a loaded machine
  it('its concerns, saved where it says, give exactly the output it shows', { timeout: 600_000 }, () => {
    // every concern the guide shows: a ```ts block, saved where the sentence before it says (`review/….ts`)
    const files = guideConcerns();
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['review/sigcont-vs-stop.ts', 'review/sleep-vs-wake.ts', 'review/wake-skips-queued.ts']),
    );
    // a concern is short: at most 30 lines of model code each (imports and expectation rows not counted)
    for (const [f, src] of Object.entries(files)) expect(modelLines(src), f).toBeLessThanOrEqual(30);
    const dir = userProject(files);
    const shown = shownCommands();
    // each concern is run by path, and each counterexample explained
    for (const f of Object.keys(files)) expect(shown.map((s) => s.cmd)).toContain(`npx ptrace-mc check ./${f} --compare`);
    expect(shown.filter((s) => s.cmd.startsWith('npx ptrace-mc explain ')).length).toBeGreaterThanOrEqual(
      Object.keys(files).length,
    );
    for (const { cmd, output } of shown) {
      const r = sh(cmd, dir);
      expect([cmd, r.err]).toEqual([cmd, '']);
      if (!output.includes('\n  ...\n')) {
        expect(r.out, cmd).toBe(output);
        continue;
      }
      const printed = r.out.split('\n');
      let at = 0;
      for (const line of output.replace(/\n$/, '').split('\n')) {
        if (line === '  ...') continue;
        const k = printed.indexOf(line, at);
        expect(k, `${cmd}: ${line}`).toBeGreaterThanOrEqual(at);
        at = k;
      }
    }
    // the mermaid it says to paste is what --story prints, and GitHub's subset of the syntax
    const story = sh(
      'npx ptrace-mc render ptrace-mc-out/review/sigcont-vs-stop/pr1663.cpus2.no-lost-wakeup.json --format mermaid --story',
      dir,
    );
    expect(block('Paste it between', 'mermaid')).toBe(story.out);
    expect(mermaidProblems(story.out)).toEqual([]);
  });
});
