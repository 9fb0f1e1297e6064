/**
 * Known bugs the linux/ scenarios and the property tests put back, each as an override of the one
 * Linux 6.6 path it changes (a "holds" needs a search that finds the bug
 * when it is there). A step the bug adds or moves cites its line here; the
 * bugs that only leave something out add no step.
 */
import { BARRIER, fence, irqDisable, irqEnable, load, type Program, rmw, spinLock, spinUnlock, store } from '../../cpu/ops.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG } from '../common/bits.ts';
import { leaveOut } from '../common/paths.ts';
import { SM_PREEMPT, TASK_INTERRUPTIBLE, TASK_RUNNING, TASK_WAKEKILL, TIF_NEED_RESCHED } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';

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
  | 'unfreeze-ignores-sigkill';

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
  }
}
