import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API } from 'typescript/unstable/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packLines, ranLines, ranSpans, scriptMap, unpackLines } from '../tools/mutate/block-lines.ts';
import { rowCoverage } from '../tools/mutate/coverage.ts';
import type { RowLine } from '../tools/mutate/judge-run.ts';
import { applyMutant, type Mutant, mutantsOf } from '../tools/mutate/operators.ts';
import { scenarioFiles, sha } from '../tools/mutate/row-keys.ts';
import { type Row, tableRows } from '../tools/mutate/rows.ts';
import { runRowsApart } from '../tools/mutate/runner.ts';
import { type SelectContext, selectRows } from '../tools/mutate/select-rows.ts';

/**
 * Statement-level row selection of `npm run mutate` (select-rows.ts) on real rows and real mutants:
 * four small Linux rows run unmutated with block coverage, each in a process of its own as the tool
 * runs them (runner.ts), and the mutants of linux/signal.ts.
 */
const ROOT = resolve('.');
const SIGNAL = 'src/kernel/linux/signal.ts';
const GROUP_STOP = 'linux/group-stop [linux-6.6] 1 CPU';
const ATTACH_STOPPED = 'linux/attach-stopped [linux-6.6] 1 CPU irq {"tick@cpu0":1}';
const KILL_STOPPED = 'linux/kill-stopped [linux-6.6] 1 CPU';
const LISTEN_NOTIFY = 'linux/seize-interrupt-listen [listen-notify] 1 CPU irq {"tick@cpu0":1}';

/** a copy of the sources goes under the repository (its node_modules apply), as a run makes it */
const scratch = (prefix: string) => {
  mkdirSync(resolve('mutate-out'), { recursive: true });
  return mkdtempSync(join(resolve('mutate-out'), prefix));
};

/** The runner of `npm run mutate` on a tree, all rows in one process: one parsed line per row (and the loading line in `lines` mode). */
function runRows(tree: string, rows: readonly Row[], mode: 'all' | 'lines', nodeFlags: readonly string[] = []) {
  const dir = scratch('test-rows-');
  const file = join(dir, 'rows.json');
  writeFileSync(file, JSON.stringify(rows));
  const r = spawnSync(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', 'tools/mutate/run-rows.ts', tree, file, '120000', mode],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`run-rows: ${r.stderr}`);
  const parsed = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RowLine & { load?: Record<string, string>; mapped?: Record<string, string> });
  return { rows: parsed.filter((l) => typeof l.id === 'string'), head: parsed.find((l) => l.load !== undefined) };
}

/** The baseline as the tool takes it: each row in a process of its own, with its lines. */
async function baselineApart(rows: readonly Row[]) {
  const dir = scratch('test-apart-');
  try {
    const runs = await runRowsApart(ROOT, ROOT, rows, 120, 'lines', undefined, dir);
    for (const r of runs) if (r.died !== null) throw new Error(`run-rows: ${r.exit.stderr}`);
    return { rows: runs.flatMap((r) => r.lines), head: runs[0]?.load ?? undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let api: API;
let mutants: Mutant[];
let rows: Row[];
let ctx: SelectContext;
let base: Map<string, RowLine>;

beforeAll(async () => {
  api = new API({ cwd: ROOT });
  const project = api.updateSnapshot({ openProject: resolve('tsconfig.json') }).getProjects()[0];
  const sf = project?.program.getSourceFile(resolve(SIGNAL));
  if (!sf) throw new Error(`${SIGNAL} is not in the project`);
  mutants = mutantsOf(sf, SIGNAL);
  const ids = [GROUP_STOP, ATTACH_STOPPED, KILL_STOPPED, LISTEN_NOTIFY];
  rows = (await tableRows()).filter((r) => ids.includes(r.id));
  expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
  const run = await baselineApart(rows);
  base = new Map(run.rows.map((l) => [l.id, l]));
  const head = run.head as { load: Record<string, string>; mapped: Record<string, string> };
  const hashOf = (f: string) => sha(readFileSync(join(ROOT, f), 'utf8'));
  const imports = scenarioFiles(ROOT);
  ctx = {
    level: 'statement',
    functions: await rowCoverage(rows, ROOT, () => {}),
    lines: {
      rows: Object.fromEntries(run.rows.map((l) => [l.id, l.outcome === 'as-expected' ? (l.lines ?? {}) : null])),
      files: Object.fromEntries(
        Object.entries(head.mapped).map(([f, mapped]) => [f, { hash: hashOf(f), load: head.load[f] ?? '', mapped }]),
      ),
    },
    hashOf,
    imports: (r, f) => imports(r.scenario).has(f),
  };
}, 300_000);
afterAll(() => api?.close());

const ids = (rs: readonly Row[]) => rs.map((r) => r.id).sort();

describe('statement-level row selection', () => {
  it("takes each row's lines from its full unmutated search, which gives its expected verdict", () => {
    for (const r of rows) {
      expect(base.get(r.id)?.outcome).toBe('as-expected');
      expect(ctx.lines?.rows[r.id]?.[SIGNAL]).toMatch(/^\d/);
    }
  });

  it('chooses, for every mutant of linux/signal.ts, a subset of the rows that call its function', () => {
    let fewer = 0;
    for (const m of mutants) {
      const byFunction = ids(selectRows(m, rows, { ...ctx, level: 'function' }).rows);
      const s = selectRows(m, rows, ctx);
      expect(s.rule).toBe('statement');
      expect(byFunction).toEqual(expect.arrayContaining(ids(s.rows)));
      if (s.rows.length < byFunction.length) fewer++;
    }
    // the point of it: rare branches are run by fewer rows than call their function
    expect(fewer).toBeGreaterThan(5);
  });

  it('leaves out a row that never takes the branch of the mutant, keeps the row that does', () => {
    // task_clear_jobctl_trapping wakes the attacher only when JOBCTL_TRAPPING is set: an attach to a stopped task
    const m = mutants.find((x) => x.operator === 'drop-wakeup' && x.fn === 'task_clear_jobctl_trapping') as Mutant;
    expect(m.what).toBe('wake_up_bit(…) removed');
    expect(ids(selectRows(m, rows, { ...ctx, level: 'function' }).rows)).toEqual(
      expect.arrayContaining([GROUP_STOP, ATTACH_STOPPED]),
    );
    const chosen = ids(selectRows(m, rows, ctx).rows);
    expect(chosen).toContain(ATTACH_STOPPED);
    expect(chosen).not.toContain(GROUP_STOP);
  });

  it('a row left out runs the mutant exactly as the real code: same verdict, same executions', () => {
    const m = mutants.find((x) => x.operator === 'drop-wakeup' && x.fn === 'task_clear_jobctl_trapping') as Mutant;
    const left = rows.filter((r) => !selectRows(m, rows, ctx).rows.includes(r));
    expect(ids(left)).toContain(GROUP_STOP);
    const tree = scratch('test-select-');
    try {
      cpSync(resolve('src'), join(tree, 'src'), { recursive: true });
      writeFileSync(join(tree, SIGNAL), applyMutant(readFileSync(join(ROOT, SIGNAL), 'utf8'), m));
      for (const l of runRows(tree, left, 'all').rows) {
        const b = base.get(l.id) as RowLine;
        expect([l.id, l.verdict, l.executions]).toEqual([b.id, b.verdict, b.executions]);
      }
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  }, 120_000);

  it('falls back to the files a row imports for a row whose search was cut, and for a file changed since', () => {
    const m = mutants.find((x) => x.operator === 'drop-wakeup' && x.fn === 'task_clear_jobctl_trapping') as Mutant;
    const lines = ctx.lines as NonNullable<SelectContext['lines']>;
    const cut = selectRows(m, rows, { ...ctx, lines: { ...lines, rows: { ...lines.rows, [GROUP_STOP]: null } } });
    expect(ids(cut.rows)).toContain(GROUP_STOP);
    expect(cut.rule).toMatch(/^statement \(1 by file/);
    const changed = selectRows(m, rows, { ...ctx, hashOf: () => 'other' });
    expect(changed.rule).toBe('file (no line map of the file)');
    expect(ids(changed.rows)).toEqual(ids(rows));
  });

  it("takes each row's lines exactly as the interpreter alone counts them, whatever ran before it", () => {
    // the same rows in one process, with V8's optimizing compilers off: every call is counted
    const plain = runRows(ROOT, rows, 'lines', ['--no-opt', '--no-maglev']);
    for (const l of plain.rows) expect([l.id, ctx.lines?.rows[l.id]]).toEqual([l.id, l.lines]);
    // with them on, a row run after another in the same process is charged with too few lines: the
    // reason each row of the baseline runs in a process of its own
    const shared = runRows(ROOT, rows, 'lines');
    const short = shared.rows.filter((l) => JSON.stringify(l.lines) !== JSON.stringify(ctx.lines?.rows[l.id]));
    expect(short.length).toBeGreaterThan(0);
  }, 120_000);

  it("runs ptrace_trap_notify's dropped wake-up against the LISTEN row that catches it", () => {
    // signal.c:899 ptrace_signal_wake_up(t, t->jobctl & JOBCTL_LISTENING): without it a SIGCONT sent
    // during PTRACE_LISTEN never reaches the tracer
    const m = mutants.find((x) => x.operator === 'drop-wakeup' && x.fn === 'ptrace_trap_notify') as Mutant;
    expect(m).toBeDefined();
    const chosen = selectRows(m, rows, ctx);
    expect(chosen.rule).toBe('statement');
    expect(ids(chosen.rows)).toContain(LISTEN_NOTIFY);
    const tree = scratch('test-select-');
    try {
      cpSync(resolve('src'), join(tree, 'src'), { recursive: true });
      writeFileSync(join(tree, SIGNAL), applyMutant(readFileSync(join(ROOT, SIGNAL), 'utf8'), m));
      const row = rows.find((r) => r.id === LISTEN_NOTIFY) as Row;
      const [l] = runRows(tree, [row], 'all').rows;
      expect([l?.outcome, l?.verdict]).toEqual(['differs', 'violated']);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('mutant lines', () => {
  it('name every line a mutant touches: both of a lock pair, both stores swapped, the store through the unlock', () => {
    const text = readFileSync(SIGNAL, 'utf8').split('\n');
    const at = (l: number) => text[l - 1] as string;
    const pair = mutants.find((m) => m.operator === 'drop-lock-pair' && m.fn === '__set_current_blocked') as Mutant;
    expect(pair.lines).toHaveLength(2);
    expect(at(pair.lines[0] as number)).toContain('spin_lock_irq(me.siglock,');
    expect(at(pair.lines[1] as number)).toContain('spin_unlock_irq(me.siglock,');
    for (const m of mutants.filter((x) => x.operator === 'swap-stores')) {
      expect(m.lines).toEqual([m.line, m.line + 1]);
    }
    const moved = mutants.find((m) => m.operator === 'store-past-unlock') as Mutant;
    expect(moved.lines[0]).toBe(moved.line);
    expect(at(moved.lines[moved.lines.length - 1] as number)).toMatch(/[Uu]nlock/);
    for (const m of mutants) expect(m.lines).toContain(m.line);
  });
});

describe('block coverage to lines', () => {
  it('takes the innermost range for each offset, and keeps a line run when any of its code ran', () => {
    // function [0,100) ran; its block [20,40) did not; an inner function [50,80) did not, its block [60,70) did
    const spans = ranSpans([
      {
        functionName: 'f',
        ranges: [
          { startOffset: 0, endOffset: 100, count: 1 },
          { startOffset: 20, endOffset: 40, count: 0 },
        ],
      },
      {
        functionName: 'g',
        ranges: [
          { startOffset: 50, endOffset: 80, count: 0 },
          { startOffset: 60, endOffset: 70, count: 2 },
        ],
      },
    ]);
    expect(spans).toEqual([
      [0, 20],
      [40, 50],
      [60, 70],
      [80, 100],
    ]);
    // pieces at offsets 0, 25, 50, 60 and 85 of lines 1..5 (line 3's [50, 60) never ran); one unmapped piece at 90
    const map = { starts: [0, 25, 50, 60, 85, 90], lines: [1, 2, 3, 4, 5, 0], mapped: new Set([1, 2, 3, 4, 5]) };
    expect([...ranLines(map, spans, 100)].sort()).toEqual([1, 2, 4, 5]);
  });

  it('reads a source map: each segment at its generated offset, from its original line', () => {
    // "AAAA" maps column 0 of line 1 to line 1; ";AACA" maps column 0 of line 2 to line 2
    const map = scriptMap('a;\nb;\n', 'AAAA;AACA');
    expect(map.starts).toEqual([0, 3]);
    expect(map.lines).toEqual([1, 2]);
  });

  it('packs lines as ranges and back', () => {
    expect(packLines([7, 3, 4, 5, 12, 15, 16])).toBe('3-5,7,12,15-16');
    expect([...unpackLines('3-5,7,12,15-16')]).toEqual([3, 4, 5, 7, 12, 15, 16]);
  });
});
