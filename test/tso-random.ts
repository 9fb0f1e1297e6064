/**
 * Random small programs for x86-TSO tests: two or three CPUs, each a few
 * stores, loads, locked read-modify-writes, awaits, barriers and locked
 * sections over two cells; every load's value lands in a ghost register, so
 * end states differ by what each load read.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { awaitCond, BARRIER, fence, load, type Program, rmw, spinLock, spinUnlock, store } from '../src/cpu/ops.ts';
import type { Strategy } from '../src/explorer/strategy.ts';
import type { MemoryModel } from '../src/model/memory-model.ts';
import type { ModelDef } from '../src/model/types.ts';
import { model, searchEnds } from './helpers.ts';

const R = 'test tso';

/** One step of a random TSO program. */
export type Step = { k: 'store' | 'load' | 'rmw' | 'await' | 'locked'; cell: number } | { k: 'mb' | 'wmb' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ k: fc.constantFrom('store', 'load', 'rmw', 'await', 'locked'), cell: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ k: fc.constantFrom('mb', 'wmb') }),
) as fc.Arbitrary<Step>;

export const programsArb = fc.array(fc.array(stepArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 });

/** Random programs over two cells and a lock; every load's value lands in a ghost register, so ends differ by what was read. */
export function randomModel(programs: readonly (readonly Step[])[]): ModelDef {
  return model(programs.length, (b) => {
    const cells = [b.layout.cell('x0'), b.layout.cell('x1')];
    const l = b.layout.spinlock('l');
    return programs.map((steps, cpu) => {
      const regs = steps.map((_, i) => b.layout.ghost(`r${cpu}.${i}`, 9));
      return function* (ctx): Program<void> {
        for (let i = 0; i < steps.length; i++) {
          const s = steps[i] as Step;
          const reg = regs[i] as number;
          if (s.k === 'mb') yield fence(R);
          else if (s.k === 'wmb') yield fence(R, 'smp_wmb()', BARRIER.WMB);
          else {
            const c = cells[(s as { cell: number }).cell] as number;
            if (s.k === 'store') yield store(c, cpu + 1, R);
            else if (s.k === 'load') ctx.ghost.set(reg, yield load(c, R));
            else if (s.k === 'rmw') ctx.ghost.set(reg, yield rmw(c, (v) => v + 1, R));
            else if (s.k === 'await') yield awaitCond([c], (m) => (m[c] as number) !== 0, R);
            else {
              yield spinLock(l, R);
              const v: number = yield load(c, R);
              yield store(c, v + 2, R);
              yield spinUnlock(l, R);
              ctx.ghost.set(reg, v);
            }
          }
        }
      };
    });
  });
}

/** Every end state (memory, registers included, and which tasks finished) a search reaches. */
export function ends(def: ModelDef, s: Strategy, mm: MemoryModel): string[] {
  const r = searchEnds(def, s, { memoryModel: mm });
  expect(r.verdict).toBe('holds');
  return [...r.ends].sort();
}
