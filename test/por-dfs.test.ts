import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { load, nop, type Program, spinLock, spinUnlock, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { PorDfsStrategy } from '../src/explorer/por-dfs.ts';
import type { Strategy } from '../src/explorer/strategy.ts';
import { Machine } from '../src/model/machine.ts';
import type { ModelDef } from '../src/model/types.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import { model } from './helpers.ts';
import { abba, lockedCounter, racyCounter } from './por-models.ts';
import { buildSpec, modelSpec } from './por-random.ts';

const R = 'test por-dfs';

/** Wraps a strategy and records the memory of every state where an execution ended with nothing enabled. */
function terminalStates(def: ModelDef, inner: Strategy): Set<string> {
  const seen = new Set<string>();
  const buf: number[] = [];
  const spy: Strategy = {
    name: inner.name,
    exhaustive: inner.exhaustive,
    prepare: (m) => inner.prepare?.(m),
    beginExecution: () => inner.beginExecution(),
    choose: (e, d, m) => inner.choose(e, d, m),
    afterStep: (c, d, m) => inner.afterStep?.(c, d, m) ?? true,
    endExecution(m) {
      if (m.enabled(buf) === 0) seen.add(`${m.mem.join(',')}|${[...Array(m.taskCount).keys()].map((t) => m.taskDone(t))}`);
      inner.endExecution(m);
    },
  };
  // livelock only: no invariant stops the search, deadlocked ends are recorded like any other end
  const r = explore(new Machine(def, { invariants: ['livelock'] }), spy);
  expect(r.verdict).toBe('holds');
  return seen;
}

/** A small program mix with CPU-local steps (annotations, the steps persistent sets pick). */
function withLocalSteps(programs: number[][]): ModelDef {
  return model(programs.length, (b) => {
    const x = [b.layout.cell('x0'), b.layout.cell('x1')];
    const l = b.layout.spinlock('l');
    return programs.map(
      (steps, cpu) =>
        function* (): Program<void> {
          for (const s of steps) {
            const c = x[s % 2] as number;
            if (s < 2) yield nop(R, 'local');
            else if (s < 4) yield store(c, cpu + 1, R);
            else if (s < 6) yield load(c, R);
            else {
              yield spinLock(l, R);
              const v: number = yield load(c, R);
              yield store(c, v + 2, R);
              yield spinUnlock(l, R);
            }
          }
        },
    );
  });
}

const localMix = fc.array(fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 4 }), {
  minLength: 2,
  maxLength: 3,
});

/** Every state reached by a step, by exact key. */
function reachedStates(def: ModelDef, inner: Strategy): Set<string> {
  const seen = new Set<string>();
  const spy: Strategy = {
    name: inner.name,
    exhaustive: inner.exhaustive,
    prepare: (m) => {
      m.trackStates();
      inner.prepare?.(m);
    },
    beginExecution: () => inner.beginExecution(),
    choose: (e, d, m) => inner.choose(e, d, m),
    afterStep(c, d, m) {
      seen.add(m.stateKey());
      return inner.afterStep?.(c, d, m) ?? true;
    },
    endExecution: (m) => inner.endExecution(m),
  };
  expect(explore(new Machine(def, { invariants: ['livelock'] }), spy).verdict).toBe('holds');
  return seen;
}

const biggerSpec = fc.record({
  programs: fc.array(fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 2, maxLength: 5 }), { minLength: 3, maxLength: 3 }),
});

describe('dfs with sleep sets and one-CPU persistent sets', () => {
  it('sleep sets with state caching still visit every reachable state (the revisit rule)', () => {
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const full = reachedStates(buildSpec(spec), new DfsStrategy());
        const sleep = reachedStates(buildSpec(spec), new PorDfsStrategy({ persistent: false }));
        expect(sleep.size).toBe(full.size);
      }),
      { seed: 5, numRuns: 60 },
    );
    fc.assert(
      fc.property(biggerSpec, ({ programs }) => {
        const full = reachedStates(withLocalSteps(programs), new DfsStrategy());
        const sleep = reachedStates(withLocalSteps(programs), new PorDfsStrategy({ persistent: false }));
        expect(sleep.size).toBe(full.size);
      }),
      { seed: 6, numRuns: 40 },
    );
  });

  it('reaches every terminal state the plain stateful DFS reaches (it visits every reachable state), on random models with locks, awaits, irq-off sections and an interrupt', () => {
    let compared = 0;
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const full = terminalStates(buildSpec(spec), new DfsStrategy());
        const reduced = terminalStates(buildSpec(spec), new PorDfsStrategy());
        expect([...reduced].sort()).toEqual([...full].sort());
        compared++;
      }),
      { seed: 20261124, numRuns: 60 },
    );
    expect(compared).toBe(60);
  });

  it('reaches every terminal state on random models with CPU-local steps, in fewer executions', () => {
    let fewer = 0;
    fc.assert(
      fc.property(localMix, (programs) => {
        const full = terminalStates(withLocalSteps(programs), new DfsStrategy());
        const reduced = terminalStates(withLocalSteps(programs), new PorDfsStrategy());
        expect([...reduced].sort()).toEqual([...full].sort());
        const plain = explore(new Machine(withLocalSteps(programs)), new DfsStrategy()).executions;
        const por = explore(new Machine(withLocalSteps(programs)), new PorDfsStrategy()).executions;
        expect(por).toBeLessThanOrEqual(plain);
        if (por < plain) fewer++;
      }),
      { seed: 7, numRuns: 60 },
    );
    expect(fewer).toBeGreaterThan(30);
  });

  it('gives the verdict of plain DFS on the small models and every random one', () => {
    for (const [def, broken] of [
      [() => racyCounter(2), 'no-lost-update'],
      [() => lockedCounter(2), null],
      [abba, 'deadlock'],
    ] as const) {
      const r = explore(new Machine(def()), new PorDfsStrategy());
      expect(r.violation?.invariant ?? null).toBe(broken);
    }
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const full = explore(new Machine(buildSpec(spec)), new DfsStrategy());
        const r = explore(new Machine(buildSpec(spec)), new PorDfsStrategy());
        expect(r.verdict).toBe(full.verdict);
        expect(r.violation?.invariant ?? null).toBe(full.violation?.invariant ?? null);
      }),
      { seed: 11, numRuns: 60 },
    );
  });

  it('a CPU-local step whose code writes a watched ghost cell is visible: every order is explored there', () => {
    // CPU0: two annotations, the first sets a ghost flag, the second clears it;
    // CPU1 stores x = 1. The invariant watches both: flag set while x = 1 is bad.
    // Exploring CPU0's local steps alone would never see the flag and x = 1 together.
    const def = (): ModelDef => {
      let g = 0;
      let x = 0;
      return model(
        2,
        (b) => {
          g = b.layout.ghost('g', 0);
          x = b.layout.cell('x');
          return [
            function* (ctx): Program<void> {
              yield nop(R, 'set the flag');
              ctx.ghost.set(g, 1);
              yield nop(R, 'clear the flag');
              ctx.ghost.set(g, 0);
            },
            function* (): Program<void> {
              yield store(x, 1, R);
            },
          ];
        },
        (b) =>
          b.invariant({
            name: 'flag-vs-x',
            watch: [g, x],
            check: (w) => (w.mem[g] === 1 && w.mem[x] === 1 ? 'flag set while x = 1' : null),
          }),
      );
    };
    expect(explore(new Machine(def()), new DfsStrategy({ cache: false })).violation?.invariant).toBe('flag-vs-x');
    expect(explore(new Machine(def()), new PorDfsStrategy()).violation?.invariant).toBe('flag-vs-x');
  });

  it('every small built-in scenario variant gets its expected verdict', () => {
    for (const s of SCENARIOS.filter((x) => x.name.startsWith('demo/'))) {
      for (const [variant, v] of Object.entries(s.variants)) {
        for (const e of v.expect) {
          const r = explore(
            new Machine(s.build({ variant, cpus: e.cpus }), { invariants: e.only ?? null }),
            new PorDfsStrategy(),
          );
          expect(`${s.name} ${variant} ${e.cpus}: ${r.verdict}`).toBe(`${s.name} ${variant} ${e.cpus}: ${e.verdict}`);
        }
      }
    }
  });
});
