/**
 * Known bugs the linux/ scenarios and the property tests put back, each as an override of the one
 * Linux 6.6 path it changes (a "holds" needs a search that finds the bug
 * when it is there). A step the bug adds or moves cites its line here; the
 * bugs that only leave something out add no step.
 */
import {
  BARRIER,
  fence,
  irqDisable,
  irqEnable,
  load,
  type Program,
  preemptDisable,
  preemptEnable,
  rmw,
  spinLock,
  spinUnlock,
  store,
} from '../../cpu/ops.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG } from '../common/bits.ts';
import { leaveOut } from '../common/paths.ts';
import { plainRmw } from '../common/plain-rmw.ts';
import {
  CLD_CONTINUED,
  SIGNAL_STOP_CONTINUED,
  SM_PREEMPT,
  TASK_INTERRUPTIBLE,
  TASK_RUNNING,
  TASK_WAKEKILL,
  TASK_WAKING,
  TIF_NEED_RESCHED,
  TIF_NOTIFY_SIGNAL,
  TIF_SIGPENDING,
} from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { raw_spin_lock_irqsave, raw_spin_unlock_irqrestore } from './locking.ts';
import type { LinuxTask } from './objects.ts';

const C = 'linux-6.6 kernel/sched/core.c';

export type LinuxBug =
  /** try_to_wake_up without `if (READ_ONCE(p->on_rq) && ttwu_runnable(p, wake_flags))`: ttwu_runnable never finds p queued */
  | 'ttwu-no-on-rq-check'
  /** __schedule reads prev->__state before taking rq->lock */
  | 'stale-prev-state'
  /** signal_pending_state without `__fatal_signal_pending(p)`: SIGKILL does not stop a TASK_KILLABLE sleep */
  | 'signal-pending-state-ignores-sigkill'
  /** SIGCONT's clear of JOBCTL_STOPPED and its wake run in do_send_sig_info, before the target's siglock */
  | 'sigcont-without-siglock'
  /** prepare_signal(SIGCONT) leaves JOBCTL_STOP_PENDING set */
  | 'sigcont-keeps-stop-pending'
  /** ptrace_stop does not notify the tracer (no do_notify_parent_cldstop(current, true, why)) */
  | 'stop-no-notify'
  /** __ptrace_unlink does not wake the tracee (no ptrace_signal_wake_up(child, true)) */
  | 'unlink-no-wake'
  /** ptrace_unfreeze_traced does not look for a SIGKILL that came during the request */
  | 'unfreeze-ignores-sigkill'
  /** ptrace_stop without `__fatal_signal_pending(current)` (signal.c:2266): a task already killed still stops */
  | 'ptrace-stop-ignores-sigkill'
  /** signal_wake_up(t, fatal) as a plain wakeup: JOBCTL_STOPPED/TRACED kept, no TASK_WAKEKILL | __TASK_TRACED */
  | 'fatal-wake-ignores-stop'
  /** get_signal clears SIGNAL_CLD_CONTINUED but does not notify the parent (no do_notify_parent_cldstop(CLD_CONTINUED)) */
  | 'cld-continued-not-notified'
  /** prepare_signal(SIGCONT) sets the CLD flag without SIGNAL_STOP_CONTINUED: wait_task_continued has nothing to report */
  | 'sigcont-no-stop-continued'
  /** signal_set_stop_flags ORs the new flags in instead of replacing SIGNAL_STOP_MASK: a continued group stays "stopped" */
  | 'stop-flags-ored'
  /** signal_wake_up_state does not kick_process() a running task */
  | 'signal-wake-no-kick'
  /** exit_to_user_mode_loop re-reads the thread flags before it turns irqs off */
  | 'exit-loop-late-irq-disable'
  /** try_to_wake_up moves p to another CPU without waiting for p->on_cpu to drop */
  | 'ttwu-no-on-cpu-wait'
  /**
   * wait_task_inactive retries at once for a task still queued, instead of its one-tick sleep
   * (core.c:2366-2370, modelled as schedule()): the task, queued on the caller's CPU, never runs
   */
  | 'wait-task-inactive-no-sleep';

/** __schedule with `prev_state = READ_ONCE(prev->__state)` before rq_lock: a wakeup under rq->lock can slip in between. */
function* __schedule_stale_prev_state(k: LinuxKernel, ctx: TaskContext, mode: number): Program<void> {
  const rq = k.rq(ctx.cpu());
  const prev = k.current(ctx);
  const prevState: number = yield load(prev.state, here`__schedule`, 'prev_state = READ_ONCE(prev->__state), before rq_lock');
  yield irqDisable(`${C}:6596 __schedule`, 'local_irq_disable()');
  yield spinLock(rq.lock, `${C}:6614 __schedule`, 'rq_lock(rq, &rf)');
  yield fence(`${C}:6615 __schedule`, 'smp_mb__after_spinlock()', BARRIER.MB_AFTER_SPINLOCK);
  if (!(mode & SM_PREEMPT) && prevState) {
    if (yield* k.fn.signal_pending_state(k, ctx, prevState, prev)) {
      yield store(prev.state, TASK_RUNNING, `${C}:6631 __schedule`, 'WRITE_ONCE(prev->__state, TASK_RUNNING)');
    } else {
      yield* k.fn.deactivate_task(k, ctx, rq, prev); // 6652
    }
  }
  const next = k.task(yield* k.fn.pick_next_task(k, ctx, rq, prev));
  yield rmw(prev.tif, (v) => v & ~TIF_NEED_RESCHED, `${C}:6663 __schedule`, 'clear_tsk_need_resched(prev)');
  if (next !== prev) {
    yield store(rq.curr, next.id, `${C}:6675 __schedule`, 'RCU_INIT_POINTER(rq->curr, next)');
    yield* k.fn.context_switch(k, ctx, rq, prev, next);
  } else {
    yield spinUnlock(rq.lock, `${C}:6702 __schedule`, 'raw_spin_rq_unlock_irq(rq)');
    yield irqEnable(`${C}:6702 __schedule`, 'raw_spin_rq_unlock_irq: local_irq_enable');
  }
}

const E = 'linux-6.6 kernel/entry/common.c';

/** exit_to_user_mode_loop with the flags read before local_irq_disable_exit_to_user(): an interrupt can land in between. */
function* exit_to_user_mode_loop_late_irq_disable(k: LinuxKernel, ctx: TaskContext, tiWork: number): Program<number> {
  const me = k.current(ctx);
  let work = tiWork;
  while (work & (TIF_NEED_RESCHED | TIF_SIGPENDING | TIF_NOTIFY_SIGNAL)) {
    yield irqEnable(`${E} exit_to_user_mode_loop`, 'local_irq_enable_exit_to_user(ti_work)');
    if (work & TIF_NEED_RESCHED) yield* k.fn.schedule(k, ctx);
    if (work & (TIF_SIGPENDING | TIF_NOTIFY_SIGNAL)) yield* k.fn.arch_do_signal_or_restart(k, ctx);
    work = yield load(me.tif, here`exit_to_user_mode_loop`, 'ti_work = read_thread_flags(), irqs still on');
    yield irqDisable(here`exit_to_user_mode_loop`, 'local_irq_disable_exit_to_user(), after the read');
  }
  return work;
}

/**
 * try_to_wake_up (core.c:4203-4357) without `smp_cond_load_acquire(&p->on_cpu, !VAL)`
 * (4333): p is moved and enqueued while its old CPU may still be switching away from it.
 */
function* try_to_wake_up_no_on_cpu_wait(
  k: LinuxKernel,
  ctx: TaskContext,
  p: LinuxTask,
  state: number,
  wakeFlags = 0,
): Program<boolean> {
  const F = 'try_to_wake_up';
  yield preemptDisable(`${C}:4205 ${F}`, 'guard(preempt)()');
  if (p.id === ctx.self) {
    const st: number = yield load(p.state, `${C}:2239 __task_state_match`, 'ttwu_state_match: READ_ONCE(p->__state) & state');
    if (st & state) yield* k.fn.ttwu_do_wakeup(k, ctx, p);
    yield preemptEnable(`${C}:4356 ${F}`, 'guard(preempt) ends');
    return (st & state) !== 0;
  }
  const flags = yield* raw_spin_lock_irqsave(p.pi_lock, `${C}:4234 ${F}`, 'scoped_guard(raw_spinlock_irqsave, &p->pi_lock)');
  yield fence(`${C}:4235 ${F}`, 'smp_mb__after_spinlock()', BARRIER.MB_AFTER_SPINLOCK);
  const st: number = yield load(p.state, `${C}:2239 __task_state_match`, 'ttwu_state_match: READ_ONCE(p->__state) & state');
  const success = (st & state) !== 0;
  if (success) {
    yield fence(`${C}:4263 ${F}`, 'smp_rmb(): the __state load before the on_rq load', BARRIER.RMB);
    const onRq: number = yield load(p.on_rq, `${C}:4264 ${F}`, 'if (READ_ONCE(p->on_rq) && ttwu_runnable(p, wake_flags))');
    if (!(onRq !== 0 && (yield* k.fn.ttwu_runnable(k, ctx, p)))) {
      yield fence(`${C}:4291 ${F}`, 'smp_acquire__after_ctrl_dep()', BARRIER.ACQUIRE_AFTER_CTRL_DEP);
      yield store(p.state, TASK_WAKING, `${C}:4299 ${F}`, 'WRITE_ONCE(p->__state, TASK_WAKING)');
      if (k.opts.ttwuQueue && (yield* k.fn.ttwu_wakelist_on_cpu(k, ctx, p, wakeFlags))) {
        yield* raw_spin_unlock_irqrestore(p.pi_lock, flags, `${C}:4351 ${F}`, 'break: raw_spin_unlock_irqrestore(&p->pi_lock)');
        yield preemptEnable(`${C}:4356 ${F}`, 'guard(preempt) ends');
        return true;
      }
      // no smp_cond_load_acquire(&p->on_cpu, !VAL) here
      const prevCpu: number = yield load(
        p.cpu,
        here`try_to_wake_up`,
        'cpu = select_task_rq(p, p->wake_cpu, …), p->on_cpu not awaited',
      );
      const cpu = yield* k.fn.select_task_rq(k, ctx, prevCpu, wakeFlags);
      if (cpu !== prevCpu) yield store(p.cpu, cpu, `${C}:4344 ${F}`, `set_task_cpu(p, ${cpu})`);
      yield* k.fn.ttwu_queue(k, ctx, p, cpu);
    }
  }
  yield* raw_spin_unlock_irqrestore(p.pi_lock, flags, `${C}:4351 ${F}`, 'raw_spin_unlock_irqrestore(&p->pi_lock)');
  yield preemptEnable(`${C}:4356 ${F}`, 'guard(preempt) ends');
  return success;
}

/** Puts `bug` back in the kernel `k` (before k.finish()). */
export function putBack(k: LinuxKernel, bug: LinuxBug): void {
  switch (bug) {
    case 'ttwu-no-on-rq-check':
      k.override('ttwu_runnable', leaveOut(false));
      break;
    case 'stale-prev-state':
      k.override('__schedule', __schedule_stale_prev_state);
      break;
    case 'signal-pending-state-ignores-sigkill':
      k.override('signal_pending_state', function* (k, ctx, state, p) {
        if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL))) return false;
        if (!(yield* k.fn.signal_pending(k, ctx, p, 'signal_pending_state'))) return false;
        return (state & TASK_INTERRUPTIBLE) !== 0; // no __fatal_signal_pending(p)
      });
      break;
    case 'sigcont-without-siglock':
      k.override('do_send_sig_info', function* (k, ctx, sig, p, type) {
        if (sig === SIG.SIGCONT) yield* k.base.sigcont_end_stop(k, ctx, p); // before the siglock
        yield* k.base.do_send_sig_info(k, ctx, sig, p, type);
      });
      k.override('sigcont_end_stop', leaveOut(), { within: 'prepare_signal' });
      break;
    case 'sigcont-keeps-stop-pending':
      k.override('task_clear_jobctl_pending', leaveOut(), { within: 'prepare_signal' });
      break;
    case 'wait-task-inactive-no-sleep':
      k.override('schedule', leaveOut(), { within: 'wait_task_inactive' });
      break;
    case 'stop-no-notify':
      k.override(
        'do_notify_parent_cldstop',
        function* (k, ctx, tsk, forPtracer, why) {
          if (!forPtracer) yield* k.base.do_notify_parent_cldstop(k, ctx, tsk, forPtracer, why);
        },
        { within: 'ptrace_stop' },
      );
      break;
    case 'unlink-no-wake':
      k.override('ptrace_signal_wake_up', leaveOut(), { within: '__ptrace_unlink' });
      break;
    case 'unfreeze-ignores-sigkill':
      k.override('__fatal_signal_pending', leaveOut(false), { within: 'ptrace_unfreeze_traced' });
      break;
    case 'ptrace-stop-ignores-sigkill':
      k.override('__fatal_signal_pending', leaveOut(false), { within: 'ptrace_stop' });
      break;
    case 'cld-continued-not-notified':
      k.override(
        'do_notify_parent_cldstop',
        function* (k, ctx, tsk, forPtracer, why) {
          if (why !== CLD_CONTINUED) yield* k.base.do_notify_parent_cldstop(k, ctx, tsk, forPtracer, why);
        },
        { within: 'get_signal' },
      );
      break;
    case 'sigcont-no-stop-continued':
      k.override(
        'signal_set_stop_flags',
        (k, ctx, t, flags, from) => k.base.signal_set_stop_flags(k, ctx, t, flags & ~SIGNAL_STOP_CONTINUED, from),
        { within: 'prepare_signal' },
      );
      break;
    case 'stop-flags-ored':
      k.override('signal_set_stop_flags', function* (_k, _ctx, t, flags, from) {
        yield* plainRmw(t.signal.flags, (f) => f | flags, here`signal_set_stop_flags`, `sig->flags |= flags (from ${from})`);
      });
      break;
    case 'signal-wake-no-kick':
      k.override('kick_process', leaveOut(), { within: 'signal_wake_up_state' });
      break;
    case 'exit-loop-late-irq-disable':
      k.override('exit_to_user_mode_loop', exit_to_user_mode_loop_late_irq_disable);
      break;
    case 'ttwu-no-on-cpu-wait':
      k.override('try_to_wake_up', try_to_wake_up_no_on_cpu_wait);
      break;
    case 'fatal-wake-ignores-stop':
      k.override('signal_wake_up', (k, ctx, t, _fatal) => k.base.signal_wake_up(k, ctx, t, false));
      break;
  }
}
