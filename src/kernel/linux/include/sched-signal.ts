/**
 * include/linux/sched/signal.h: the signal tests the scheduler and the
 * signal code share. TIF_NOTIFY_SIGNAL (task_work) is not modelled.
 */
import { load, type Program } from '../../../cpu/ops.ts';
import type { TaskContext } from '../../../model/types.ts';
import { SIG, sigmask } from '../../common/bits.ts';
import { TASK_INTERRUPTIBLE, TASK_WAKEKILL, TIF_SIGPENDING } from '../consts.ts';
import type { LinuxKernel } from '../kernel.ts';
import type { LinuxTask } from '../objects.ts';

const H = 'linux-6.6 include/linux/sched/signal.h';

/** signal_pending(p) — signal.h:392-402: task_sigpending(p), i.e. TIF_SIGPENDING. */
export function* signal_pending(_k: LinuxKernel, _ctx: TaskContext, p: LinuxTask, fn = 'signal_pending'): Program<boolean> {
  const tif: number = yield load(p.tif, `${H}:401 ${fn}`, `signal_pending(${p.name}): test_tsk_thread_flag(p, TIF_SIGPENDING)`);
  return (tif & TIF_SIGPENDING) !== 0;
}

/** __fatal_signal_pending(p) — signal.h:404-407: SIGKILL in p->pending. */
export function* __fatal_signal_pending(
  _k: LinuxKernel,
  _ctx: TaskContext,
  p: LinuxTask,
  fn = '__fatal_signal_pending',
): Program<boolean> {
  const pend: number = yield load(p.pending, `${H}:406 ${fn}`, `sigismember(&${p.name}->pending.signal, SIGKILL)`);
  return (pend & sigmask(SIG.SIGKILL)) !== 0;
}

/** fatal_signal_pending(p) — signal.h:409-412. */
export function* fatal_signal_pending(k: LinuxKernel, ctx: TaskContext, p: LinuxTask): Program<boolean> {
  if (!(yield* k.fn.signal_pending(k, ctx, p, 'fatal_signal_pending'))) return false;
  return yield* k.fn.__fatal_signal_pending(k, ctx, p, 'fatal_signal_pending');
}

/**
 * signal_pending_state(state, p) — signal.h:414-422: does a pending signal
 * stop a sleep in `state`? The state test needs no access (state is a value).
 */
export function* signal_pending_state(k: LinuxKernel, ctx: TaskContext, state: number, p: LinuxTask): Program<boolean> {
  if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL))) return false;
  if (!(yield* k.fn.signal_pending(k, ctx, p, 'signal_pending_state'))) return false;
  if (state & TASK_INTERRUPTIBLE) return true;
  return yield* k.fn.__fatal_signal_pending(k, ctx, p, 'signal_pending_state');
}
