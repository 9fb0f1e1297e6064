/**
 * Random small models for checking partial-order reduction against the
 * ground truth: a few CPUs, each running a short list of steps over two
 * shared cells, a spinlock and an rwlock, optionally an interrupt source on
 * CPU0 (whose handler may take the spinlock).
 */
import fc from 'fast-check';
import {
  awaitCond,
  irqRestore,
  irqSave,
  load,
  type Program,
  readLock,
  readUnlock,
  rmw,
  spinLock,
  spinTrylock,
  spinUnlock,
  store,
  writeLock,
  writeUnlock,
} from '../src/cpu/ops.ts';
import type { ModelDef } from '../src/model/types.ts';
import { model } from './helpers.ts';

const R = 'test por-random';

export type StepSpec =
  | { k: 'load' | 'store' | 'rmw' | 'await' | 'await-either'; cell: number }
  | { k: 'locked' | 'read-locked' | 'write-locked' | 'trylock'; cell: number }
  | { k: 'irqoff'; cell: number };

export interface ModelSpec {
  readonly programs: readonly (readonly StepSpec[])[];
  /** interrupt on CPU0 with budget 1 that adds to this cell, or null */
  readonly irqCell: number | null;
  /** the handler takes the lock around its update (it may spin on a lock its CPU holds) */
  readonly irqLocked?: boolean;
  /** the interrupt is armed only while x1 is 0 */
  readonly irqArmed?: boolean;
}

const step: fc.Arbitrary<StepSpec> = fc.record({
  k: fc.constantFrom(
    'load',
    'store',
    'rmw',
    'await',
    'await-either',
    'locked',
    'read-locked',
    'write-locked',
    'trylock',
    'irqoff',
  ),
  cell: fc.integer({ min: 0, max: 1 }),
}) as fc.Arbitrary<StepSpec>;

export const modelSpec: fc.Arbitrary<ModelSpec> = fc.record({
  programs: fc.array(fc.array(step, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 }),
  irqCell: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }),
  irqLocked: fc.boolean(),
  irqArmed: fc.boolean(),
});

export function buildSpec(spec: ModelSpec): ModelDef {
  return model(
    spec.programs.length,
    (b) => {
      const cells = [b.layout.cell('x0'), b.layout.cell('x1')];
      const l = b.layout.spinlock('l');
      const rw = b.layout.rwlock('rw');
      return spec.programs.map(
        (steps, cpu) =>
          function* (): Program<void> {
            for (const s of steps) {
              const c = cells[s.cell] as number;
              switch (s.k) {
                case 'load':
                  yield load(c, R);
                  break;
                case 'store':
                  yield store(c, cpu + 1, R);
                  break;
                case 'rmw':
                  yield rmw(c, (v) => v + 1, R);
                  break;
                case 'await':
                  yield awaitCond([c], (m) => (m[c] as number) !== 0, R);
                  break;
                case 'await-either': {
                  const [a, d] = cells as [number, number];
                  yield awaitCond([a, d], (m) => (m[a] as number) + (m[d] as number) >= 2, R);
                  break;
                }
                case 'locked': {
                  yield spinLock(l, R);
                  const v: number = yield load(c, R);
                  yield store(c, v + 2, R);
                  yield spinUnlock(l, R);
                  break;
                }
                case 'read-locked':
                  yield readLock(rw, R);
                  yield load(c, R);
                  yield readUnlock(rw, R);
                  break;
                case 'write-locked':
                  yield writeLock(rw, R);
                  yield store(c, 3, R);
                  yield writeUnlock(rw, R);
                  break;
                case 'trylock': {
                  const got: number = yield spinTrylock(l, R);
                  if (got) {
                    yield store(c, 4, R);
                    yield spinUnlock(l, R);
                  }
                  break;
                }
                case 'irqoff': {
                  const f: number = yield irqSave(R);
                  yield store(c, 5, R);
                  yield irqRestore(f, R);
                  break;
                }
              }
            }
          },
      );
    },
    (b) => {
      if (spec.irqCell === null) return;
      const c = b.layout.addr(`x${spec.irqCell}`);
      const x1 = b.layout.addr('x1');
      const l = b.layout.addr('l');
      b.irq({
        name: 'irq',
        cpu: 0,
        budget: 1,
        reads: spec.irqArmed ? [x1] : [],
        enabled: spec.irqArmed ? (m) => m[x1] === 0 : () => true,
        handler: function* () {
          if (spec.irqLocked) yield spinLock(l, R);
          yield rmw(c, (v) => v + 7, R);
          if (spec.irqLocked) yield spinUnlock(l, R);
        },
      });
    },
  );
}
