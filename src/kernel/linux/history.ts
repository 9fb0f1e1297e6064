/**
 * Older versions of Linux paths, written as overrides of the 6.6 ones
 * (`k.override('ptrace_stop', ptrace_stop_5_18)`): a variant puts the old
 * code back in one function and keeps 6.6 everywhere else. Each step cites
 * the kernel it comes from.
 */
import {
  BARRIER,
  fence,
  load,
  type Program,
  preemptDisable,
  preemptEnable,
  readLock,
  readUnlock,
  rmw,
  snapshot,
  store,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { plainRmw } from '../common/plain-rmw.ts';
import {
  __TASK_TRACED,
  CLD_STOPPED,
  JOBCTL_LISTENING,
  JOBCTL_PTRACE_FROZEN,
  JOBCTL_STOP_PENDING,
  JOBCTL_STOPPED,
  JOBCTL_TRACED,
  JOBCTL_TRAP_NOTIFY,
  JOBCTL_TRAP_STOP,
  TASK_RUNNING,
  TASK_WAKEKILL,
} from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { spin_lock_irq, spin_unlock_irq } from './locking.ts';
import type { LinuxTask } from './objects.ts';
import { EIO } from './ptrace.ts';
import { PTRACE_EVENT_STOP, ptraceState } from './ptrace-state.ts';
import { NO_SIGINFO, siginfoCode } from './signal-ptrace.ts';

const OLD = 'linux-5.18 kernel/signal.c ptrace_stop';
const S = 'linux-6.6 kernel/signal.c';

/**
 * ptrace_stop as in 5.18, before the 5.19 series, as that series' diffs
 * show it: no `->ptrace` test before set_special_state, the only test under
 * tasklist_lock, and an else branch that runs on without sleeping when the
 * tracer has gone (clearing exit_code when `clearCode`, which 5.18's
 * ptrace_do_notify passes). 5.18's task_is_traced() read __state where 6.6
 * reads JOBCTL_TRACED; this version changes JOBCTL_TRACED next to each
 * __state change to or from TASK_TRACED, so 6.6's readers see what 5.18's
 * saw. Unchanged lines keep 6.6's line numbers. On the way out 5.18 cleared
 * only LISTENING (its freeze was a __state change the tracer undid); this
 * version keeps 6.6's freeze, so it keeps 6.6's clear of
 * JOBCTL_PTRACE_FROZEN too (ptrace_stop_return).
 */
export function* ptrace_stop_5_18(
  k: LinuxKernel,
  ctx: TaskContext,
  exitCode: number,
  why: number,
  message: number,
  siCode: number | null,
  clearCode = false,
): Program<number> {
  const F = 'ptrace_stop';
  const r = (line: number) => `${S}:${line} ${F}`;
  const me = k.current(ctx);
  const pc = ptraceState(k).of(me);
  let gstopDone = false;
  yield* k.fn.set_special_state(k, ctx, k.c.TASK_TRACED); // 2269
  yield* plainRmw(me.jobctl, (j) => j | JOBCTL_TRACED, r(2270), 'current->jobctl |= JOBCTL_TRACED');
  yield fence(r(2290), 'smp_wmb()', BARRIER.WMB);
  yield store(pc.ptrace_message, message, r(2292), 'current->ptrace_message = message');
  yield store(pc.last_siginfo, siCode === null ? NO_SIGINFO : siginfoCode(siCode), r(2293), 'current->last_siginfo = info');
  yield store(me.exit_code, exitCode, r(2294), 'current->exit_code = exit_code');
  ctx.ghost.add(pc.g_stops, 1);
  ctx.ghost.set(pc.g_resumes, 0);
  if (why === CLD_STOPPED) {
    const j: number = yield load(me.jobctl, r(2303), 'if (why == CLD_STOPPED && (current->jobctl & JOBCTL_STOP_PENDING))');
    if (j & JOBCTL_STOP_PENDING) gstopDone = yield* k.fn.task_participate_group_stop(k, ctx, me); // 2304
  }
  yield* k.fn.task_clear_jobctl_pending(k, ctx, me, JOBCTL_TRAP_STOP); // 2307
  if (siCode !== null && siCode >> 8 === PTRACE_EVENT_STOP) yield* k.fn.task_clear_jobctl_pending(k, ctx, me, JOBCTL_TRAP_NOTIFY);
  yield* k.fn.task_clear_jobctl_trapping(k, ctx, me); // 2312
  yield* spin_unlock_irq(me.siglock, r(2314), 'spin_unlock_irq(&current->sighand->siglock)');
  yield readLock(k.tasklist_lock, r(2315), 'read_lock(&tasklist_lock)');
  const ptr: number = yield load(me.ptrace, OLD, 'if (likely(current->ptrace))');
  if (ptr) {
    yield* k.fn.do_notify_parent_cldstop(k, ctx, me, true, why);
    if (gstopDone && (yield* k.fn.ptrace_reparented(k, ctx, me, F))) yield* k.fn.do_notify_parent_cldstop(k, ctx, me, false, why);
    yield preemptDisable(r(2337), 'preempt_disable()');
    yield readUnlock(k.tasklist_lock, r(2338), 'read_unlock(&tasklist_lock)');
    yield preemptEnable(r(2340), 'preempt_enable_no_resched()');
    yield* k.fn.schedule(k, ctx);
    yield* spin_lock_irq(me.siglock, r(2349), 'spin_lock_irq(&current->sighand->siglock)');
    exitCode = yield snapshot(pc.g_returned, me.exit_code, r(2350), 'exit_code = current->exit_code');
    ctx.ghost.add(pc.g_returns, 1);
  } else {
    // the tracer is gone: run on without sleeping
    if (gstopDone) yield* k.fn.do_notify_parent_cldstop(k, ctx, me, false, why);
    yield* k.fn.__set_current_state(k, ctx, TASK_RUNNING); // "tasklist protects us from ptrace_freeze_traced()"
    yield rmw(me.jobctl, (j) => j & ~JOBCTL_TRACED, OLD, 'task_is_traced() ends with the __state store (JOBCTL_TRACED &= ~)');
    if (clearCode) exitCode = 0;
    yield readUnlock(k.tasklist_lock, OLD, 'read_unlock(&tasklist_lock)');
    yield* spin_lock_irq(me.siglock, r(2349), 'spin_lock_irq(&current->sighand->siglock)');
  }
  yield* k.fn.ptrace_stop_return(k, ctx);
  return exitCode;
}

/**
 * 5.18's ptrace_do_notify passes clear_code = 1 to ptrace_stop: the 5.18
 * ptrace_stop as called from there (`k.override('ptrace_stop',
 * ptrace_stop_5_18_clearing, { within: 'ptrace_do_notify' })`).
 */
export function ptrace_stop_5_18_clearing(
  k: LinuxKernel,
  ctx: TaskContext,
  exitCode: number,
  why: number,
  message: number,
  siCode: number | null,
): Program<number> {
  return ptrace_stop_5_18(k, ctx, exitCode, why, message, siCode, true);
}

/** Puts 5.18's ptrace_stop back, as every 5.18 caller calls it. */
export function usePtraceStop5_18(k: LinuxKernel): void {
  k.jobctlHoldsState = true;
  k.override('ptrace_stop', ptrace_stop_5_18);
  k.override('ptrace_stop', ptrace_stop_5_18_clearing, { within: 'ptrace_do_notify' });
}

/**
 * ptrace_resume before b72c186999e6 (2015): `child->exit_code = data`
 * before any lock (linux-4.0 had none around it); the JOBCTL_TRACED clear
 * and the wake keep 6.6's siglock here.
 */
export function* ptrace_resume_4_0(
  k: LinuxKernel,
  ctx: TaskContext,
  child: LinuxTask,
  request: number,
  data: number,
): Program<number> {
  const r = (line: number) => `linux-6.6 kernel/ptrace.c:${line} ptrace_resume`;
  const pc = ptraceState(k).of(child);
  if (data < 0 || data > 64) return -EIO;
  yield* k.fn.ptrace_resume_flags(k, ctx, child, request);
  yield store(child.exit_code, data, 'linux-4.0 kernel/ptrace.c ptrace_resume (before b72c186999e6)', 'child->exit_code = data');
  ctx.ghost.set(pc.g_resumes, 1);
  ctx.ghost.set(pc.g_resume_sig, data);
  yield* spin_lock_irq(child.siglock, r(882), `spin_lock_irq(&${child.name}->sighand->siglock)`);
  yield* plainRmw(child.jobctl, (v) => v & ~JOBCTL_TRACED, r(884), 'child->jobctl &= ~JOBCTL_TRACED');
  yield* k.fn.wake_up_state(k, ctx, child, __TASK_TRACED);
  yield* spin_unlock_irq(child.siglock, r(886));
  return 0;
}

const OLD_SIG = 'linux-5.18 include/linux/sched/signal.h signal_wake_up';
const OLD_PT = 'linux-5.18 kernel/ptrace.c';

/**
 * signal_wake_up as up to 5.18: `signal_wake_up_state(t, resume ?
 * TASK_WAKEKILL : 0)` — a fatal signal ends a ptrace stop because 5.18's
 * TASK_TRACED has TASK_WAKEKILL in it (LINUX_5_18), and a frozen tracee
 * (bare __TASK_TRACED) is left alone. 6.6's readers of JOBCTL_TRACED see
 * what 5.18's task_is_traced() saw: the flag goes with a fatal wakeup of a
 * tracee that is not frozen.
 */
export function* signal_wake_up_5_18(k: LinuxKernel, ctx: TaskContext, t: LinuxTask, fatal: boolean): Program<void> {
  if (fatal) {
    const j: number = yield load(t.jobctl, OLD_SIG, 'resume: TASK_WAKEKILL (a frozen tracee is bare __TASK_TRACED)');
    if (!(j & JOBCTL_PTRACE_FROZEN))
      yield rmw(t.jobctl, (v) => v & ~(JOBCTL_STOPPED | JOBCTL_TRACED), OLD_SIG, 'task_is_traced() ends with the wakeup');
  }
  yield* k.fn.signal_wake_up_state(k, ctx, t, fatal ? TASK_WAKEKILL : 0);
}

/**
 * ptrace_freeze_traced as up to 5.18: the freeze is `task->__state =
 * __TASK_TRACED` (TASK_WAKEKILL off) under siglock; JOBCTL_PTRACE_FROZEN is
 * set beside it so 6.6's readers see the freeze. (looks_like_a_spurious_pid
 * only matters for fork events, which no model has.)
 */
export function* ptrace_freeze_traced_5_18(k: LinuxKernel, ctx: TaskContext, task: LinuxTask): Program<boolean> {
  const F = `${OLD_PT} ptrace_freeze_traced`;
  const j: number = yield load(task.jobctl, F, 'if (task->jobctl & JOBCTL_LISTENING) (lockless)');
  if (j & JOBCTL_LISTENING) return false;
  let ret = false;
  yield* spin_lock_irq(task.siglock, F, `spin_lock_irq(&${task.name}->sighand->siglock)`);
  const j2: number = yield load(task.jobctl, F, 'if (task_is_traced(task) &&');
  if (j2 & JOBCTL_TRACED && !(yield* k.fn.__fatal_signal_pending(k, ctx, task, 'ptrace_freeze_traced'))) {
    yield store(task.state, __TASK_TRACED, F, 'WRITE_ONCE(task->__state, __TASK_TRACED)');
    yield rmw(task.jobctl, (v) => v | JOBCTL_PTRACE_FROZEN, F, 'the freeze, as 6.6 readers see it');
    ret = true;
  }
  yield* spin_unlock_irq(task.siglock, F);
  return ret;
}

/** ptrace_unfreeze_traced as up to 5.18: a killed tracee is woken, any other gets TASK_TRACED (with TASK_WAKEKILL) back. */
export function* ptrace_unfreeze_traced_5_18(k: LinuxKernel, ctx: TaskContext, task: LinuxTask): Program<void> {
  const F = `${OLD_PT} ptrace_unfreeze_traced`;
  if ((yield load(task.state, F, 'if (READ_ONCE(task->__state) != __TASK_TRACED) return')) !== __TASK_TRACED) return;
  yield* spin_lock_irq(task.siglock, F, `spin_lock_irq(&${task.name}->sighand->siglock)`);
  if ((yield load(task.state, F, 'if (READ_ONCE(task->__state) == __TASK_TRACED)')) === __TASK_TRACED) {
    yield rmw(task.jobctl, (v) => v & ~JOBCTL_PTRACE_FROZEN, F, 'the unfreeze, as 6.6 readers see it');
    if (yield* k.fn.__fatal_signal_pending(k, ctx, task, 'ptrace_unfreeze_traced')) {
      yield rmw(task.jobctl, (v) => v & ~JOBCTL_TRACED, F, 'task_is_traced() ends with the wakeup');
      yield* k.fn.wake_up_state(k, ctx, task, __TASK_TRACED);
    } else yield store(task.state, k.c.TASK_TRACED, F, 'WRITE_ONCE(task->__state, TASK_TRACED)');
  }
  yield* spin_unlock_irq(task.siglock, F);
}

/** Puts 5.18's fatal wakeup and request freeze back (run the model with LINUX_5_18's constants for 5.18 itself). */
export function useFreeze5_18(k: LinuxKernel): void {
  k.override('signal_wake_up', signal_wake_up_5_18);
  k.override('ptrace_freeze_traced', ptrace_freeze_traced_5_18);
  k.override('ptrace_unfreeze_traced', ptrace_unfreeze_traced_5_18);
}
