/**
 * The x86-TSO memory model (`--memory-model tso`): store buffers in the
 * machine, and the searches sound on it — the reduced dfs (sleep sets,
 * fingerprints) reaches exactly the end states and verdicts of the plain
 * unreduced search, on random small programs whose loads are recorded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BARRIER, fence, load, type Program, rmw, spinLock, spinUnlock, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { ReducedDfs, type ReducedDfsOptions } from '../src/explorer/reduced-dfs.ts';
import type { Strategy } from '../src/explorer/strategy.ts';
import { Machine } from '../src/model/machine.ts';
import { type MemoryModel, memoryModel } from '../src/model/memory-model.ts';
import type { ModelDef } from '../src/model/types.ts';
import { endKey, model } from './helpers.ts';
import { ends, programsArb, randomModel } from './tso-random.ts';

const R = 'test tso';
const TSO = memoryModel('tso');

/** Two CPUs: CPU0 stores x = 1 then loads y into r0; CPU1 stores y = 1 then loads x into r1 (SB). */
function sb(between: ((ref: string) => ReturnType<typeof fence>) | null): ModelDef {
  return model(2, (b) => {
    const x = b.layout.cell('x');
    const y = b.layout.cell('y');
    const r = [b.layout.ghost('r0', 9), b.layout.ghost('r1', 9)];
    return [
      [x, y],
      [y, x],
    ].map(
      ([mine, theirs], i) =>
        function* (ctx): Program<void> {
          yield store(mine as number, 1, R);
          if (between) yield between(R);
          const v: number = yield load(theirs as number, R);
          ctx.ghost.set(r[i] as number, v);
        },
    );
  });
}

/** How many states with something enabled the plain stateful DFS reaches (the initial one included), by exact key. */
function plainBranchStates(def: ModelDef, mm: MemoryModel): number {
  const seen = new Set<string>();
  const buf: number[] = [];
  const inner = new DfsStrategy();
  const note = (m: Machine) => {
    if (m.violation === null && m.enabled(buf) > 0) seen.add(m.stateKey());
  };
  const spy: Strategy = {
    name: inner.name,
    exhaustive: true,
    prepare: (m) => inner.prepare(m),
    beginExecution: () => inner.beginExecution(),
    choose: (e, d, m) => {
      if (d === 0) note(m);
      return inner.choose(e, d, m);
    },
    afterStep(c, d, m) {
      note(m);
      return inner.afterStep(c, d, m);
    },
    endExecution: () => {},
  };
  explore(new Machine(def, { invariants: ['livelock'], memoryModel: mm }), spy);
  return seen.size;
}

function reducedEnds(def: ModelDef, mm: MemoryModel, opts: ReducedDfsOptions = {}): string[] {
  const seen = new Set<string>();
  const r = explore(
    new Machine(def, { invariants: ['livelock'], memoryModel: mm }),
    new ReducedDfs({ ...opts, onEnd: (m) => seen.add(endKey(m)) }),
  );
  expect(r.verdict).toBe('holds');
  return [...seen].sort();
}

describe('x86-TSO store buffers in the machine', () => {
  it('a store waits in its CPU’s buffer: memory changes only at the drain, a choice of its own', () => {
    const m = new Machine(sb(null), { memoryModel: TSO });
    const x = m.layout.addr('x');
    expect(m.choiceCount).toBe(4);
    m.step(0);
    expect(m.mem[x]).toBe(0);
    expect(m.storeBuffer(0)).toEqual([x, 1, m.storeBuffer(0)[2], 0]);
    expect(m.isEnabled(m.drainBase)).toBe(true);
    expect(m.isEnabled(m.drainBase + 1)).toBe(false);
    m.step(m.drainBase);
    expect(m.mem[x]).toBe(1);
    expect(m.storeBuffer(0)).toEqual([]);
  });

  it('a load reads its own CPU’s newest buffered store, other CPUs read memory', () => {
    const def = model(2, (b) => {
      const x = b.layout.cell('x');
      const seen = [b.layout.ghost('seen0', 9), b.layout.ghost('seen1', 9)];
      return [
        function* (ctx): Program<void> {
          yield store(x, 1, R);
          yield store(x, 2, R);
          ctx.ghost.set(seen[0] as number, yield load(x, R));
        },
        function* (ctx): Program<void> {
          ctx.ghost.set(seen[1] as number, yield load(x, R));
        },
      ];
    });
    const m = new Machine(def, { memoryModel: TSO });
    for (const c of [0, 0, 0, 1]) m.step(c);
    expect(m.mem[m.layout.addr('seen0')]).toBe(2);
    expect(m.mem[m.layout.addr('seen1')]).toBe(0);
    expect(m.mem[m.layout.addr('x')]).toBe(0);
  });

  it('smp_mb and a locked read-modify-write wait for an empty buffer; smp_wmb and smp_rmb do not', () => {
    for (const [op, waits] of [
      [(_a: number) => fence(R), true],
      [(a: number) => rmw(a, (v) => v + 1, R), true],
      [(_a: number) => fence(R, 'smp_wmb()', BARRIER.WMB), false],
      [(_a: number) => fence(R, 'smp_rmb()', BARRIER.RMB), false],
      [(_a: number) => fence(R, 'smp_mb__after_spinlock()', BARRIER.MB_AFTER_SPINLOCK), false],
    ] as const) {
      const def = model(1, (b) => {
        const x = b.layout.cell('x');
        const y = b.layout.cell('y');
        return [
          function* (): Program<void> {
            yield store(x, 1, R);
            yield op(y);
          },
        ];
      });
      const m = new Machine(def, { memoryModel: TSO });
      m.step(0);
      expect(m.isEnabled(0)).toBe(!waits);
      m.step(m.drainBase);
      expect(m.isEnabled(0)).toBe(true);
    }
  });

  it('the buffer depth is a bound: a store into a full buffer waits for a drain', () => {
    const def = model(1, (b) => {
      const x = b.layout.cell('x');
      return [
        function* (): Program<void> {
          yield store(x, 1, R);
          yield store(x, 2, R);
        },
      ];
    });
    const m = new Machine(def, { memoryModel: memoryModel('tso', 1) });
    m.step(0);
    expect(m.isEnabled(0)).toBe(false);
    m.step(m.drainBase);
    expect(m.isEnabled(0)).toBe(true);
  });

  it('spin_unlock is a release store (buffered); spin_lock is locked (drains first)', () => {
    const def = model(1, (b) => {
      const l = b.layout.spinlock('l');
      const x = b.layout.cell('x');
      return [
        function* (): Program<void> {
          yield spinLock(l, R);
          yield store(x, 1, R);
          yield spinUnlock(l, R);
          yield spinLock(l, R);
        },
      ];
    });
    const m = new Machine(def, { memoryModel: TSO });
    const l = m.layout.addr('l');
    m.step(0);
    m.step(0);
    m.step(0);
    expect(m.mem[l]).toBe(1);
    expect(m.storeBuffer(0).length).toBe(8);
    expect(m.isEnabled(0)).toBe(false);
    m.step(m.drainBase);
    m.step(m.drainBase);
    expect(m.mem[l]).toBe(0);
    expect(m.isEnabled(0)).toBe(true);
  });

  it('the buffers are state: equal memories and histories with different buffers differ in fingerprint and exact key, and snapshots restore them', () => {
    // x = 1; x = 0: with both stores buffered, and with both drained, memory and the program's history are the same
    const def = model(1, (b) => {
      const x = b.layout.cell('x');
      return [
        function* (): Program<void> {
          yield store(x, 1, R);
          yield store(x, 0, R);
        },
      ];
    });
    const a = new Machine(def, { memoryModel: TSO });
    a.trackStates();
    const fp = () => {
      a.fingerprint();
      return [a.fpA, a.fpB];
    };
    a.step(0);
    a.step(0);
    const buffered = { key: a.stateKey(), fp: fp(), mem: [...a.mem] };
    const snap = a.snapshot();
    a.step(a.drainBase);
    a.step(a.drainBase);
    expect([...a.mem]).toEqual(buffered.mem);
    expect(a.stateKey()).not.toBe(buffered.key);
    expect(fp()).not.toEqual(buffered.fp);
    a.restore(snap);
    expect(a.stateKey()).toBe(buffered.key);
    expect(fp()).toEqual(buffered.fp);
    expect(a.storeBuffer(0).length).toBe(8);
  });

  it('sequential consistency has no drain choices and no buffers', () => {
    const m = new Machine(sb(null));
    expect(m.choiceCount).toBe(2);
    m.step(0);
    expect(m.mem[m.layout.addr('x')]).toBe(1);
    expect(m.storeBuffer(0)).toEqual([]);
  });
});

describe('store buffering (SB) decides between the models', () => {
  const both = (m: Machine) => `${m.mem[m.layout.addr('r0')]},${m.mem[m.layout.addr('r1')]}`;
  const outcomes = (def: () => ModelDef, mm: MemoryModel) => {
    const seen = new Set<string>();
    explore(new Machine(def(), { memoryModel: mm }), new ReducedDfs({ onEnd: (m) => seen.add(both(m)) }));
    return [...seen].sort();
  };
  it('r0 = r1 = 0 happens under TSO without a barrier, never under SC, never with smp_mb', () => {
    expect(outcomes(() => sb(null), TSO)).toEqual(['0,0', '0,1', '1,0', '1,1']);
    expect(outcomes(() => sb(null), memoryModel('sc'))).toEqual(['0,1', '1,0', '1,1']);
    expect(outcomes(() => sb((ref) => fence(ref)), TSO)).toEqual(['0,1', '1,0', '1,1']);
    expect(outcomes(() => sb((ref) => fence(ref, 'smp_wmb()', BARRIER.WMB)), TSO)).toEqual(['0,0', '0,1', '1,0', '1,1']);
  });
});

describe('the reduced dfs under x86-TSO against the plain search', () => {
  it('reaches exactly the end states (memory and every load’s value) of the unreduced exact search', () => {
    fc.assert(
      fc.property(programsArb, fc.integer({ min: 1, max: 3 }), (programs, depth) => {
        const mm = memoryModel('tso', depth);
        const full = ends(randomModel(programs), new DfsStrategy(), mm);
        expect(reducedEnds(randomModel(programs), mm)).toEqual(full);
        expect(reducedEnds(randomModel(programs), mm, { exact: true })).toEqual(full);
        expect(reducedEnds(randomModel(programs), mm, { sleepSets: false, blocks: false })).toEqual(full);
      }),
      { seed: 16, numRuns: 80 },
    );
  });

  it('with sleep sets alone and exact keys, keeping every state, explores exactly as many states as the plain search reaches', () => {
    fc.assert(
      fc.property(programsArb, fc.integer({ min: 1, max: 3 }), (programs, depth) => {
        const mm = memoryModel('tso', depth);
        const sleep = explore(
          new Machine(randomModel(programs), { invariants: ['livelock'], memoryModel: mm }),
          new ReducedDfs({ blocks: false, exact: true, storeMinSteps: 0 }),
        );
        expect(sleep.states).toBe(plainBranchStates(randomModel(programs), mm));
      }),
      { seed: 19, numRuns: 60 },
    );
  });

  it('with sleep sets and exact keys, and with fingerprints, stores the same number of states', () => {
    fc.assert(
      fc.property(programsArb, (programs) => {
        const run = (exact: boolean) =>
          explore(
            new Machine(randomModel(programs), { invariants: ['livelock'], memoryModel: memoryModel('tso', 2) }),
            new ReducedDfs({ exact }),
          ).states;
        expect(run(false)).toBe(run(true));
      }),
      { seed: 17, numRuns: 40 },
    );
  });

  it('TSO reaches every SC end state, and more only where a load passed a store', () => {
    fc.assert(
      fc.property(programsArb, (programs) => {
        const sc = reducedEnds(randomModel(programs), memoryModel('sc'));
        const tso = reducedEnds(randomModel(programs), TSO);
        for (const e of sc) expect(tso).toContain(e);
        // a store that is its program's last step has nothing to pass: TSO adds nothing then
        const onlyLast = programs.every((p) => p.every((s, i) => (s.k !== 'store' && s.k !== 'locked') || i === p.length - 1));
        if (onlyLast) expect(tso).toEqual(sc);
      }),
      { seed: 18, numRuns: 60 },
    );
  });
});
