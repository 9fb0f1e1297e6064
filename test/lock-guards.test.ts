import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  load,
  type Program,
  readLock,
  readUnlock,
  rmw,
  spinLock,
  spinUnlock,
  store,
  writeLock,
  writeUnlock,
} from '../src/cpu/ops.ts';
import { AutoStrategy } from '../src/explorer/auto.ts';
import { explore } from '../src/explorer/explore.ts';
import { ReducedDfs } from '../src/explorer/reduced-dfs.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import { memoryModel } from '../src/model/memory-model.ts';
import type { LockGuard, ModelDef } from '../src/model/types.ts';
import { model, runFirst, runSchedule } from './helpers.ts';

const R = 'test guards';

/** One task on CPU0 running `body` over cell x and lock l (spin or rw), with x guarded by l as `access` says. */
function one(
  kind: 'spin' | 'rw',
  access: LockGuard['access'],
  body: (x: number, l: number) => Program<void>,
  invariant?: string,
): ModelDef {
  return model(1, (b) => {
    const x = b.layout.cell('x');
    const l = kind === 'spin' ? b.layout.spinlock('l') : b.layout.rwlock('l');
    b.guardedBy({ cells: [x], lock: l, access, source: 'test: x is l-protected', ...(invariant ? { invariant } : {}) });
    return [() => body(x, l)];
  });
}

const violationOf = (def: ModelDef, opts: ConstructorParameters<typeof Machine>[1] = {}) =>
  runFirst(new Machine(def, opts)).violation;

describe('lock guards: the engine checks each access of a guarded cell', () => {
  it('a write under the lock passes; a write without it fails lock-discipline naming the cell, lock, task, CPU, rule and step', () => {
    const good = one('spin', 'write', function* (x, l) {
      yield spinLock(l, R);
      yield store(x, 1, R);
      yield rmw(x, (v) => v + 1, R);
      yield spinUnlock(l, R);
    });
    expect(violationOf(good)).toBeNull();
    const bad = one('spin', 'write', function* (x, l) {
      yield spinLock(l, R);
      yield spinUnlock(l, R);
      yield store(x, 1, 'test guards: the store after the unlock');
    });
    const v = violationOf(bad);
    expect(v?.invariant).toBe('lock-discipline');
    expect(v?.message).toBe(
      't0 on CPU0 writes x without l held (it does not hold it) at test guards: the store after the unlock; the rule: test: x is l-protected',
    );
    // a read-modify-write is a write
    const badRmw = one('spin', 'write', function* (x) {
      yield rmw(x, (v) => v + 1, R);
    });
    expect(violationOf(badRmw)?.message).toMatch(/^t0 on CPU0 writes x without l held/);
  });

  it("a 'write' rule lets a read go without the lock; a 'read-write' rule does not", () => {
    const read = function* (x: number): Program<void> {
      yield load(x, R);
    };
    expect(violationOf(one('spin', 'write', read))).toBeNull();
    expect(violationOf(one('spin', 'read-write', read))?.message).toMatch(/^t0 on CPU0 reads x without l held/);
    const locked = function* (x: number, l: number): Program<void> {
      yield spinLock(l, R);
      yield load(x, R);
      yield spinUnlock(l, R);
    };
    expect(violationOf(one('spin', 'read-write', locked))).toBeNull();
  });

  it('under an rwlock a write needs it write-held: read-held fails, and a read passes read-held', () => {
    const writeUnderRead = one('rw', 'read-write', function* (x, l) {
      yield readLock(l, R);
      yield load(x, R);
      yield store(x, 1, R);
      yield readUnlock(l, R);
    });
    expect(violationOf(writeUnderRead)?.message).toMatch(/^t0 on CPU0 writes x without l write-held \(it holds it 1 reader\)/);
    const writeUnderWrite = one('rw', 'read-write', function* (x, l) {
      yield writeLock(l, R);
      yield load(x, R);
      yield store(x, 1, R);
      yield writeUnlock(l, R);
    });
    expect(violationOf(writeUnderWrite)).toBeNull();
  });

  it('a guard may fail an invariant of its own name, and is not checked when that invariant is not asked for', () => {
    const def = one(
      'spin',
      'write',
      function* (x) {
        yield store(x, 1, R);
      },
      'x-guarded',
    );
    expect(violationOf(def)?.invariant).toBe('x-guarded');
    expect(violationOf(def, { invariants: ['lock-discipline'] })).toBeNull();
    expect(violationOf(def, { invariants: ['x-guarded'] })?.invariant).toBe('x-guarded');
  });

  it('an interrupt handler on a CPU whose interrupted task holds the lock passes; on another CPU it fails', () => {
    const withIrq = (cpu: number) =>
      model(
        2,
        (b) => {
          const x = b.layout.cell('x');
          const l = b.layout.spinlock('l');
          b.guardedBy({ cells: [x], lock: l, access: 'write', source: 'test: x is l-protected' });
          return [
            function* () {
              yield spinLock(l, R);
              yield store(x, 1, R);
              yield spinUnlock(l, R);
            },
            function* () {
              yield load(x, R);
            },
          ];
        },
        (b) => {
          const x = b.layout.addr('x');
          b.irq({
            name: 'irq',
            cpu,
            budget: 1,
            reads: [],
            enabled: () => true,
            handler: function* () {
              yield store(x, 2, 'test guards: the handler');
            },
          });
        },
      );
    // CPU0 takes l, then the interrupt comes on CPU0 (choice 2 = the source): its store passes
    const m0 = runSchedule(new Machine(withIrq(0)), [0, 2, 0]);
    expect(m0.violation).toBeNull();
    // the same interrupt on CPU1, whose task holds nothing
    const m1 = runSchedule(new Machine(withIrq(1)), [0, 2, 1]);
    expect(m1.violation?.message).toBe(
      "an interrupt handler on t1's stack on CPU1 writes x without l held (it does not hold it) at test guards: the handler; the rule: test: x is l-protected",
    );
  });

  it('under x86-TSO the rule is checked where the code stores, not when the buffer drains', () => {
    const tso = memoryModel('tso');
    // the store is made under the lock; the unlock (a release store) and the store drain after it: fine
    const inside = one('spin', 'write', function* (x, l) {
      yield spinLock(l, R);
      yield store(x, 1, R);
      yield spinUnlock(l, R);
    });
    const m = new Machine(inside, { memoryModel: tso });
    const all = explore(m, new ReducedDfs());
    expect(all.verdict).toBe('holds');
    // a store after the unlock fails at its own step, while the buffer still holds it
    const after = one('spin', 'write', function* (x, l) {
      yield spinLock(l, R);
      yield spinUnlock(l, R);
      yield store(x, 1, R);
    });
    const t = new Machine(after, { memoryModel: tso });
    runSchedule(t, [0, 0]);
    expect(t.violation).toBeNull();
    t.step(0);
    expect(t.violation?.message).toMatch(/^t0 on CPU0 writes x without l held/);
    expect(t.storeBuffer(0).length).toBeGreaterThan(0);
  });

  it('refuses a rule on a cell that is not a lock, a lock as a guarded cell, and a rule without a source', () => {
    const b = new ModelBuilder(1);
    const x = b.layout.cell('x');
    const l = b.layout.spinlock('l');
    expect(() => b.guardedBy({ cells: [x], lock: x, access: 'write', source: 's' })).toThrow(/x is not a lock/);
    expect(() => b.guardedBy({ cells: [l], lock: l, access: 'write', source: 's' })).toThrow(/l is a lock/);
    expect(() => b.guardedBy({ cells: [x], lock: l, access: 'write', source: ' ' })).toThrow(/no source/);
  });
});

/**
 * Random models where every access of the guarded cells is made under
 * their lock (spin, read or write as the access needs): the guarded search
 * holds, and explores exactly the executions and states of the same search
 * with no guard declared — the check adds no dependence.
 */
describe('lock guards add no dependence', () => {
  const opSpec = fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }), {
    minLength: 2,
    maxLength: 3,
  });

  function build(spec: number[][], guarded: boolean): ModelDef {
    return model(spec.length, (b) => {
      const a = b.layout.cell('a');
      const c = b.layout.cell('c');
      const s = b.layout.spinlock('s');
      const rw = b.layout.rwlock('rw');
      const x = b.layout.cell('x');
      if (guarded) {
        b.guardedBy({ cells: [a], lock: s, access: 'read-write', source: 'test: a under s' });
        b.guardedBy({ cells: [c], lock: rw, access: 'read-write', source: 'test: c under rw' });
      }
      return spec.map(
        (ops, i) =>
          function* (): Program<void> {
            for (const k of ops) {
              if (k === 0) {
                yield spinLock(s, R);
                const v: number = yield load(a, R);
                yield store(a, v + 1, R);
                yield spinUnlock(s, R);
              } else if (k === 1) {
                yield readLock(rw, R);
                yield load(c, R);
                yield readUnlock(rw, R);
              } else if (k === 2) {
                yield writeLock(rw, R);
                yield rmw(c, (v) => v + i + 1, R);
                yield writeUnlock(rw, R);
              } else if (k === 3) {
                yield spinLock(s, R);
                yield writeLock(rw, R);
                yield store(c, 5, R);
                yield store(a, 7, R);
                yield writeUnlock(rw, R);
                yield spinUnlock(s, R);
              } else {
                yield load(x, R);
              }
            }
          },
      );
    });
  }

  it('the same executions and states with and without guards, under SC and x86-TSO', () => {
    fc.assert(
      fc.property(opSpec, fc.boolean(), (spec, tso) => {
        const mm = tso ? { memoryModel: memoryModel('tso', 2) } : {};
        const g = explore(new Machine(build(spec, true), mm), new AutoStrategy());
        const n = explore(new Machine(build(spec, false), mm), new AutoStrategy());
        expect(g.verdict).toBe('holds');
        expect([g.executions, g.states]).toEqual([n.executions, n.states]);
      }),
      { numRuns: 40, seed: 1316 },
    );
  });
});
