import type { Op, Program } from '../cpu/ops.ts';

/**
 * One activation on a task's stack — its program body, or an interrupt
 * handler on top of it — together with the history of what it was sent.
 *
 * A program is deterministic: what it yields next depends only on the
 * values it has been sent (its step results, and on a context switch the
 * CPU it resumes on) and on the CPU it runs on. So the activation records,
 * for the j-th value sent, the value, the CPU, what the program yielded in
 * answer (`ops[j]`, null when it returned) and the ghost writes its code
 * made on the way (`fx[j]`). That record is what lets the engine go back to
 * an earlier state without running the program again: when a later
 * execution sends the same value at the same point, the recorded answer is
 * used and the live generator is left where it is; only when a different
 * value is sent does the engine need a generator at that point, and it
 * makes one by feeding a new generator the recorded values (`rebuild` in
 * machine.ts). JavaScript generators cannot be copied; this is the next
 * best thing.
 *
 * Invariant the search relies on: the record up to `pos` is the history of
 * this activation in the current execution, and every state kept on a
 * search's stack (a snapshot) names a position at most `pos` of the same
 * record — a record is only cut at the current position, never below it.
 */
export class Frame {
  /** the live generator (null until first needed) and how many values it has been sent */
  gen: Program<unknown> | null = null;
  genPos = 0;
  /** how many values this activation has been sent in the current execution */
  pos = 0;
  /** the program's next step (ops[pos - 1]) */
  pending: Op | null = null;
  /** vals[j], cpus[j]: the j-th value sent and the CPU it was sent on */
  readonly vals: number[] = [];
  readonly cpus: number[] = [];
  /** ops[j]: what the program yielded after the j-th value (null: it returned) */
  readonly ops: (Op | null)[] = [];
  /** the history's fingerprint lanes after the j-th value */
  readonly hashA: number[] = [];
  readonly hashB: number[] = [];
  /** ghost writes made by the code the j-th value ran, as [kind, addr, value] triples (kind 0 set, 1 add); null: none */
  readonly fx: (number[] | null)[] = [];
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
  ) {}

  /** the history's fingerprint lanes at the current position */
  get histA(): number {
    return this.pos === 0 ? this.seedA : (this.hashA[this.pos - 1] as number);
  }
  get histB(): number {
    return this.pos === 0 ? this.seedB : (this.hashB[this.pos - 1] as number);
  }

  /** Forgets the record from position `j` on (a different value is about to be sent there). */
  truncate(j: number): void {
    if (this.vals.length <= j) return;
    this.vals.length = j;
    this.cpus.length = j;
    this.ops.length = j;
    this.hashA.length = j;
    this.hashB.length = j;
    this.fx.length = j;
    if (this.exact.length > j) this.exact.length = j;
  }
}
