/**
 * DragonOS lock guards that matter with irqs on: SpinLock::lock() and
 * RwLock::read()/write() disable preemption by bumping the current pcb's
 * preempt_count (libs/spinlock.rs, libs/rwlock.rs 230-300) before they spin,
 * and re-enable it when the guard drops. x86_64_do_irq looks at that count
 * before it preempts (handle.rs:41), so the count is a cell and each change
 * of it is a step. Locks only ever taken with irqs off (the rq lock, on_rq,
 * the *_irqsave guards) keep the plain lock steps: no interrupt can see the
 * count there.
 */
import { type Op, type Program, rmw } from '../../cpu/ops.ts';
import type { DragonKernel, Pcb } from './kernel.ts';

/** preempt_disable(); then the lock op (spin_lock, read_lock or write_lock). */
export function* lockNoPreempt(_k: DragonKernel, me: Pcb, lockOp: Op): Program<void> {
  yield rmw(me.preempt, (n) => n + 1, lockOp.ref, 'preempt_disable()');
  yield lockOp;
}

/** The unlock op, then preempt_enable(). */
export function* unlockPreempt(_k: DragonKernel, me: Pcb, unlockOp: Op): Program<void> {
  yield unlockOp;
  yield rmw(me.preempt, (n) => n - 1, unlockOp.ref, 'preempt_enable()');
}
