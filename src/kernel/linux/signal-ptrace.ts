/**
 * kernel/signal.c (Linux 6.6.9), the ptrace side: ptrace_stop and the paths
 * that enter it (ptrace_do_notify, ptrace_notify, do_jobctl_trap,
 * ptrace_signal), and do_notify_parent, the exit report to the parent or
 * tracer. `PTRACE_HOOKS` plugs ptrace_signal and do_jobctl_trap into
 * get_signal (signal.ts).
 *
 * Abstracted: arch_ptrace_stop_needed() is false (x86); the cgroup freezer
 * (cgroup_enter_frozen/cgroup_leave_frozen); the siginfo contents (only the
 * si_code PTRACE_LISTEN looks at is kept, see ptrace-state.ts); a stop's
 * ptrace_reparented test reads parent and real_parent.
 *
 * The 5.18 ptrace_stop, which a variant puts in place of this one, is in
 * history.ts.
 */
import {
  BARRIER,
  check,
  fence,
  load,
  type Program,
  preemptDisable,
  preemptEnable,
  readLock,
  readUnlock,
  snapshot,
  store,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG, sigmask } from '../common/bits.ts';
import { WARN_ON } from '../common/kernel-assert.ts';
import { plainRmw } from '../common/plain-rmw.ts';
import {
  CLD_STOPPED,
  CLD_TRAPPED,
  JOBCTL_LISTENING,
  JOBCTL_PTRACE_FROZEN,
  JOBCTL_STOP_DEQUEUED,
  JOBCTL_STOP_PENDING,
  JOBCTL_STOP_SIGMASK,
  JOBCTL_STOPPED,
  JOBCTL_TRACED,
  JOBCTL_TRAP_NOTIFY,
  JOBCTL_TRAP_STOP,
  PT_SEIZED,
  SIGNAL_STOP_STOPPED,
  TASK_INTERRUPTIBLE,
} from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { spin_lock_irq, spin_lock_irqsave, spin_unlock_irq, spin_unlock_irqrestore } from './locking.ts';
import type { LinuxTask } from './objects.ts';
import { PTRACE_EVENT_STOP, ptraceState } from './ptrace-state.ts';
import { PIDTYPE_PID, PIDTYPE_TGID } from './signal.ts';

const S = 'linux-6.6 kernel/signal.c';
const r = (line: number, fn: string) => `${S}:${line} ${fn}`;

/** last_siginfo as stored: 0 for NULL, else 1 + (si_code >> 8) (so PTRACE_EVENT_STOP is 1 + 128). */
export const siginfoCode = (siCode: number) => 1 + (siCode >> 8);
export const NO_SIGINFO = 0;

/** ptrace_reparented(child) — include/linux/ptrace.h:100-103: !same_thread_group(child->real_parent, child->parent). */
export function* ptrace_reparented(k: LinuxKernel, _ctx: TaskContext, child: LinuxTask, fn: string): Program<boolean> {
  const ref = `linux-6.6 include/linux/ptrace.h:102 ptrace_reparented (from ${fn})`;
  const rp: number = yield load(child.real_parent, ref, 'child->real_parent');
  const p: number = yield load(child.parent, ref, 'child->parent');
  if (rp === p) return false;
  if (rp < 0 || p < 0) return true;
  return !k.sameThreadGroup(k.task(rp), k.task(p));
}

/**
 * ptrace_stop — signal.c:2239-2365 [entered with current's siglock held,
 * irqs off; returns with it held]. `siCode` is the stop's siginfo si_code,
 * or null for no siginfo. `clearCode` is 5.18's argument, passed by
 * ptrace_do_notify for the 5.18 version (history.ts); 6.6 has none.
 */
export function* ptrace_stop(
  k: LinuxKernel,
  ctx: TaskContext,
  exitCode: number,
  why: number,
  message: number,
  siCode: number | null,
  _clearCode = false,
): Program<number> {
  const F = 'ptrace_stop';
  const me = k.current(ctx);
  const pc = ptraceState(k).of(me);
  let gstopDone = false;
  // 2246-2258 arch_ptrace_stop_needed(): false on x86
  const ptr0: number = yield load(me.ptrace, r(2266, F), 'if (!current->ptrace || __fatal_signal_pending(current))');
  if (!ptr0) return exitCode;
  if (yield* k.fn.__fatal_signal_pending(k, ctx, me, F)) return exitCode; // 2266-2267
  yield* k.fn.set_special_state(k, ctx, k.c.TASK_TRACED); // 2269
  yield* plainRmw(me.jobctl, (j) => j | JOBCTL_TRACED, r(2270, F), 'current->jobctl |= JOBCTL_TRACED');
  yield fence(r(2290, F), 'smp_wmb()', BARRIER.WMB);
  yield store(pc.ptrace_message, message, r(2292, F), 'current->ptrace_message = message');
  yield store(pc.last_siginfo, siCode === null ? NO_SIGINFO : siginfoCode(siCode), r(2293, F), 'current->last_siginfo = info');
  yield store(me.exit_code, exitCode, r(2294, F), 'current->exit_code = exit_code');
  ctx.ghost.add(pc.g_stops, 1);
  ctx.ghost.set(pc.g_resumes, 0);
  if (why === CLD_STOPPED) {
    const j: number = yield load(me.jobctl, r(2303, F), 'if (why == CLD_STOPPED && (current->jobctl & JOBCTL_STOP_PENDING))');
    if (j & JOBCTL_STOP_PENDING) gstopDone = yield* k.fn.task_participate_group_stop(k, ctx, me); // 2304
  }
  yield* k.fn.task_clear_jobctl_pending(k, ctx, me, JOBCTL_TRAP_STOP); // 2307
  if (siCode !== null && siCode >> 8 === PTRACE_EVENT_STOP) yield* k.fn.task_clear_jobctl_pending(k, ctx, me, JOBCTL_TRAP_NOTIFY); // 2308-2309
  yield* k.fn.task_clear_jobctl_trapping(k, ctx, me); // 2312
  yield* spin_unlock_irq(me.siglock, r(2314, F), 'spin_unlock_irq(&current->sighand->siglock)');
  yield readLock(k.tasklist_lock, r(2315, F), 'read_lock(&tasklist_lock)');
  const ptr: number = yield load(me.ptrace, r(2326, F), 'if (current->ptrace)');
  if (ptr) yield* k.fn.do_notify_parent_cldstop(k, ctx, me, true, why); // 2327
  if (gstopDone && (!ptr || (yield* k.fn.ptrace_reparented(k, ctx, me, F)))) {
    yield* k.fn.do_notify_parent_cldstop(k, ctx, me, false, why); // 2329
  }
  yield preemptDisable(r(2337, F), 'preempt_disable()');
  yield readUnlock(k.tasklist_lock, r(2338, F), 'read_unlock(&tasklist_lock)');
  yield preemptEnable(r(2340, F), 'preempt_enable_no_resched()');
  yield* k.fn.schedule(k, ctx); // 2341
  yield* spin_lock_irq(me.siglock, r(2349, F), 'spin_lock_irq(&current->sighand->siglock)');
  exitCode = yield snapshot(pc.g_returned, me.exit_code, r(2350, F), 'exit_code = current->exit_code');
  ctx.ghost.add(pc.g_returns, 1);
  yield* k.fn.ptrace_stop_return(k, ctx);
  return exitCode;
}

/**
 * ptrace_stop's last lines — signal.c:2351-2363 [siglock held]: forget the
 * siginfo, message and exit code, leave LISTENING and the freeze,
 * recalc_sigpending_tsk. A model helper (not a kernel function of its own),
 * shared with the 5.18 ptrace_stop of history.ts.
 */
export function* ptrace_stop_return(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const F = 'ptrace_stop';
  const me = k.current(ctx);
  const pc = ptraceState(k).of(me);
  yield store(pc.last_siginfo, NO_SIGINFO, r(2351, F), 'current->last_siginfo = NULL');
  yield store(pc.ptrace_message, 0, r(2352, F), 'current->ptrace_message = 0');
  yield store(me.exit_code, 0, r(2353, F), 'current->exit_code = 0');
  yield* plainRmw(
    me.jobctl,
    (j) => j & ~(JOBCTL_LISTENING | JOBCTL_PTRACE_FROZEN),
    r(2356, F),
    'current->jobctl &= ~(JOBCTL_LISTENING | JOBCTL_PTRACE_FROZEN)',
  );
  yield* k.fn.recalc_sigpending_tsk(k, ctx, me); // 2363
}

/** ptrace_do_notify — signal.c:2367-2379: the siginfo carries si_code = exit_code. */
export function ptrace_do_notify(
  k: LinuxKernel,
  ctx: TaskContext,
  _signr: number,
  exitCode: number,
  why: number,
  message: number,
): Program<number> {
  return k.fn.ptrace_stop(k, ctx, exitCode, why, message, exitCode); // 2378
}

/** ptrace_notify — signal.c:2381-2393 (task_work_run abstracted). */
export function* ptrace_notify(k: LinuxKernel, ctx: TaskContext, exitCode: number, message: number): Program<number> {
  const me = k.current(ctx);
  yield* spin_lock_irq(me.siglock, r(2389, 'ptrace_notify'), 'spin_lock_irq(&current->sighand->siglock)');
  const signr = yield* k.fn.ptrace_do_notify(k, ctx, SIG.SIGTRAP, exitCode, CLD_TRAPPED, message); // 2390
  yield* spin_unlock_irq(me.siglock, r(2391, 'ptrace_notify'), 'spin_unlock_irq(&current->sighand->siglock)');
  return signr;
}

/** do_jobctl_trap's WARN_ON_ONCE(!signr): a step only when it fires (the test reads no shared state). */
const warnNoSignr = (name: string, ref: string) =>
  check(
    'kernel-warn',
    [],
    () => `WARN_ON_ONCE(!signr): ${name} traps in do_jobctl_trap with no stop signal`,
    ref,
    'WARN_ON_ONCE(!signr)',
  );

/** do_jobctl_trap — signal.c:2537-2553 [siglock held]. */
export function* do_jobctl_trap(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const F = 'do_jobctl_trap';
  const me = k.current(ctx);
  const j: number = yield load(me.jobctl, r(2540, F), 'signr = jobctl & JOBCTL_STOP_SIGMASK');
  let signr = j & JOBCTL_STOP_SIGMASK;
  const ptr: number = yield load(me.ptrace, r(2542, F), 'if (current->ptrace & PT_SEIZED)');
  if (ptr & PT_SEIZED) {
    const gsc: number = yield load(me.signal.group_stop_count, r(2543, F), 'if (!signal->group_stop_count &&');
    if (!gsc) {
      const f: number = yield load(me.signal.flags, r(2544, F), '!(signal->flags & SIGNAL_STOP_STOPPED))');
      if (!(f & SIGNAL_STOP_STOPPED)) signr = SIG.SIGTRAP; // 2545
    }
    if (!signr) yield warnNoSignr(me.name, r(2546, F));
    yield* k.fn.ptrace_do_notify(k, ctx, signr, signr | (PTRACE_EVENT_STOP << 8), CLD_STOPPED, 0); // 2547-2548
  } else {
    // a trap of a PTRACE_ATTACH tracee comes only from a group stop (JOBCTL_STOP_SIGMASK set): PTRACE_INTERRUPT is -EIO for it
    if (!signr) yield warnNoSignr(me.name, r(2550, F));
    yield* k.fn.ptrace_stop(k, ctx, signr, CLD_STOPPED, 0, null); // 2551
  }
}

/** ptrace_signal — signal.c:2592-2636 [siglock held]: report a dequeued signal; the tracer chooses what is delivered. */
export function* ptrace_signal(k: LinuxKernel, ctx: TaskContext, signr: number): Program<number> {
  const F = 'ptrace_signal';
  const me = k.current(ctx);
  yield* plainRmw(me.jobctl, (j) => j | JOBCTL_STOP_DEQUEUED, r(2603, F), 'current->jobctl |= JOBCTL_STOP_DEQUEUED');
  // the dequeued signal's siginfo: SI_USER/SI_KERNEL, never a PTRACE_EVENT_STOP code
  let sig = yield* k.fn.ptrace_stop(k, ctx, signr, CLD_TRAPPED, 0, 0); // 2604
  if (!sig) return 0; // 2607-2608
  // 2614-2626: a changed signal gets a new siginfo (not modelled)
  const blocked: number = yield load(me.blocked, r(2629, F), 'if (sigismember(&current->blocked, signr) ||');
  if (blocked & sigmask(sig) || (yield* k.fn.fatal_signal_pending(k, ctx, me))) {
    yield* k.fn.send_signal_locked(k, ctx, sig, me, PIDTYPE_PID); // 2631
    sig = 0; // 2632
  }
  return sig;
}

/**
 * do_notify_parent — signal.c:2058-2154 [tasklist_lock held]: the exit
 * report of a zombie to its parent (or tracer). Returns autoreap. The
 * exit_signal is always SIGCHLD (so WARN_ON_ONCE(sig == -1) has nothing to
 * test); siginfo contents are not modelled. The two warnings it does test
 * are the kernel's own statement of who may be reported: never a stopped or
 * traced task, and, untraced, only a leader whose group is empty.
 */
export function* do_notify_parent(k: LinuxKernel, ctx: TaskContext, tsk: LinuxTask): Program<boolean> {
  const F = 'do_notify_parent';
  yield WARN_ON(
    [tsk.jobctl],
    (m) => ((m[tsk.jobctl] as number) & (JOBCTL_STOPPED | JOBCTL_TRACED)) !== 0,
    'task_is_stopped_or_traced(tsk)',
    r(2069, F),
    () => `${tsk.name} is stopped or traced: do_notify_parent_cldstop should have been called instead`,
  );
  const others = k.otherThreads(tsk).reduce((mask, t) => mask | (1 << t.id), 0);
  yield WARN_ON(
    [tsk.ptrace, tsk.signal.thread_list],
    (m) => !m[tsk.ptrace] && (tsk.group_leader !== tsk.id || ((m[tsk.signal.thread_list] as number) & others) !== 0),
    '!tsk->ptrace && (tsk->group_leader != tsk || !thread_group_empty(tsk))',
    r(2071, F),
    () => `${tsk.name}, untraced, is reported while it is not a leader whose group is empty`,
  );
  const pid: number = yield load(tsk.parent, r(2120, F), 'psig = tsk->parent->sighand');
  if (pid < 0) return false; // a parent outside the model: it reaps later, nothing we model
  const parent = k.task(pid);
  const flags = yield* spin_lock_irqsave(parent.siglock, r(2121, F), `spin_lock_irqsave(&${parent.name}->sighand->siglock)`);
  const ptr: number = yield load(tsk.ptrace, r(2122, F), 'if (!tsk->ptrace && sig == SIGCHLD && SIGCHLD ignored)');
  const ignored = parent.actions[SIG.SIGCHLD] === 'ignore';
  const autoreap = !ptr && ignored; // 2122-2143 (SA_NOCLDWAIT is never set)
  if (!ignored) yield* k.fn.send_signal_locked(k, ctx, SIG.SIGCHLD, parent, PIDTYPE_TGID); // 2148-2149
  yield* k.fn.__wake_up_sync_key(k, ctx, parent.signal.wait_chldexit, TASK_INTERRUPTIBLE, tsk); // 2150 __wake_up_parent(tsk, parent)
  yield* spin_unlock_irqrestore(parent.siglock, flags, r(2151, F));
  return autoreap;
}
