/**
 * Small models for partial-order reduction tests: each exercises one kind of
 * dependence (memory, locks, blocking waits, interrupts, context switches).
 */
import {
  awaitCond,
  irqRestore,
  irqSave,
  load,
  nop,
  type Program,
  rmw,
  spinLock,
  spinUnlock,
  store,
  switchTo,
} from '../src/cpu/ops.ts';
import type { ModelDef } from '../src/model/types.ts';
import { model } from './helpers.ts';

const R = 'test por';

/** n CPUs storing k times to their own cells: one trace. */
export function independentStores(n: number, k: number): ModelDef {
  return model(n, (b) =>
    Array.from({ length: n }, (_, i) => {
      const c = b.layout.cell(`c${i}`);
      return function* () {
        for (let j = 0; j < k; j++) yield store(c, j + 1, R);
      };
    }),
  );
}

/** n CPUs each load a shared counter and store it back plus one: the lost update. */
export function racyCounter(n: number): ModelDef {
  return model(
    n,
    (b) => {
      const x = b.layout.cell('x');
      return Array.from(
        { length: n },
        () =>
          function* (): Program<void> {
            const v: number = yield load(x, R);
            yield store(x, v + 1, R);
          },
      );
    },
    (b) =>
      b.atEnd({
        name: 'no-lost-update',
        check: (w) => (w.mem[w.layout.addr('x')] !== n ? `x = ${w.mem[w.layout.addr('x')]}, not ${n}` : null),
      }),
  );
}

/** The same counter with the load and store under a spinlock, with (`own`) an unrelated store before and after it. */
export function lockedCounter(n: number, withOwn = true): ModelDef {
  return model(
    n,
    (b) => {
      const x = b.layout.cell('x');
      const l = b.layout.spinlock('l');
      return Array.from({ length: n }, (_, i) => {
        const mine = b.layout.cell(`own${i}`);
        return function* (): Program<void> {
          if (withOwn) yield store(mine, 1, R);
          yield spinLock(l, R);
          const v: number = yield load(x, R);
          yield store(x, v + 1, R);
          yield spinUnlock(l, R);
          if (withOwn) yield store(mine, 2, R);
        };
      });
    },
    (b) =>
      b.atEnd({
        name: 'no-lost-update',
        check: (w) => (w.mem[w.layout.addr('x')] !== n ? `x = ${w.mem[w.layout.addr('x')]}, not ${n}` : null),
      }),
  );
}

/** Locks A and B taken in opposite orders: can deadlock. */
export function abba(): ModelDef {
  return model(2, (b) => {
    const A = b.layout.spinlock('A');
    const B = b.layout.spinlock('B');
    const path = (x: number, y: number) =>
      function* (): Program<void> {
        yield spinLock(x, R);
        yield spinLock(y, R);
        yield spinUnlock(y, R);
        yield spinUnlock(x, R);
      };
    return [path(A, B), path(B, A)];
  });
}

/** A waiter awaits a flag that a setter stores after some work of its own; a third CPU reads the data. */
export function handshake(): ModelDef {
  return model(3, (b) => {
    const flag = b.layout.cell('flag');
    const data = b.layout.cell('data');
    return [
      function* (): Program<void> {
        yield store(data, 1, R);
        yield store(flag, 1, R);
        yield store(data, 2, R);
      },
      function* (): Program<void> {
        yield awaitCond([flag], (m) => m[flag] === 1, R);
        yield load(data, R);
      },
      function* (): Program<void> {
        yield load(data, R);
        yield store(flag, 0, R);
      },
    ];
  });
}

/**
 * CPU0 updates a counter with irqs off around part of its work; an interrupt
 * source on CPU0 (budget 2) bumps the counter too, and is armed only while a
 * CPU1 flag is set.
 */
export function interrupts(budget = 2): ModelDef {
  return model(
    2,
    (b) => {
      const x = b.layout.cell('x');
      const armed = b.layout.cell('armed', 1);
      return [
        function* (): Program<void> {
          const v: number = yield load(x, R);
          const f: number = yield irqSave(R);
          yield store(x, v + 1, R);
          yield irqRestore(f, R);
          yield rmw(x, (o) => o + 10, R);
        },
        function* (): Program<void> {
          yield store(armed, 0, R);
          yield load(x, R);
        },
      ];
    },
    (b) => {
      const x = b.layout.addr('x');
      const armed = b.layout.addr('armed');
      b.irq({
        name: 'tick',
        cpu: 0,
        budget,
        reads: [armed],
        enabled: (m) => m[armed] === 1,
        handler: function* () {
          yield rmw(x, (o) => o + 100, R);
        },
      });
    },
  );
}

/**
 * More tasks than CPUs: on CPU0, t0 hands the CPU to t2 (which starts
 * parked) and t2 hands it back; CPU1 runs t1, which shares a cell with both.
 */
export function switching(): ModelDef {
  return model(2, (b) => {
    const x = b.layout.cell('x');
    const y = b.layout.cell('y');
    return [
      function* (): Program<void> {
        yield store(x, 1, R);
        yield switchTo(2, R);
        yield load(y, R);
      },
      function* (): Program<void> {
        yield load(x, R);
        yield store(y, 1, R);
      },
      function* (): Program<void> {
        yield store(y, 2, R);
        yield switchTo(0, R);
      },
    ];
  });
}

/** A lock with a contended await: CPU1 waits for CPU0 to drop a flag it raised under the lock. */
export function lockAndAwait(): ModelDef {
  return model(3, (b) => {
    const l = b.layout.spinlock('l');
    const busy = b.layout.cell('busy');
    const x = b.layout.cell('x');
    return [
      function* (): Program<void> {
        yield spinLock(l, R);
        yield store(busy, 1, R);
        yield store(x, 1, R);
        yield store(busy, 0, R);
        yield spinUnlock(l, R);
      },
      function* (): Program<void> {
        yield awaitCond([busy], (m) => m[busy] === 0, R);
        yield spinLock(l, R);
        yield load(x, R);
        yield spinUnlock(l, R);
      },
      function* (): Program<void> {
        yield spinLock(l, R);
        yield store(x, 2, R);
        yield spinUnlock(l, R);
      },
    ];
  });
}

/**
 * CPU0 updates x under the lock in two steps (x = 1, then x = 2). CPU1 first
 * takes and drops the lock (so a search sees x accessed only under it), then
 * reads x with no lock and keeps what it read: it can see the transient 1
 * only if the search interleaves inside CPU0's critical section (under
 * x86-TSO: between the drains of its two stores).
 */
export function lateUnlockedRead(): ModelDef {
  let seen = 0;
  return model(
    2,
    (b) => {
      const x = b.layout.cell('x');
      seen = b.layout.cell('seen');
      const l = b.layout.spinlock('l');
      return [
        function* (): Program<void> {
          yield spinLock(l, R);
          yield store(x, 1, R);
          yield store(x, 2, R);
          yield spinUnlock(l, R);
        },
        function* (): Program<void> {
          yield spinLock(l, R);
          yield spinUnlock(l, R);
          const v: number = yield load(x, R);
          yield store(seen, v, R);
        },
      ];
    },
    (b) => b.atEnd({ name: 'no-transient', check: (w) => (w.mem[seen] === 1 ? 'CPU1 saw the transient x = 1' : null) }),
  );
}

/**
 * x86-TSO: CPU0 writes x under the lock, unlocks, then reads x with no
 * lock and keeps what it read; CPU1 writes x under the lock. Every write of
 * x holds the lock, and when CPU0 reads, its release of the lock may still
 * sit in its store buffer, so no other CPU can take the lock yet. The read
 * still races: CPU0's buffer can drain first (a choice of its own), and then
 * CPU1 can take the lock and write x = 2 before the read. A search that took
 * the read alone while the release is buffered would never see 2.
 */
export function readAfterOwnBufferedUnlock(): ModelDef {
  let seen = 0;
  return model(
    2,
    (b) => {
      const x = b.layout.cell('x');
      seen = b.layout.cell('seen');
      const l = b.layout.spinlock('l');
      return [
        function* (): Program<void> {
          yield spinLock(l, R);
          yield store(x, 1, R);
          yield spinUnlock(l, R);
          const v: number = yield load(x, R);
          yield store(seen, v, R);
        },
        function* (): Program<void> {
          yield spinLock(l, R);
          yield store(x, 2, R);
          yield spinUnlock(l, R);
        },
      ];
    },
    (b) =>
      b.atEnd({ name: 'no-overwrite', check: (w) => (w.mem[seen] === 2 ? "CPU0 read CPU1's x = 2 after its own unlock" : null) }),
  );
}

/**
 * Programs of annotations (0-1), unprotected stores (2-3) and loads (4-5),
 * and critical sections under one spinlock: a load and a store of the
 * loaded value plus two (6-7), or stores to both cells (8-9); over two
 * cells (the step's number mod 2). Under x86-TSO what a section's stores
 * leave in memory depends on when each drains.
 */
export function sections(programs: readonly (readonly number[])[]): ModelDef {
  return model(programs.length, (b) => {
    const x = [b.layout.cell('x0'), b.layout.cell('x1')];
    const l = b.layout.spinlock('l');
    return programs.map(
      (steps, cpu) =>
        function* (): Program<void> {
          for (const s of steps) {
            const c = x[s % 2] as number;
            const d = x[(s + 1) % 2] as number;
            if (s < 2) yield nop(R, 'local');
            else if (s < 4) yield store(c, cpu + 1, R);
            else if (s < 6) yield load(c, R);
            else if (s < 8) {
              yield spinLock(l, R);
              const v: number = yield load(c, R);
              yield store(c, v + 2, R);
              yield spinUnlock(l, R);
            } else {
              yield spinLock(l, R);
              yield store(c, 10 + cpu, R);
              yield store(d, 20 + cpu, R);
              yield spinUnlock(l, R);
            }
          }
        },
    );
  });
}

export const POR_MODELS: readonly [string, () => ModelDef][] = [
  ['independent stores 2x2', () => independentStores(2, 2)],
  ['independent stores 3x2', () => independentStores(3, 2)],
  ['racy counter x2', () => racyCounter(2)],
  ['racy counter x3', () => racyCounter(3)],
  ['locked counter x2', () => lockedCounter(2)],
  ['locked counter x3', () => lockedCounter(3, false)],
  ['ABBA deadlock', abba],
  ['await handshake', handshake],
  ['interrupt with budget 1', () => interrupts(1)],
  ['interrupt with budget 2', () => interrupts(2)],
  ['switch_to with more tasks than CPUs', switching],
  ['lock and await', lockAndAwait],
];
