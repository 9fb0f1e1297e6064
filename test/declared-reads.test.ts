import { describe, expect, it } from 'vitest';
import { type Op, store } from '../src/cpu/ops.ts';
import { explore } from '../src/explorer/explore.ts';
import { makeMachine } from '../src/explorer/make-machine.ts';
import { RandomStrategy } from '../src/explorer/random.ts';
import { ReducedDfs } from '../src/explorer/reduced-dfs.ts';
import { Machine } from '../src/model/machine.ts';
import { statedMemoryModel } from '../src/model/memory-model.ts';
import type { SafetyInvariant } from '../src/model/types.ts';
import { loadBuiltins } from '../src/scenarios/registry.ts';
import { model } from './helpers.ts';

const R = 'test declared reads';

/**
 * An invariant that declares the cells it reads is checked on memory
 * directly, and the search takes the declared cells as read. A declaration
 * that leaves a cell out would let the reduction move a write past the
 * check: these tests run every model of the table with the declarations
 * enforced, and show that a short declaration is caught.
 */
describe('declared invariant reads', () => {
  it('every check of every table model reads only the cells it declares', async () => {
    const seen = new Set<string>();
    let models = 0;
    for (const s of await loadBuiltins()) {
      for (const [variant, def] of Object.entries(s.variants)) {
        for (const e of def.expect) {
          const key = JSON.stringify([s.name, variant, e.cpus, e.irq ?? null, e.memoryModel ?? null]);
          if (seen.has(key)) continue;
          seen.add(key);
          const m = makeMachine(s, {
            variant,
            cpus: e.cpus,
            invariants: null,
            maxSteps: 20_000,
            memoryModel: statedMemoryModel(s, e),
            ...(e.irq ? { irq: e.irq } : {}),
          });
          m.verifyDeclaredReads();
          // seeded random walks reach the checks along many paths; a read outside a declaration throws
          expect(() => explore(m, new RandomStrategy(models + 1, 25), {}), `${key}`).not.toThrow();
          models++;
        }
      }
    }
    expect(models).toBeGreaterThan(100);
  }, 300_000);

  it('a check that reads a cell it does not declare is refused, naming the invariant and the cell', () => {
    const m = xyMachine(
      (x, y) => [[store(x, 1, R)], [store(y, 1, R)]],
      (x, y) => ({ name: 'x-alone', watch: [x], reads: [x], check: (w) => (w.mem[x] === 1 && w.mem[y] === 1 ? 'both' : null) }),
    );
    m.verifyDeclaredReads();
    expect(() => explore(m, new ReducedDfs({ blocks: false }), {})).toThrow(
      "invariant 'x-alone' read y, which is not among the cells it declares in 'reads'",
    );
  });

  it('declared reads make a write the check reads visible to the reduction from the start', () => {
    // A's store to y is outside any lock; the check reads y only once x is set. Declared, the
    // search never takes the store alone; the verdict is the unreduced search's.
    const build = (declare: boolean) =>
      xyMachine(
        (x, y) => [[store(y, 1, R), store(y, 0, R)], [store(x, 1, R)]],
        (x, y) => ({
          name: 'y-while-x',
          watch: [x],
          ...(declare ? { reads: [x, y] } : {}),
          check: (w) => (w.mem[x] === 1 && w.mem[y] === 1 ? 'y is set while x is' : null),
        }),
      );
    for (const declare of [true, false]) {
      const reduced = explore(build(declare), new ReducedDfs(), {});
      const full = explore(build(declare), new ReducedDfs({ sleepSets: false }), {});
      expect(full.verdict).toBe('violated');
      expect(reduced.verdict).toBe('violated');
    }
  });
});

/** Two CPUs over cells x and y, each running its list of ops, with one safety invariant on them. */
function xyMachine(ops: (x: number, y: number) => Op[][], invariant: (x: number, y: number) => SafetyInvariant): Machine {
  let x = 0;
  let y = 0;
  const def = model(
    2,
    (b) => {
      x = b.layout.cell('x');
      y = b.layout.cell('y');
      // fresh ops in every execution, as a kernel path makes them
      return [0, 1].map(
        (cpu) =>
          function* () {
            for (const op of ops(x, y)[cpu] as Op[]) yield op;
          },
      );
    },
    (b) => b.invariant(invariant(x, y)),
  );
  return new Machine(def);
}
