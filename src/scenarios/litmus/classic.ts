/**
 * The classic litmus shapes, each with and without its barriers, and their
 * known answers under sequential consistency and x86-TSO (see shape.ts for
 * the sources). Cells x, y, z start at 0; `P0: …` is thread 0 on CPU0.
 */
import { type Litmus, litmusScenario, MB, R, RAcq, RMB, W, WMB, WRel, XCHG } from './shape.ts';

const sb = (name: string, p0: Litmus['threads'][number], p1: Litmus['threads'][number]): Litmus => ({
  name,
  threads: [p0, p1],
  exists: [
    { thread: 0, reg: 'r0', v: 0 },
    { thread: 1, reg: 'r0', v: 0 },
  ],
});

/** SB (store buffering, Dekker's core): each thread stores one cell and loads the other; both read 0? */
export const SB = litmusScenario({
  name: 'litmus/SB',
  summary: 'store buffering: P0: x = 1; r0 = y | P1: y = 1; r0 = x — can both loads read 0?',
  variants: {
    plain: {
      test: sb('SB', [W('x', 1), R('y', 'r0')], [W('y', 1), R('x', 'r0')]),
      answers: {
        summary: 'no barriers',
        sc: 'Never',
        tso: 'Sometimes',
        why: 'each store waits in its CPU’s buffer while the other CPU’s load reads memory',
      },
    },
    mbs: {
      test: sb('SB+mbs', [W('x', 1), MB, R('y', 'r0')], [W('y', 1), MB, R('x', 'r0')]),
      answers: {
        summary: 'smp_mb() between store and load on both',
        sc: 'Never',
        tso: 'Never',
        why: 'mfence drains the buffer before the load',
      },
    },
    'mb-one-side': {
      test: sb('SB+mb+po', [W('x', 1), MB, R('y', 'r0')], [W('y', 1), R('x', 'r0')]),
      answers: {
        summary: 'smp_mb() on P0 only',
        sc: 'Never',
        tso: 'Sometimes',
        why: 'P1’s store still waits in its buffer past its load',
      },
    },
    wmbs: {
      test: sb('SB+wmbs', [W('x', 1), WMB, R('y', 'r0')], [W('y', 1), WMB, R('x', 'r0')]),
      answers: {
        summary: 'smp_wmb() on both: orders stores only',
        sc: 'Never',
        tso: 'Sometimes',
        why: 'smp_wmb is a compiler barrier on x86: nothing drains',
      },
    },
    'rel-acq': {
      test: sb('SB+rel+acq', [WRel('x', 1), RAcq('y', 'r0')], [WRel('y', 1), RAcq('x', 'r0')]),
      answers: {
        summary: 'smp_store_release then smp_load_acquire on both',
        sc: 'Never',
        tso: 'Sometimes',
        why: 'release/acquire do not order a store before a later load',
      },
    },
    xchgs: {
      test: sb('SB+xchgs', [XCHG('x', 1, 'r1'), R('y', 'r0')], [XCHG('y', 1, 'r1'), R('x', 'r0')]),
      answers: { summary: 'the stores as xchg (locked)', sc: 'Never', tso: 'Never', why: 'a locked instruction is not buffered' },
    },
  },
});

const mp = (name: string, p0: Litmus['threads'][number], p1: Litmus['threads'][number]): Litmus => ({
  name,
  threads: [p0, p1],
  exists: [
    { thread: 1, reg: 'r0', v: 1 },
    { thread: 1, reg: 'r1', v: 0 },
  ],
});

/** MP (message passing): data then flag; the reader sees the flag and stale data? */
export const MP = litmusScenario({
  name: 'litmus/MP',
  summary: 'message passing: P0: x = 1; y = 1 | P1: r0 = y; r1 = x — flag seen, data stale?',
  variants: {
    plain: {
      test: mp('MP', [W('x', 1), W('y', 1)], [R('y', 'r0'), R('x', 'r1')]),
      answers: {
        summary: 'no barriers',
        sc: 'Never',
        tso: 'Never',
        why: 'the store buffer is FIFO and loads are not reordered with loads',
      },
    },
    'wmb-rmb': {
      test: mp('MP+wmb+rmb', [W('x', 1), WMB, W('y', 1)], [R('y', 'r0'), RMB, R('x', 'r1')]),
      answers: { summary: 'smp_wmb() / smp_rmb()', sc: 'Never', tso: 'Never' },
    },
    'rel-acq': {
      test: mp('MP+rel+acq', [W('x', 1), WRel('y', 1)], [RAcq('y', 'r0'), R('x', 'r1')]),
      answers: { summary: 'smp_store_release(&y) / smp_load_acquire(&y)', sc: 'Never', tso: 'Never' },
    },
  },
});

/** LB (load buffering): each thread loads one cell then stores the other; both loads see the other's store? */
export const LB = litmusScenario({
  name: 'litmus/LB',
  summary: 'load buffering: P0: r0 = x; y = 1 | P1: r0 = y; x = 1 — both read 1?',
  variants: {
    plain: {
      test: {
        name: 'LB',
        threads: [
          [R('x', 'r0'), W('y', 1)],
          [R('y', 'r0'), W('x', 1)],
        ],
        exists: [
          { thread: 0, reg: 'r0', v: 1 },
          { thread: 1, reg: 'r0', v: 1 },
        ],
      },
      answers: { summary: 'no barriers', sc: 'Never', tso: 'Never', why: 'a store never passes an earlier load on x86' },
    },
    mbs: {
      test: {
        name: 'LB+mbs',
        threads: [
          [R('x', 'r0'), MB, W('y', 1)],
          [R('y', 'r0'), MB, W('x', 1)],
        ],
        exists: [
          { thread: 0, reg: 'r0', v: 1 },
          { thread: 1, reg: 'r0', v: 1 },
        ],
      },
      answers: { summary: 'smp_mb() between load and store on both', sc: 'Never', tso: 'Never' },
    },
  },
});

/** R: a store and a store | a store and a load; the coherence order of y against the load of x. */
export const Rshape = litmusScenario({
  name: 'litmus/R',
  summary: 'R: P0: x = 1; y = 1 | P1: y = 2; r0 = x — y ends 2 and r0 = 0?',
  variants: {
    plain: {
      test: {
        name: 'R',
        threads: [
          [W('x', 1), W('y', 1)],
          [W('y', 2), R('x', 'r0')],
        ],
        exists: [
          { cell: 'y', v: 2 },
          { thread: 1, reg: 'r0', v: 0 },
        ],
      },
      answers: {
        summary: 'no barriers',
        sc: 'Never',
        tso: 'Sometimes',
        why: 'P1’s store to y waits in its buffer past its load of x',
      },
    },
    mbs: {
      test: {
        name: 'R+mbs',
        threads: [
          [W('x', 1), MB, W('y', 1)],
          [W('y', 2), MB, R('x', 'r0')],
        ],
        exists: [
          { cell: 'y', v: 2 },
          { thread: 1, reg: 'r0', v: 0 },
        ],
      },
      answers: { summary: 'smp_mb() on both', sc: 'Never', tso: 'Never' },
    },
  },
});

/** 2+2W: two threads store two cells in opposite orders; both first stores win? */
export const TwoPlusTwoW = litmusScenario({
  name: 'litmus/2+2W',
  summary: '2+2W: P0: x = 1; y = 2 | P1: y = 1; x = 2 — x ends 1 and y ends 1?',
  variants: {
    plain: {
      test: {
        name: '2+2W',
        threads: [
          [W('x', 1), W('y', 2)],
          [W('y', 1), W('x', 2)],
        ],
        exists: [
          { cell: 'x', v: 1 },
          { cell: 'y', v: 1 },
        ],
      },
      answers: { summary: 'no barriers', sc: 'Never', tso: 'Never', why: 'each buffer drains in program order' },
    },
    wmbs: {
      test: {
        name: '2+2W+wmbs',
        threads: [
          [W('x', 1), WMB, W('y', 2)],
          [W('y', 1), WMB, W('x', 2)],
        ],
        exists: [
          { cell: 'x', v: 1 },
          { cell: 'y', v: 1 },
        ],
      },
      answers: { summary: 'smp_wmb() between the stores on both', sc: 'Never', tso: 'Never' },
    },
  },
});

/** IRIW: two writers, two readers reading in opposite orders; do they disagree on the order of the writes? */
export const IRIW = litmusScenario({
  name: 'litmus/IRIW',
  summary: 'independent reads of independent writes: P2 and P3 see x = 1 and y = 1 in opposite orders?',
  variants: {
    plain: {
      test: {
        name: 'IRIW',
        threads: [[W('x', 1)], [W('y', 1)], [R('x', 'r0'), R('y', 'r1')], [R('y', 'r0'), R('x', 'r1')]],
        exists: [
          { thread: 2, reg: 'r0', v: 1 },
          { thread: 2, reg: 'r1', v: 0 },
          { thread: 3, reg: 'r0', v: 1 },
          { thread: 3, reg: 'r1', v: 0 },
        ],
      },
      answers: {
        summary: 'no barriers',
        sc: 'Never',
        tso: 'Never',
        why: 'x86 stores become visible to all other CPUs at once (one memory)',
      },
    },
    rmbs: {
      test: {
        name: 'IRIW+rmbs',
        threads: [[W('x', 1)], [W('y', 1)], [R('x', 'r0'), RMB, R('y', 'r1')], [R('y', 'r0'), RMB, R('x', 'r1')]],
        exists: [
          { thread: 2, reg: 'r0', v: 1 },
          { thread: 2, reg: 'r1', v: 0 },
          { thread: 3, reg: 'r0', v: 1 },
          { thread: 3, reg: 'r1', v: 0 },
        ],
      },
      answers: { summary: 'smp_rmb() between the readers’ loads', sc: 'Never', tso: 'Never' },
    },
  },
});

/** RWC (read-to-write causality): P1 reads P0's store then an old y; P2 stores y and reads an old x. */
export const RWC = litmusScenario({
  name: 'litmus/RWC',
  summary: 'RWC: P0: x = 1 | P1: r0 = x; r1 = y | P2: y = 1; r0 = x — 1:r0 = 1, 1:r1 = 0, 2:r0 = 0?',
  variants: {
    plain: {
      test: {
        name: 'RWC',
        threads: [[W('x', 1)], [R('x', 'r0'), R('y', 'r1')], [W('y', 1), R('x', 'r0')]],
        exists: [
          { thread: 1, reg: 'r0', v: 1 },
          { thread: 1, reg: 'r1', v: 0 },
          { thread: 2, reg: 'r0', v: 0 },
        ],
      },
      answers: {
        summary: 'no barriers',
        sc: 'Never',
        tso: 'Sometimes',
        why: 'P2’s store to y waits in its buffer past its load of x',
      },
    },
    mbs: {
      test: {
        name: 'RWC+mbs',
        threads: [[W('x', 1)], [R('x', 'r0'), MB, R('y', 'r1')], [W('y', 1), MB, R('x', 'r0')]],
        exists: [
          { thread: 1, reg: 'r0', v: 1 },
          { thread: 1, reg: 'r1', v: 0 },
          { thread: 2, reg: 'r0', v: 0 },
        ],
      },
      answers: { summary: 'smp_mb() on P1 and P2', sc: 'Never', tso: 'Never' },
    },
  },
});

/** WRC (write-to-read causality): P1 forwards what it read from P0; P2 sees P1's store but not P0's? */
export const WRC = litmusScenario({
  name: 'litmus/WRC',
  summary: 'WRC: P0: x = 1 | P1: r0 = x; y = 1 | P2: r0 = y; r1 = x — 1:r0 = 1, 2:r0 = 1, 2:r1 = 0?',
  variants: {
    plain: {
      test: {
        name: 'WRC',
        threads: [[W('x', 1)], [R('x', 'r0'), W('y', 1)], [R('y', 'r0'), R('x', 'r1')]],
        exists: [
          { thread: 1, reg: 'r0', v: 1 },
          { thread: 2, reg: 'r0', v: 1 },
          { thread: 2, reg: 'r1', v: 0 },
        ],
      },
      answers: { summary: 'no barriers', sc: 'Never', tso: 'Never', why: 'x86 is multi-copy atomic and keeps load→store order' },
    },
    'rel-rmb': {
      test: {
        name: 'WRC+rel+rmb',
        threads: [[W('x', 1)], [R('x', 'r0'), WRel('y', 1)], [R('y', 'r0'), RMB, R('x', 'r1')]],
        exists: [
          { thread: 1, reg: 'r0', v: 1 },
          { thread: 2, reg: 'r0', v: 1 },
          { thread: 2, reg: 'r1', v: 0 },
        ],
      },
      answers: { summary: 'smp_store_release(&y) on P1, smp_rmb() on P2', sc: 'Never', tso: 'Never' },
    },
  },
});

/** S: P0 stores x then y; P1 reads y and stores x; P1's store of x lands before P0's although P1 saw P0's y? */
export const S = litmusScenario({
  name: 'litmus/S',
  summary: 'S: P0: x = 2; y = 1 | P1: r0 = y; x = 1 — 1:r0 = 1 and x ends 2?',
  variants: {
    plain: {
      test: {
        name: 'S',
        threads: [
          [W('x', 2), W('y', 1)],
          [R('y', 'r0'), W('x', 1)],
        ],
        exists: [
          { thread: 1, reg: 'r0', v: 1 },
          { cell: 'x', v: 2 },
        ],
      },
      answers: {
        summary: 'no barriers',
        sc: 'Never',
        tso: 'Never',
        why: 'P0’s buffer drains x before y, and P1’s store of x waits for its load of y',
      },
    },
    'wmb-acq': {
      test: {
        name: 'S+wmb+acq',
        threads: [
          [W('x', 2), WMB, W('y', 1)],
          [RAcq('y', 'r0'), W('x', 1)],
        ],
        exists: [
          { thread: 1, reg: 'r0', v: 1 },
          { cell: 'x', v: 2 },
        ],
      },
      answers: { summary: 'smp_wmb() on P0, smp_load_acquire(&y) on P1', sc: 'Never', tso: 'Never' },
    },
  },
});

const isa2 = (name: string, threads: Litmus['threads']): Litmus => ({
  name,
  threads,
  exists: [
    { thread: 1, reg: 'r0', v: 1 },
    { thread: 2, reg: 'r0', v: 1 },
    { thread: 2, reg: 'r1', v: 0 },
  ],
});

/** ISA2: a message passed through a third CPU: P0 writes data and a flag, P1 passes the flag on, P2 sees it but stale data? */
export const ISA2 = litmusScenario({
  name: 'litmus/ISA2',
  summary: 'ISA2: P0: x = 1; y = 1 | P1: r0 = y; z = 1 | P2: r0 = z; r1 = x — 1:r0 = 1, 2:r0 = 1, 2:r1 = 0?',
  variants: {
    plain: {
      test: isa2('ISA2', [
        [W('x', 1), W('y', 1)],
        [R('y', 'r0'), W('z', 1)],
        [R('z', 'r0'), R('x', 'r1')],
      ]),
      answers: {
        summary: 'no barriers',
        sc: 'Never',
        tso: 'Never',
        why: 'x86 keeps store→store, load→store and load→load order, and is multi-copy atomic',
      },
    },
    'rel-acq': {
      test: isa2('ISA2+rel+acq+acq', [
        [W('x', 1), WRel('y', 1)],
        [RAcq('y', 'r0'), WRel('z', 1)],
        [RAcq('z', 'r0'), R('x', 'r1')],
      ]),
      answers: {
        summary: 'smp_store_release / smp_load_acquire along the chain',
        sc: 'Never',
        tso: 'Never',
      },
    },
  },
});
