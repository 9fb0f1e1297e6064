import type { CpuView } from './ops.ts';

/** Ints per store-buffer entry: cell, value, the store's site (for traces), the task that stored. */
export const SB_ENTRY = 4;

/**
 * Per-CPU state of an emulated core. Under the sequentially consistent
 * memory model a store is visible to every CPU as soon as its step runs and
 * `sb` stays empty. Under x86-TSO a store enters `sb`, the CPU's FIFO store
 * buffer, and reaches memory when it drains (src/model/machine.ts says when).
 */
export class CpuState implements CpuView {
  /** task currently running on this CPU, or -1 when the CPU has halted */
  current = -1;
  irqsOn = true;
  preempt = 0;
  /** the current task's top frame is an interrupt handler */
  inIrq = false;
  /** spinlocks and rwlocks held by this CPU, in acquisition order */
  readonly held: number[] = [];
  /**
   * The store buffer, oldest entry first, SB_ENTRY ints each: the cell, the
   * value, the site of the store that made it (Machine.storeSite) and the
   * task that made it. Only cell and value are state; the other two say
   * where the store came from in traces.
   */
  readonly sb: number[] = [];
  /**
   * The CPU returned from an interrupt with stores buffered, and has not
   * taken a step since: iret is serializing, so its next step waits for the
   * buffer to drain (and is ordered with those drains).
   */
  mustDrain = false;

  constructor(readonly id: number) {}

  get locksHeld(): number {
    return this.held.length;
  }

  reset(current: number): void {
    this.current = current;
    this.irqsOn = true;
    this.preempt = 0;
    this.inIrq = false;
    this.held.length = 0;
    this.sb.length = 0;
    this.mustDrain = false;
  }

  release(lock: number): boolean {
    const i = this.held.lastIndexOf(lock);
    if (i < 0) return false;
    this.held.splice(i, 1);
    return true;
  }
}
