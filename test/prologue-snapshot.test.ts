import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load, rmw, snapshot, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { Recorder } from '../src/explorer/record.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import { ENGINE_INVARIANTS } from '../src/model/types.ts';
import { runInProcess } from './cli-in-process.ts';

/** A and B each bump a counter twice (load, store: not atomic); `done` ends the prologue once `x` is 1. */
function counters(prologue: boolean, atomic = false) {
  const b = new ModelBuilder(2);
  const x = b.layout.cell('x');
  for (const [name, cpu] of [
    ['A', 0],
    ['B', 1],
  ] as const) {
    b.task({
      name,
      startCpu: cpu,
      program: function* () {
        for (let i = 0; i < 2; i++) {
          if (atomic) {
            yield rmw(x, (v) => v + 1, `test ${name}`);
            continue;
          }
          const v: number = yield load(x, `test ${name}`);
          yield store(x, v + 1, `test ${name}`);
        }
      },
    });
  }
  if (prologue) b.prologue("A's first increment", (w) => w.mem[x] === 1);
  b.atEnd({ name: 'lost-update', check: (w) => (w.mem[x] !== 4 ? `x = ${w.mem[x]}` : null) });
  return { def: b.build(), x };
}

describe('a deterministic prologue', () => {
  it('runs the lowest CPU until it is done, before step 0 of every execution, unrecorded', () => {
    const { def, x } = counters(true);
    const m = new Machine(def);
    expect(m.prologueSteps).toBe(2);
    expect(m.mem[x]).toBe(1);
    expect(m.steps).toBe(0);
    const rec = new Recorder(m);
    m.observer = rec;
    m.reset();
    expect(m.prologueSteps).toBe(2);
    expect(rec.steps).toHaveLength(0);
    expect(m.mem[x]).toBe(1);
  });

  it('the search starts from where it ends: the same verdicts, fewer executions', () => {
    const dfs = (prologue: boolean, atomic: boolean) => explore(new Machine(counters(prologue, atomic).def), new DfsStrategy());
    expect(dfs(true, false).verdict).toBe('violated');
    const all = dfs(false, true);
    const after = dfs(true, true);
    expect([all.verdict, after.verdict]).toEqual(['holds', 'holds']);
    expect(after.executions).toBeLessThan(all.executions);
  });

  it('a prologue that cannot end, or breaks an invariant, is an error of the model', () => {
    const b = new ModelBuilder(1);
    const x = b.layout.cell('x');
    b.task({
      name: 'A',
      startCpu: 0,
      program: function* () {
        yield store(x, 1, 'test');
      },
    });
    b.prologue('x reaches 2', (w) => w.mem[x] === 2);
    expect(() => new Machine(b.build())).toThrow(/the prologue \(x reaches 2\) cannot go on/);
  });
});

describe('a verdict from a prologue says so', () => {
  it('in the text and in --json, with the prologue in words', async () => {
    const args = ['check', 'linux/kill-traced', '--variant', 'kill-race-unfreeze-ignores-sigkill', '--cpus', '3', '--no-shrink'];
    const text = await runInProcess([...args, '--out-dir', mkdtempSync(join(tmpdir(), 'prologue-'))]);
    expect(text.code).toBe(1);
    expect(text.out).toContain(
      "prologue, run in one order before the search (not searched): the child runs PTRACE_TRACEME and exec, and stops at exec's SIGTRAP",
    );
    const json = await runInProcess([...args, '--json', '--out-dir', mkdtempSync(join(tmpdir(), 'prologue-'))]);
    const j = JSON.parse(json.out) as { prologue?: string; verdict: string };
    expect(j.verdict).toBe('violated');
    expect(j.prologue).toMatch(/^the child runs PTRACE_TRACEME and exec/);
    // a variant with none says nothing of one
    const plain = await runInProcess(['check', 'demo/lost-wakeup', '--variant', 'fixed', '--json']);
    expect(JSON.parse(plain.out)).not.toHaveProperty('prologue');
  });
});

describe('ghost snapshots', () => {
  it("copy a real cell's value into a ghost cell in the step that reads it, and the trace says so", () => {
    const b = new ModelBuilder(1);
    const x = b.layout.cell('x', 7);
    const seen = b.layout.ghost('ghost.seen');
    b.task({
      name: 'A',
      startCpu: 0,
      program: function* () {
        const v: number = yield snapshot(seen, x, 'test', 'v = x');
        yield store(x, v + 1, 'test');
      },
    });
    const m = new Machine(b.build());
    const rec = new Recorder(m);
    m.observer = rec;
    expect(m.footprint(0).reads).toContain(x);
    m.step(0);
    expect(m.mem[seen]).toBe(7);
    expect(rec.steps[0]?.detail).toBe('x → 7; ghost.seen ← 7');
  });
});

describe('a path the model does not cover', () => {
  it('is a model-error violation with the trace that reaches it, not an abort of the search', () => {
    const b = new ModelBuilder(1);
    const x = b.layout.cell('x');
    b.task({
      name: 'A',
      startCpu: 0,
      program: function* () {
        const v: number = yield load(x, 'test');
        if (v === 0) throw new Error('x = 0: not modelled');
      },
    });
    const r = explore(new Machine(b.build()), new DfsStrategy());
    expect(r.verdict).toBe('violated');
    expect(r.violation).toEqual({
      invariant: ENGINE_INVARIANTS.modelError,
      message: "A's program threw: x = 0: not modelled (A on CPU0, the model's code after test)",
    });
  });

  it('is reported whatever invariants were asked for, and replays from a snapshot', () => {
    const b = new ModelBuilder(2);
    const x = b.layout.cell('x');
    b.task({
      name: 'A',
      startCpu: 0,
      program: function* () {
        const v: number = yield load(x, 'test A');
        if (v === 1) throw new Error('x = 1: not modelled');
      },
    });
    b.task({
      name: 'B',
      startCpu: 1,
      program: function* () {
        yield store(x, 1, 'test B');
      },
    });
    const m = new Machine(b.build(), { invariants: ['deadlock'] });
    const start = m.snapshot();
    m.step(1); // B: x = 1
    m.step(0); // A reads 1 and throws: its next step is the model error
    expect(m.violation).toBeNull();
    m.step(0);
    expect(m.violation?.invariant).toBe(ENGINE_INVARIANTS.modelError);
    // back to the start and the same order again: the recorded answers meet the error again
    m.restore(start);
    m.step(1);
    m.step(0);
    m.step(0);
    expect(m.violation?.invariant).toBe(ENGINE_INVARIANTS.modelError);
    // the other order reads 0 and ends cleanly
    m.restore(start);
    m.step(0);
    m.step(1);
    expect(m.violation).toBeNull();
  });
});
