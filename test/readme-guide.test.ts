import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mermaidProblems } from './mermaid-check.ts';
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

function sh(cmd: string, cwd: string) {
  const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("the README's reviewer's guide", () => {
  it('its concerns, saved where it says, give exactly the output it shows', () => {
    const dragonos = block('### 1. Write the concern as a scenario', 'ts');
    const linux = block('#### A wakeup lost between the test and the sleep', 'ts');
    expect(dragonos.split('\n').length - 1).toBeLessThanOrEqual(32);
    const files: Record<string, string> = {};
    for (const [src, where] of [
      [dragonos, 'Save this as\n`review/sigcont-vs-stop.ts`'],
      [linux, 'As\n`review/sleep-vs-wake.ts`'],
    ] as const) {
      expect(guide, where).toContain(where);
      files[/`(review\/[a-z-]+\.ts)`/.exec(where)?.[1] as string] = src;
    }
    const dir = userProject(files);
    const shown = shownCommands();
    expect(shown.map((s) => s.cmd.split(' ').slice(0, 3).join(' '))).toEqual([
      'npx ptrace-mc check',
      'npx ptrace-mc explain',
      'npx ptrace-mc render',
      'npx ptrace-mc check',
      'npx ptrace-mc explain',
    ]);
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
