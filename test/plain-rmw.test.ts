/**
 * A plain C read-modify-write (`x++`, `flags |= m`: plainRmw) is a load and
 * a store, two steps: another CPU's update can fall between them, and under
 * x86-TSO its store waits in the buffer; a locked one (`rmw`: atomic_inc,
 * set_bit) is one step that drains the buffer first.
 */
import { describe, expect, it } from 'vitest';
import { type Program, rmw, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { plainRmw } from '../src/kernel/common/plain-rmw.ts';
import { Machine } from '../src/model/machine.ts';
import { memoryModel } from '../src/model/memory-model.ts';
import type { ModelDef } from '../src/model/types.ts';
import { model } from './helpers.ts';

const R = 'test plain-rmw';

function twoIncrements(plain: boolean): ModelDef {
  return model(2, (b) => {
    const x = b.layout.cell('x');
    return [0, 1].map(
      () =>
        function* (): Program<void> {
          if (plain) yield* plainRmw(x, (v) => v + 1, R, 'x++');
          else yield rmw(x, (v) => v + 1, R, 'atomic_inc(&x)');
        },
    );
  });
}

/** Every value x ends with, over every interleaving. */
function ends(def: () => ModelDef, mm = memoryModel('sc')): number[] {
  const seen = new Set<number>();
  const inner = new DfsStrategy({ cache: false });
  const buf: number[] = [];
  explore(new Machine(def(), { memoryModel: mm }), {
    name: inner.name,
    exhaustive: true,
    beginExecution: () => inner.beginExecution(),
    choose: (e, d, m) => inner.choose(e, d, m),
    afterStep: (c, d, m) => inner.afterStep(c, d, m),
    endExecution(m) {
      if (m.enabled(buf) === 0) seen.add(m.mem[m.layout.addr('x')] as number);
      inner.endExecution(m);
    },
  });
  return [...seen].sort();
}

describe('plain and locked read-modify-writes', () => {
  it('two plain x++ can lose an update (a load and a store each); two atomic_inc cannot', () => {
    for (const mm of [memoryModel('sc'), memoryModel('tso')]) {
      expect(ends(() => twoIncrements(true), mm)).toEqual([1, 2]);
      expect(ends(() => twoIncrements(false), mm)).toEqual([2]);
    }
  });

  it('under x86-TSO the plain store is buffered and does not wait for the buffer; the locked one drains it first', () => {
    const def = (plain: boolean) =>
      model(1, (b) => {
        const x = b.layout.cell('x');
        const y = b.layout.cell('y');
        return [
          function* (): Program<void> {
            yield store(y, 1, R);
            if (plain) yield* plainRmw(x, (v) => v | 4, R, 'flags |= 4');
            else yield rmw(x, (v) => v | 4, R, 'set_bit(2, &flags)');
          },
        ];
      });
    const plain = new Machine(def(true), { memoryModel: memoryModel('tso') });
    const x = plain.layout.addr('x');
    plain.step(0); // y = 1, buffered
    expect(plain.isEnabled(0)).toBe(true); // the load does not wait
    plain.step(0);
    plain.step(0); // the store of x |= 4, buffered behind y
    expect(plain.mem[x]).toBe(0);
    expect(plain.storeBuffer(0).length).toBe(8);
    const locked = new Machine(def(false), { memoryModel: memoryModel('tso') });
    locked.step(0);
    expect(locked.isEnabled(0)).toBe(false); // the locked op waits for the drain of y
    locked.step(locked.drainBase);
    locked.step(0);
    expect(locked.mem[x]).toBe(4);
  });
});
