/**
 * include/linux/sched.h: how a task changes its own state.
 */
import { fence, type Program, store } from '../../../cpu/ops.ts';
import type { TaskContext } from '../../../model/types.ts';
import type { LinuxKernel } from '../kernel.ts';
import { raw_spin_lock_irqsave, raw_spin_unlock_irqrestore } from '../locking.ts';

const H = 'linux-6.6 include/linux/sched.h';

/** __set_current_state(v): WRITE_ONCE(current->__state, v), no barrier — sched.h:212-216 */
export function* __set_current_state(k: LinuxKernel, ctx: TaskContext, state: number): Program<void> {
  const me = k.current(ctx);
  yield store(me.state, state, `${H}:215 __set_current_state`, `WRITE_ONCE(current->__state, ${k.c.stateFormatter(state)})`);
}

/**
 * set_current_state(v): smp_store_mb(current->__state, v) — sched.h:218-222.
 * The store and the full barrier are two steps (on x86 one xchg, a locked
 * instruction). On the sequentially consistent memory model the barrier
 * orders nothing further; under x86-TSO it waits for the store buffer to
 * drain, so the store reaches memory before the caller's next load (the
 * condition test), as the xchg makes it.
 */
export function* set_current_state(k: LinuxKernel, ctx: TaskContext, state: number): Program<void> {
  const me = k.current(ctx);
  const ref = `${H}:221 set_current_state`;
  yield store(me.state, state, ref, `smp_store_mb(current->__state, ${k.c.stateFormatter(state)}): the store`);
  yield fence(ref, 'smp_store_mb: smp_mb()');
}

/**
 * set_special_state(v) — sched.h:230-238: the store under current->pi_lock,
 * so it is serialised against try_to_wake_up's state test and store (used
 * for TASK_STOPPED, TASK_TRACED and TASK_DEAD, which must not be overwritten
 * by a concurrent wakeup meant for an earlier state).
 */
export function* set_special_state(k: LinuxKernel, ctx: TaskContext, state: number): Program<void> {
  const me = k.current(ctx);
  const ref = `${H}:234 set_special_state`;
  const flags = yield* raw_spin_lock_irqsave(me.pi_lock, ref, 'raw_spin_lock_irqsave(&current->pi_lock)');
  yield store(me.state, state, `${H}:236 set_special_state`, `WRITE_ONCE(current->__state, ${k.c.stateFormatter(state)})`);
  yield* raw_spin_unlock_irqrestore(
    me.pi_lock,
    flags,
    `${H}:237 set_special_state`,
    'raw_spin_unlock_irqrestore(&current->pi_lock)',
  );
}
