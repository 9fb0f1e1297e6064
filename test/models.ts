import { load, nop, store } from '../src/cpu/ops.ts';
import type { Machine } from '../src/model/machine.ts';
import { model } from './helpers.ts';

const R = 'test';

/**
 * t0: pad0 nops, then x = 1. t1: pad1 nops, two loads of x into r1 and r2.
 * The reads differ only when t0's store falls between them: t1 must be
 * preempted after its first load (1 preemption) — unless t0 is preempted
 * before its store and t1 before its second load (2 preemptions).
 */
export function tornRead(pad0: number, pad1: number) {
  return model(
    2,
    (b) => {
      const x = b.layout.cell('x');
      const r1 = b.layout.cell('r1');
      const r2 = b.layout.cell('r2');
      return [
        function* () {
          for (let i = 0; i < pad0; i++) yield nop(R);
          yield store(x, 1, R);
        },
        function* () {
          for (let i = 0; i < pad1; i++) yield nop(R);
          const a: number = yield load(x, R);
          yield store(r1, a, R);
          const c: number = yield load(x, R);
          yield store(r2, c, R);
        },
      ];
    },
    (b) =>
      b.atEnd({
        name: 'reads-agree',
        check: (w) => (w.mem[w.layout.addr('r1')] !== w.mem[w.layout.addr('r2')] ? 'the two reads of x differ' : null),
      }),
  );
}

/** Counts the preemptions of a schedule the way the trace recorder does. */
export function preemptionsOf(m: Machine, schedule: readonly number[]): number {
  m.reset();
  let n = 0;
  let last = -1;
  for (const c of schedule) {
    if (last >= 0 && c !== last && m.isEnabled(last)) n++;
    m.step(c);
    last = c;
  }
  return n;
}

/** n CPUs, each doing k independent stores to its own cell: (n·k)! / (k!)^n interleavings. */
export function independent(n: number, k: number) {
  return model(n, (b) =>
    Array.from({ length: n }, (_, i) => {
      const c = b.layout.cell(`c${i}`);
      return function* () {
        for (let j = 0; j < k; j++) yield store(c, j + 1, R);
      };
    }),
  );
}
