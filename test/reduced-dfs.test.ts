import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nop, type Program, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { ReducedDfs, type ReducedDfsOptions } from '../src/explorer/reduced-dfs.ts';
import type { Strategy } from '../src/explorer/strategy.ts';
import { Machine } from '../src/model/machine.ts';
import type { ModelDef } from '../src/model/types.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import { endKey, model, searchEnds } from './helpers.ts';
import {
  abba,
  handshake,
  interrupts,
  lateUnlockedRead,
  lockAndAwait,
  lockedCounter,
  racyCounter,
  sections,
  switching,
} from './por-models.ts';
import { buildSpec, modelSpec } from './por-random.ts';

const R = 'test reduced-dfs';

/** Every end state the plain stateful DFS (exact keys, replayed executions, no reduction) reaches. */
function plainEnds(def: ModelDef): Set<string> {
  const r = searchEnds(def, new DfsStrategy());
  expect(r.verdict).toBe('holds');
  return r.ends;
}

/** How many states with something enabled the plain stateful DFS reaches (the initial one included). */
function plainBranchStates(def: ModelDef): number {
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
  explore(new Machine(def, { invariants: ['livelock'] }), spy);
  return seen.size;
}

function reducedEnds(def: ModelDef, opts: ReducedDfsOptions = {}): Set<string> {
  const seen = new Set<string>();
  const r = explore(
    new Machine(def, { invariants: ['livelock'] }),
    new ReducedDfs({ ...opts, onEnd: (m) => seen.add(endKey(m)) }),
  );
  expect(r.verdict).toBe('holds');
  return seen;
}

const sorted = (s: Set<string>) => [...s].sort();

const mixSpec = fc.array(fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 4 }), {
  minLength: 2,
  maxLength: 3,
});

describe('the reduced stateful dfs against the plain one', () => {
  it('reaches exactly the end states of the unreduced exact search on random models with locks, rwlocks, awaits, irq-off sections and an interrupt', () => {
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const full = sorted(plainEnds(buildSpec(spec)));
        expect(sorted(reducedEnds(buildSpec(spec)))).toEqual(full);
        expect(sorted(reducedEnds(buildSpec(spec), { exact: true }))).toEqual(full);
        expect(sorted(reducedEnds(buildSpec(spec), { blocks: false }))).toEqual(full);
      }),
      { seed: 20261205, numRuns: 120 },
    );
  });

  it('keeping only the states whose subtree took at least 0, 1, 3 or 8 steps (from the start, or past 5 kept), reaches exactly the same end states', () => {
    fc.assert(
      fc.property(modelSpec, fc.constantFrom(0, 1, 3, 8), fc.constantFrom(0, 5), (spec, storeMinSteps, keepAllBelow) => {
        const full = sorted(plainEnds(buildSpec(spec)));
        expect(sorted(reducedEnds(buildSpec(spec), { storeMinSteps, keepAllBelow }))).toEqual(full);
        expect(sorted(reducedEnds(buildSpec(spec), { storeMinSteps, keepAllBelow, blocks: false }))).toEqual(full);
      }),
      { seed: 20261206, numRuns: 120 },
    );
  });

  it('keeps fewer states the larger the subtree it asks for, and explores at least as many', () => {
    let fewer = 0;
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const run = (storeMinSteps: number, keepAllBelow: number) =>
          explore(new Machine(buildSpec(spec), { invariants: ['livelock'] }), new ReducedDfs({ storeMinSteps, keepAllBelow }));
        const all = run(0, 0);
        const some = run(4, 0);
        // by default a search this small keeps every state
        const small = run(4, 1 << 16);
        expect([small.states, small.storedStates, small.steps]).toEqual([all.states, all.storedStates, all.steps]);
        expect(some.storedStates).toBeLessThanOrEqual(all.storedStates as number);
        expect(some.states).toBeGreaterThanOrEqual(all.states as number);
        expect(some.steps).toBeGreaterThanOrEqual(all.steps);
        if ((some.storedStates as number) < (all.storedStates as number)) fewer++;
      }),
      { seed: 11, numRuns: 60 },
    );
    expect(fewer).toBeGreaterThan(10);
  });

  it('reaches exactly the end states on random mixes of critical sections and unprotected accesses', () => {
    fc.assert(
      fc.property(mixSpec, (programs) => {
        expect(sorted(reducedEnds(sections(programs)))).toEqual(sorted(plainEnds(sections(programs))));
      }),
      { seed: 7, numRuns: 120 },
    );
  });

  it('with sleep sets alone and exact keys, keeping every state, explores exactly the states the plain search reaches (the revisit rule)', () => {
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const sleep = explore(
          new Machine(buildSpec(spec), { invariants: ['livelock'] }),
          new ReducedDfs({ blocks: false, exact: true, storeMinSteps: 0 }),
        );
        expect(sleep.states).toBe(plainBranchStates(buildSpec(spec)));
        expect(sleep.storedStates).toBeLessThanOrEqual(sleep.states as number);
      }),
      { seed: 6, numRuns: 60 },
    );
  });

  it('fingerprints tell apart the same states as exact keys (no collision on these models)', () => {
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const fp = explore(new Machine(buildSpec(spec), { invariants: ['livelock'] }), new ReducedDfs({ blocks: false }));
        const exact = explore(
          new Machine(buildSpec(spec), { invariants: ['livelock'] }),
          new ReducedDfs({ blocks: false, exact: true }),
        );
        expect(fp.states).toBe(exact.states);
      }),
      { seed: 8, numRuns: 60 },
    );
  });

  it('gives the verdict of the plain search on the small models and every random one', () => {
    for (const [def, broken] of [
      [() => racyCounter(3), 'no-lost-update'],
      [() => lockedCounter(3), null],
      [abba, 'deadlock'],
    ] as const) {
      expect(explore(new Machine(def()), new ReducedDfs()).violation?.invariant ?? null).toBe(broken);
    }
    for (const def of [handshake, () => interrupts(2), switching, lockAndAwait]) {
      const plain = explore(new Machine(def()), new DfsStrategy());
      const r = explore(new Machine(def()), new ReducedDfs());
      expect(r.verdict).toBe(plain.verdict);
      expect(r.violation?.invariant ?? null).toBe(plain.violation?.invariant ?? null);
    }
    fc.assert(
      fc.property(modelSpec, (spec) => {
        const full = explore(new Machine(buildSpec(spec)), new DfsStrategy());
        const r = explore(new Machine(buildSpec(spec)), new ReducedDfs());
        expect(r.verdict).toBe(full.verdict);
        expect(r.violation?.invariant ?? null).toBe(full.violation?.invariant ?? null);
      }),
      { seed: 11, numRuns: 120 },
    );
  });

  it('takes the steps of a critical section as one block: far fewer states than the plain search', () => {
    const plain = explore(new Machine(lockedCounter(4, false)), new DfsStrategy());
    const reduced = explore(new Machine(lockedCounter(4, false)), new ReducedDfs());
    expect(reduced.verdict).toBe('holds');
    expect(reduced.states as number).toBeLessThan((plain.states as number) / 4);
  });

  it('a step whose code writes a watched ghost cell is visible: every order is explored there', () => {
    // CPU0: two annotations, the first sets a ghost flag, the second clears it;
    // CPU1 stores x = 1. The invariant watches both: flag set while x = 1 is bad.
    // Taking CPU0's local steps as a block would never show the flag and x = 1 together.
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
    expect(explore(new Machine(def()), new ReducedDfs()).violation?.invariant).toBe('flag-vs-x');
  });

  it('two tasks writing one ghost cell that only the end check reads: both orders are explored', () => {
    // Each CPU notes itself as "last" in a ghost cell after an otherwise independent store;
    // the end check fails only when CPU1 wrote last.
    const def = (): ModelDef => {
      let last = 0;
      return model(
        2,
        (b) => {
          last = b.layout.ghost('last', 0);
          const own = [b.layout.cell('a'), b.layout.cell('b')];
          return [0, 1].map(
            (i) =>
              function* (ctx): Program<void> {
                yield store(own[i] as number, 1, R);
                ctx.ghost.set(last, i + 1);
              },
          );
        },
        (b) => b.atEnd({ name: 'cpu0-last', check: (w) => (w.mem[last] === 2 ? 'CPU1 came last' : null) }),
      );
    };
    expect(explore(new Machine(def()), new DfsStrategy()).violation?.invariant).toBe('cpu0-last');
    expect(explore(new Machine(def()), new ReducedDfs()).violation?.invariant).toBe('cpu0-last');
  });

  it('an access outside the lock, seen late, undoes the blocks that assumed the lock protects the cell', () => {
    const def = lateUnlockedRead;
    expect(explore(new Machine(def()), new DfsStrategy()).violation?.invariant).toBe('no-transient');
    const reduced = new ReducedDfs();
    expect(explore(new Machine(def()), reduced).violation?.invariant).toBe('no-transient');
  });

  it('every small built-in scenario row gets its expected verdict', () => {
    for (const s of SCENARIOS.filter((x) => x.name.startsWith('demo/'))) {
      for (const [variant, v] of Object.entries(s.variants)) {
        for (const e of v.expect) {
          const r = explore(new Machine(s.build({ variant, cpus: e.cpus }), { invariants: e.only ?? null }), new ReducedDfs());
          expect(`${s.name} ${variant} ${e.cpus}: ${r.verdict}`).toBe(`${s.name} ${variant} ${e.cpus}: ${e.verdict}`);
        }
      }
    }
  });
});
