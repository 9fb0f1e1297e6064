import type { Op, Program } from '../cpu/ops.ts';

/**
 * One point of an activation's history: the value sent to the program and
 * the CPU it was sent on, the program's answer (`op`: what it yielded next,
 * null when it returned), the ghost writes its code made on the way, and
 * the history's fingerprint lanes. `next` holds the points seen after this
 * one, by the value and CPU sent there: the answers the program gave to
 * each continuation already tried.
 */
export class HistoryPoint {
  /** ghost writes made by the code this value ran, as [kind, addr, value] triples (kind 0 set, 1 add); null: none */
  fx: number[] | null = null;
  op: Op | null = null;
  next: Map<number, HistoryPoint> | null = null;
  constructor(
    readonly val: number,
    readonly cpu: number,
    readonly hashA: number,
    readonly hashB: number,
  ) {}
}

/** The continuation key of a value that is not kept (not an integer, so no key equals it). */
export const NOT_KEPT = 0.5;

/**
 * The key of a continuation in HistoryPoint.next: the value sent and the
 * CPU (-1…62) it was sent on, or NOT_KEPT when the value is not a 32-bit
 * integer (such a continuation is not kept).
 */
export function continuationKey(value: number, cpu: number): number {
  return (value | 0) === value && cpu >= -1 && cpu < 63 ? value * 64 + cpu + 1 : NOT_KEPT;
}

/**
 * One activation on a task's stack — its program body, or an interrupt
 * handler on top of it — together with the history of what it was sent.
 *
 * A program is deterministic: what it yields next depends only on the
 * values it has been sent (its step results, and on a context switch the
 * CPU it resumes on) and on the CPU it runs on. So the activation records
 * its history as a path of points (`path[j]`: the j-th value sent, the
 * CPU, what the program yielded in answer, the ghost writes its code made),
 * and keeps every continuation it has seen in a tree (HistoryPoint.next).
 * That is what lets the engine go back to an earlier state without running
 * the program again: when a later execution sends a value this point has
 * seen before, the recorded answer is used and the live generator is left
 * where it is; only for a continuation never seen does the engine need a
 * generator at that point, and it makes one, if the live one is elsewhere,
 * by feeding a new generator the recorded values (`rebuild` in
 * machine.ts). JavaScript generators cannot be copied; this is the next
 * best thing.
 *
 * Invariant the search relies on: the path up to `pos` is the history of
 * this activation in the current execution, and every state kept on a
 * search's stack (a snapshot) names a position at most `pos` of the same
 * path — a path is only cut at the current position, never below it.
 */
export class Frame {
  /** the live generator (null until first needed) and the point of the history it has reached */
  gen: Program<unknown> | null = null;
  genAt: HistoryPoint | null = null;
  /** how many values this activation has been sent in the current execution */
  pos = 0;
  /** the program's next step (path[pos - 1].op) */
  pending: Op | null = null;
  /** the history before any value: the root of the tree of continuations */
  readonly start: HistoryPoint;
  /** path[j]: the point reached by the j-th value sent */
  readonly path: HistoryPoint[] = [];
  /** exact history ids (for exact state keys), filled on demand */
  readonly exact: number[] = [];

  constructor(
    /** makes a fresh generator of this activation's program */
    readonly make: () => Program<unknown>,
    /** an interrupt handler (not the task's own program) */
    readonly irq: boolean,
    /** fingerprint seeds: what program this is, on whose stack */
    readonly seedA: number,
    readonly seedB: number,
    /** the root of the exact history ids: unique per program and stack */
    readonly origin: number,
    /** who is accessing memory when this activation runs: the task's id, or an id of the interrupt handler */
    readonly owner: number,
  ) {
    this.start = new HistoryPoint(0, -1, seedA, seedB);
  }

  /** the point the history has reached at position j (0: before any value) */
  at(j: number): HistoryPoint {
    return j === 0 ? this.start : (this.path[j - 1] as HistoryPoint);
  }

  /** Forgets the path from position `j` on (a different value is about to be sent there). */
  truncate(j: number): void {
    if (this.path.length <= j) return;
    this.path.length = j;
    if (this.exact.length > j) this.exact.length = j;
  }
}
