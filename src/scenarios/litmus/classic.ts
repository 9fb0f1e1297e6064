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
  },
});
