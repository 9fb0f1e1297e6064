/**
 * include/linux/sched/signal.h: the signal tests the scheduler and the
 * signal code share, and the TIF_NOTIFY_SIGNAL notification of task_work.
 */
import { BARRIER, fence, load, type Program, rmw } from '../../../cpu/ops.ts';
import type { TaskContext } from '../../../model/types.ts';
import { SIG, sigmask } from '../../common/bits.ts';
import { TASK_INTERRUPTIBLE, TASK_WAKEKILL, TIF_NOTIFY_SIGNAL, TIF_SIGPENDING } from '../consts.ts';
import type { LinuxKernel } from '../kernel.ts';
import type { LinuxTask } from '../objects.ts';

const H = 'linux-6.6 include/linux/sched/signal.h';

/**
 * signal_pending(p) — signal.h:392-402: TIF_NOTIFY_SIGNAL first (task_work to
 * run), then task_sigpending(p). Two tests, two reads of the flags word, in
 * this order: another CPU may set or clear either bit between them. Both reads
 * happen whether or not the scenario ever queues task work.
 */
export function* signal_pending(k: LinuxKernel, ctx: TaskContext, p: LinuxTask, fn = 'signal_pending'): Program<boolean> {
  const tif: number = yield load(
    p.tif,
    `${H}:399 ${fn}`,
    `signal_pending(${p.name}): test_tsk_thread_flag(p, TIF_NOTIFY_SIGNAL)`,
  );
  if (tif & TIF_NOTIFY_SIGNAL) return true; // 400
  return yield* k.fn.task_sigpending(k, ctx, p, fn); // 401
}

/** task_sigpending(p) — signal.h:387-390: TIF_SIGPENDING. */
export function* task_sigpending(_k: LinuxKernel, _ctx: TaskContext, p: LinuxTask, fn = 'task_sigpending'): Program<boolean> {
  const tif: number = yield load(p.tif, `${H}:389 ${fn}`, `task_sigpending(${p.name}): test_tsk_thread_flag(p, TIF_SIGPENDING)`);
  return (tif & TIF_SIGPENDING) !== 0;
}

/** clear_notify_signal — signal.h:355-359 (current). */
export function* clear_notify_signal(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  yield rmw(me.tif, (v) => v & ~TIF_NOTIFY_SIGNAL, `${H}:357 clear_notify_signal`, 'clear_thread_flag(TIF_NOTIFY_SIGNAL)');
  yield fence(`${H}:358 clear_notify_signal`, 'smp_mb__after_atomic()', BARRIER.COMPILER);
}

/**
 * set_notify_signal — signal.h:365-379 (with __set_notify_signal): set
 * TIF_NOTIFY_SIGNAL; if it was clear and no interruptible sleep was ended,
 * kick the task out of user mode.
 */
export function* set_notify_signal(k: LinuxKernel, ctx: TaskContext, task: LinuxTask): Program<void> {
  const old: number = yield rmw(
    task.tif,
    (v) => v | TIF_NOTIFY_SIGNAL,
    `${H}:367 __set_notify_signal`,
    `test_and_set_tsk_thread_flag(${task.name}, TIF_NOTIFY_SIGNAL)`,
  );
  if (old & TIF_NOTIFY_SIGNAL) return;
  if (!(yield* k.fn.wake_up_state(k, ctx, task, TASK_INTERRUPTIBLE))) yield* k.fn.kick_process(k, ctx, task); // 368, 378
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
  if (!(yield* k.fn.task_sigpending(k, ctx, p, 'fatal_signal_pending'))) return false;
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
