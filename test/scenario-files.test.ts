import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_NAMES, loadBuiltins } from '../src/scenarios/registry.ts';
import { BIN, concern, ptraceMc, userProject } from './user-project.ts';

/**
 * Scenario files run by path, from a project outside this repository that
 * imports the package by name: every command that takes a scenario or a
 * trace works on them, and a trace refuses a scenario file that changed.
 */
describe('scenario files by path', () => {
  it('check, replay, explain, render and shrink work on a file outside the tool, from another directory', () => {
    const dir = userProject({ 'review/concern.ts': concern('review/concern') });
    const r = ptraceMc(['check', '../review/concern.ts', '--variant', 'buggy', '--json'], join(dir, 'review'));
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      scenario: 'review/concern',
      variant: 'buggy',
      cpus: 2,
      verdict: 'violated',
      invariant: 'no-lost-wakeup',
    });
    const trace = join(dir, 'review', j.trace);
    const t = JSON.parse(readFileSync(trace, 'utf8'));
    expect(t.source.file).toBe('concern.ts');
    expect(t.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    // from the project root and from a subdirectory: the file is found from the trace's own place
    for (const cwd of [dir, join(dir, 'review')]) {
      const rp = ptraceMc(['replay', trace], cwd);
      expect([rp.code, rp.err]).toEqual([1, '']);
      expect(rp.out).toContain('reproduces no-lost-wakeup');
    }
    expect(ptraceMc(['explain', trace], dir).out).toContain('review/concern [buggy] on 2 CPUs: no-lost-wakeup violated.');
    expect(ptraceMc(['render', trace, '--format', 'mermaid', '--story'], dir).out).toMatch(/^sequenceDiagram\n/);
    const shrunk = join(dir, 'shrunk.json');
    expect(ptraceMc(['shrink', trace, '--out', shrunk], join(dir, 'review')).code).toBe(0);
    expect(JSON.parse(readFileSync(shrunk, 'utf8')).source).toEqual(t.source);
    // the scenario file changes: every command that re-runs the trace refuses it
    writeFileSync(join(dir, 'review/concern.ts'), `${concern('review/concern')}// edited\n`);
    for (const cmd of [
      ['replay', trace],
      ['explain', trace],
      ['render', trace, '--format', 'html'],
    ]) {
      const x = ptraceMc(cmd, dir);
      expect([x.code, x.out, x.err]).toEqual([
        2,
        '',
        'ptrace-mc: review/concern.ts: scenario file changed since the trace was written\n',
      ]);
    }
  });

  it('several files, a directory (its expectation table), JavaScript files, list and --compare', () => {
    const dir = userProject({
      'concerns/a.ts': concern('review/a'),
      'concerns/nested/b.mts': concern('review/b'),
      'concerns/helpers.ts': 'export const HELPER = 1;\n',
      'concerns/a.test.ts': 'this is not a scenario',
      'c.mjs': "import s from './concerns/a.ts';\nexport default s;\n".replace('./concerns/a.ts', './js-concern.mjs'),
      'js-concern.mjs': concern('review/js').replace(/: number/g, ''),
    });
    const table = ptraceMc(['check', 'concerns/'], dir);
    expect(table.err).toBe('');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^review\/a \[buggy\] +2 +violated +ok/m);
    expect(table.out).toMatch(/^review\/b \[fixed\] +2 +holds +ok/m);
    expect(table.out).toContain('all 6 verdicts as expected');
    const two = ptraceMc(['check', './concerns/a.ts', 'c.mjs', '--variant', 'fixed', '--json'], dir);
    expect(two.code).toBe(0);
    expect(
      two.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).scenario),
    ).toEqual(['review/a', 'review/js']);
    // the same file named twice is one scenario
    const twice = ptraceMc(['check', './concerns/a.ts', 'concerns/a.ts', '--variant', 'fixed', '--json'], dir);
    expect([twice.code, twice.out.trim().split('\n').length]).toEqual([0, 1]);
    const list = ptraceMc(['list', 'concerns'], dir);
    expect(list.code).toBe(0);
    expect(list.out).toContain('review/a — a sleeper against a waker on another CPU');
    expect(list.out).toContain('review/b — ');
    const cmp = ptraceMc(['check', './concerns/a.ts', '--compare'], dir);
    expect(cmp.code).toBe(0);
    expect(cmp.out).toContain('all 4 verdicts as expected');
  });

  it('--workers and --shard find the file in every worker and shard; merge from another directory', () => {
    const dir = userProject({ 'x/concern.ts': concern('review/sharded') });
    const args = ['x/concern.ts', '--variant', 'buggy', '--strategy', 'dfs', '--json'];
    // sliced searches count differently from one unsliced search, the same for every N (see slices.ts)
    const one = ptraceMc(['check', ...args, '--workers', '1', '--trace-out', 'one.json'], dir);
    const two = ptraceMc(['check', ...args, '--workers', '2', '--trace-out', 'two.json'], dir);
    expect([one.code, two.code, two.err]).toEqual([1, 1, expect.not.stringContaining('ptrace-mc:')]);
    expect({ ...JSON.parse(two.out), trace: 'one.json' }).toEqual(JSON.parse(one.out));
    for (const i of [1, 2])
      expect(ptraceMc(['check', ...args, '--shard', `${i}/2`, '--shard-out', `shards/s${i}.json`], dir).code).toBe(1);
    const merged = ptraceMc(['merge', 's1.json', 's2.json', '--json', '--trace-out', '../merged.json'], join(dir, 'shards'));
    expect([merged.code, merged.err]).toEqual([1, expect.not.stringContaining('ptrace-mc:')]);
    expect(JSON.parse(merged.out)).toEqual({ ...JSON.parse(one.out), trace: '../merged.json' });
    expect(readFileSync(join(dir, 'merged.json'), 'utf8')).toBe(readFileSync(join(dir, 'one.json'), 'utf8'));
  });

  it('a TypeScript concern in a CommonJS project (npm init, no "type": "module") loads the same', () => {
    const dir = userProject({ 'concern.ts': concern('review/cjs') }, 'commonjs');
    const r = ptraceMc(['check', './concern.ts', '--variant', 'buggy', '--json'], dir);
    expect([r.code, r.err]).toEqual([1, '']);
    expect(JSON.parse(r.out)).toMatchObject({ scenario: 'review/cjs', verdict: 'violated', invariant: 'no-lost-wakeup' });
    const trace = JSON.parse(r.out).trace as string;
    expect(ptraceMc(['replay', trace], dir).code).toBe(1);
  });

  it('a file that does not load, or exports no scenario: one line naming the file (and the line), exit 2', () => {
    const dir = userProject({
      'syntax.ts': "import { defineScenario } from 'ptrace-mc';\n\nexport default defineScenario({ name: 'x',\n",
      'throws.ts': "const n: number = 1;\nif (n === 1) throw new Error('no kernel here');\nexport default n;\n",
      'none.ts': 'export const notAScenario = 1;\n',
      'wrong.ts': "export default { name: 'review/wrong' };\n",
      'missing.ts': "import x from './not-there.ts';\nexport default x;\n",
    });
    const cases: [string, RegExp][] = [
      ['syntax.ts', /^ptrace-mc: syntax\.ts:4: does not load: Expected identifier but found end of file\n$/],
      ['throws.ts', /^ptrace-mc: throws\.ts:2: does not load: no kernel here\n$/],
      ['none.ts', /^ptrace-mc: none\.ts: exports no scenario \(export default defineScenario\(\{ … \}\)\)\n$/],
      [
        'wrong.ts',
        /^ptrace-mc: wrong\.ts: its default export scenario review\/wrong has no build\(\{ variant, cpus \}\) function\n$/,
      ],
      ['missing.ts', /^ptrace-mc: missing\.ts: does not load: Cannot find module .*not-there\.ts/],
      ['absent.ts', /^ptrace-mc: absent\.ts: cannot read it \(ENOENT\)\n$/],
    ];
    for (const [file, msg] of cases) {
      const r = ptraceMc(['check', file], dir);
      expect([file, r.code, r.out]).toEqual([file, 2, '']);
      expect(r.err).toMatch(msg);
    }
  });
});

describe('built-in scenarios are loaded by name', () => {
  it('the registry names each built-in as its module does, in table order', async () => {
    expect((await loadBuiltins()).map((s) => s.name)).toEqual(BUILTIN_NAMES);
  });

  it('check of one built-in loads that one scenario module and no other', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-lazy-'));
    const log = join(dir, 'loaded.txt');
    // a module hook that notes every module the command's main thread loads
    writeFileSync(
      join(dir, 'hook.mjs'),
      `import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, ctx); }\n`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`,
    );
    const r = spawnSync(
      process.execPath,
      ['--import', join(dir, 'register.mjs'), BIN, 'check', 'demo/lost-wakeup', '--variant', 'fixed'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PTRACE_MC_HEAP_MB: '1' },
      },
    );
    expect(r.status).toBe(0);
    const scenarios = [...new Set(readFileSync(log, 'utf8').split('\n'))]
      .filter((u) => u.includes('/scenarios/'))
      .map((u) => u.replace(/.*\/scenarios\//, ''));
    expect(scenarios.sort()).toEqual(['demo/lost-wakeup.js', 'registry.js']);
  });

  it('the explorer imports no scenario: workers find theirs through the loader', () => {
    const dir = 'src/explorer';
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect([f, /from '\.\.\/scenarios\//.test(text)]).toEqual([f, false]);
    }
  });
});
