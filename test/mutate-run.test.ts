import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API } from 'typescript/unstable/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeRun, type RowLine, type RunnerExit } from '../tools/mutate/judge-run.ts';
import { type Mutant, mutantsOf } from '../tools/mutate/operators.ts';
import { pending, type Result } from '../tools/mutate/results.ts';
import { scenarioKeys } from '../tools/mutate/row-keys.ts';
import { MutantTypeCheck } from '../tools/mutate/typecheck.ts';

/** How `npm run mutate` reads a mutant's run: every way its runner ends gives a stated outcome, or none at all. */
const rows = ['a 1 CPU', 'a 2 CPUs', 'b 2 CPUs'];
const ok = (id: string): RowLine => ({ id, outcome: 'as-expected', verdict: 'holds', executions: 10 });
const clean: RunnerExit = { status: 0, signal: null, errorCode: null, stderr: '' };
/** a copy of the sources goes under the repository (its tsconfig.json and node_modules apply), as a run makes it */
const scratch = (prefix: string) => {
  mkdirSync(resolve('mutate-out'), { recursive: true });
  return mkdtempSync(join(resolve('mutate-out'), prefix));
};

describe("a mutant's run", () => {
  it('is killed by the first row that differs, crashed by one whose model throws', () => {
    const killed = judgeRun(rows, [ok('a 1 CPU'), { id: 'a 2 CPUs', outcome: 'differs', verdict: 'violated' }], {
      ...clean,
    });
    expect(killed).toEqual({ kind: 'outcome', outcome: 'killed', by: 'a 2 CPUs', ran: {} });
    const crashed = judgeRun(rows, [{ id: 'a 1 CPU', outcome: 'crash', error: 'no memory cell undefined' }], clean);
    expect(crashed).toMatchObject({ outcome: 'crashed', by: 'a 1 CPU: no memory cell undefined' });
  });

  it('survives when every row gives its verdict, is undecided when one was cut by its budget', () => {
    expect(judgeRun(rows, rows.map(ok), clean)).toMatchObject({ outcome: 'survived', by: null });
    const cut = judgeRun(rows, [ok('a 1 CPU'), { id: 'a 2 CPUs', outcome: 'undecided' }, ok('b 2 CPUs')], clean);
    expect(cut).toMatchObject({ outcome: 'undecided', ran: { 'a 2 CPUs': 'undecided', 'b 2 CPUs': 'as-expected' } });
  });

  it('killed from outside (a signal, a spawn that failed) has no outcome: the run stops and keeps nothing for it', () => {
    for (const exit of [
      { ...clean, status: null, signal: 'SIGKILL' },
      { ...clean, status: null, signal: 'SIGTERM' },
      { ...clean, status: null, errorCode: 'EAGAIN' },
      { ...clean, status: 1 },
    ]) {
      const j = judgeRun(rows, [ok('a 1 CPU')], exit);
      expect(j.kind).toBe('interrupted');
    }
    expect(judgeRun(rows, [], { ...clean, status: null, signal: 'SIGKILL' })).toEqual({
      kind: 'interrupted',
      reason: 'the runner was killed by SIGKILL on a 1 CPU',
    });
  });

  it('out of memory or past the guard of the whole run is undecided, with the reason and the row it was on', () => {
    const oom = judgeRun(rows, [ok('a 1 CPU')], {
      status: 134,
      signal: null,
      errorCode: null,
      stderr: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n',
    });
    expect(oom).toEqual({
      kind: 'outcome',
      outcome: 'undecided',
      by: 'a 2 CPUs: the runner ran out of memory',
      ran: { 'a 1 CPU': 'as-expected', 'a 2 CPUs': 'undecided' },
    });
    const late = judgeRun(rows, [], { ...clean, status: null, signal: 'SIGKILL', errorCode: 'ETIMEDOUT' });
    expect(late).toMatchObject({ outcome: 'undecided', by: 'a 1 CPU: past the wall-clock guard of the run' });
  });

  it('a runner that fails with its own error before a row answers is crashed, with that error', () => {
    const j = judgeRun(rows, [], { ...clean, status: 1, stderr: '\nSyntaxError: Unexpected token (12:3)\n    at x\n' });
    expect(j).toMatchObject({ outcome: 'crashed', by: 'a 1 CPU: SyntaxError: Unexpected token (12:3)' });
  });
});

describe("a mutant's kept result", () => {
  const kept: Result = {
    id: 'm',
    file: 'f.ts',
    operator: 'swap-stores',
    line: 1,
    fn: 'f',
    what: '',
    snippet: '',
    contextHash: 'h',
    outcome: 'survived',
    by: null,
    ran: { a: 'as-expected', b: 'as-expected' },
    ranKeys: { a: 'ka', b: 'kb' },
    maxTimeS: 600,
    budget: 'B',
  };
  const keys: Record<string, string> = { a: 'ka', b: 'kb', c: 'kc' };
  it('stands while its function and the sources of every row it ran are the same', () => {
    expect(pending(kept, 'h', ['a', 'b'], 600, 'B', (id) => keys[id] ?? '')).toEqual({ reuse: true });
  });
  it('runs again the rows whose sources changed (an invariant added to a scenario) and the rows new to it', () => {
    const now = (id: string) => (id === 'b' ? 'kb2' : (keys[id] ?? ''));
    expect(pending(kept, 'h', ['a', 'b', 'c'], 600, 'B', now)).toEqual({
      reuse: false,
      rows: ['b', 'c'],
      carried: { a: 'as-expected' },
    });
    // a result kept from before the keys were recorded runs every row again
    const old: Result = { ...kept, ranKeys: undefined as unknown as Record<string, string> };
    expect(pending(old, 'h', ['a'], 600, 'B', now)).toMatchObject({ reuse: false, rows: ['a'] });
    // another text of the function: everything again
    expect(pending(kept, 'h2', ['a'], 600, 'B', now)).toMatchObject({ reuse: false, rows: ['a'] });
  });
  it('a survivor judged equivalent is not run again on changed rows, unless its function changed', () => {
    const now = (id: string) => (id === 'b' ? 'kb2' : (keys[id] ?? ''));
    expect(pending(kept, 'h', ['a', 'b', 'c'], 600, 'B', now, true)).toEqual({ reuse: true });
    expect(pending(kept, 'h2', ['a'], 600, 'B', now, true)).toMatchObject({ reuse: false, rows: ['a'] });
    expect(pending(undefined, 'h', ['a'], 600, 'B', now, true)).toMatchObject({ reuse: false, rows: ['a'] });
  });
});

describe('a mutant the compiler refuses', () => {
  let tree: string;
  let check: MutantTypeCheck;
  let mutants: Mutant[];
  const file = 'src/kernel/linux/entry.ts';
  beforeAll(() => {
    tree = scratch('test-tree-');
    cpSync(resolve('src'), join(tree, 'src'), { recursive: true });
    check = new MutantTypeCheck(tree, resolve('.'));
    const api = new API({ cwd: resolve('.') });
    try {
      const sf = api
        .updateSnapshot({ openProject: resolve('tsconfig.json') })
        .getProjects()[0]
        ?.program.getSourceFile(resolve(file));
      if (!sf) throw new Error(`${file} is not in the project`);
      mutants = mutantsOf(sf, file);
    } finally {
      api.close();
    }
  }, 120_000);
  afterAll(() => {
    check?.close();
    rmSync(tree, { recursive: true, force: true });
  });

  const errorsOf = (m: Mutant): string[] => check.mutantErrors(m);

  it("is told apart: removing irqentry_enter's `um === undefined` check leaves `um` possibly undefined", () => {
    const m = mutants.find((x) => x.operator === 'drop-recheck' && x.snippet.startsWith('if (um === undefined)'));
    expect(m).toBeDefined();
    expect(errorsOf(m as Mutant)[0]).toMatch(/^TS2345 .*'number \| undefined'/);
    // the file put back compiles again (each check sees the file as it is on disk now)
    expect(check.errors(file)).toEqual([]);
    const other = mutants.find((x) => x.operator === 'drop-recheck' && x.snippet.startsWith('if (!u)'));
    expect(errorsOf(other as Mutant)).toEqual([]);
  });
});

describe("a row's sources", () => {
  it('have a key per scenario: what its module imports and what the runner runs — an edit changes the rows that reach it alone', () => {
    const tree = scratch('test-keys-');
    try {
      cpSync(resolve('src'), join(tree, 'src'), { recursive: true });
      const names = ['linux/wait-options', 'linux/stop-cont', 'dragonos/two-wakers'];
      const keys = () => names.map(scenarioKeys(tree));
      const touch = (f: string) => writeFileSync(join(tree, f), `${readFileSync(join(tree, f), 'utf8')}\n`);
      const start = keys();
      touch('src/scenarios/linux/stop-cont.ts');
      const afterScenario = keys();
      expect(afterScenario.map((k, i) => k !== start[i])).toEqual([false, true, false]);
      touch('src/kernel/linux/exit-wait.ts');
      const afterLinux = keys();
      expect(afterLinux.map((k, i) => k !== afterScenario[i])).toEqual([true, true, false]);
      touch('src/model/machine.ts');
      const afterEngine = keys();
      expect(afterEngine.map((k, i) => k !== afterLinux[i])).toEqual([true, true, true]);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it('name each row of the table once (a row stated under x86-TSO is its own row)', async () => {
    const { tableRows } = await import('../tools/mutate/rows.ts');
    const ids = (await tableRows()).map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('linux/sleep-wake [no-barrier] 2 CPUs tso');
  });
});
