import type { CpuView } from './ops.ts';

/**
 * Per-CPU state of an emulated core. The memory model is sequentially
 * consistent: a store is visible to every CPU as soon as its step runs (no
 * store buffer yet; x86-TSO comes later and will live here).
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
  }

  release(lock: number): boolean {
    const i = this.held.lastIndexOf(lock);
    if (i < 0) return false;
    this.held.splice(i, 1);
    return true;
  }
}
