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
  store,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import {
  __TASK_TRACED,
  CLD_STOPPED,
  JOBCTL_STOP_PENDING,
  JOBCTL_TRACED,
  JOBCTL_TRAP_NOTIFY,
  JOBCTL_TRAP_STOP,
  TASK_RUNNING,
  TASK_TRACED,
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
  yield* k.fn.set_special_state(k, ctx, TASK_TRACED); // 2269
  yield rmw(me.jobctl, (j) => j | JOBCTL_TRACED, r(2270), 'current->jobctl |= JOBCTL_TRACED');
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
    exitCode = yield load(me.exit_code, r(2350), 'exit_code = current->exit_code');
    ctx.ghost.add(pc.g_returns, 1);
    ctx.ghost.set(pc.g_returned, exitCode);
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
  yield rmw(child.jobctl, (v) => v & ~JOBCTL_TRACED, r(884), 'child->jobctl &= ~JOBCTL_TRACED');
  yield* k.fn.wake_up_state(k, ctx, child, __TASK_TRACED);
  yield* spin_unlock_irq(child.siglock, r(886));
  return 0;
}
