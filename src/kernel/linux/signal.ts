/**
 * kernel/signal.c (Linux 6.6.9): sending signals, the wakeups they cause,
 * job control (group stop, SIGCONT), and the signal-delivery loop.
 *
 * Abstracted: a thread group is one task, so every for_each_thread /
 * while_each_thread loop runs once and complete_signal's thread search is
 * "p or nobody"; siginfo and sigqueue allocation (a pending set is a
 * bitmask, so legacy_queue drops a duplicate, as for every non-RT signal);
 * real-time signals; coredumps (core_state is never set); the cgroup
 * freezer; pid namespaces and permission checks in the kill path;
 * SIGNAL_UNKILLABLE and global init; posix timers; signalfd; TIF_NOTIFY_SIGNAL.
 * sighand->action is configuration fixed when the model is built.
 *
 * ptrace: paths that branch on p->ptrace are written out (prepare_signal's
 * PT_SEIZED case, complete_signal's !p->ptrace test, do_signal_stop's
 * TRAP_STOP), and get_signal takes the ptrace-side functions
 * (ptrace_signal, do_jobctl_trap) are signal-ptrace.ts's, reached through k.fn.
 */
import { check, fence, load, nop, type Program, readLock, readUnlock, rmw, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG, sigmask, signalName, sigsetFormatter } from '../common/bits.ts';
import { plainRmw } from '../common/plain-rmw.ts';
import {
  __TASK_STOPPED,
  __TASK_TRACED,
  CLD_CONTINUED,
  CLD_STOPPED,
  JOBCTL_LISTENING,
  JOBCTL_PENDING_MASK,
  JOBCTL_PTRACE_FROZEN,
  JOBCTL_STOP_CONSUME,
  JOBCTL_STOP_DEQUEUED,
  JOBCTL_STOP_PENDING,
  JOBCTL_STOP_SIGMASK,
  JOBCTL_STOPPED,
  JOBCTL_TRACED,
  JOBCTL_TRAP_FREEZE,
  JOBCTL_TRAP_MASK,
  JOBCTL_TRAP_NOTIFY,
  JOBCTL_TRAP_STOP,
  JOBCTL_TRAPPING,
  PT_SEIZED,
  SIGNAL_CLD_CONTINUED,
  SIGNAL_CLD_MASK,
  SIGNAL_CLD_STOPPED,
  SIGNAL_GROUP_EXIT,
  SIGNAL_STOP_CONTINUED,
  SIGNAL_STOP_MASK,
  SIGNAL_STOP_STOPPED,
  TASK_INTERRUPTIBLE,
  TASK_STOPPED,
  TASK_WAKEKILL,
  TIF_SIGPENDING,
} from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { spin_lock_irq, spin_lock_irqsave, spin_unlock_irq, spin_unlock_irqrestore } from './locking.ts';
import type { LinuxTask } from './objects.ts';

const S = 'linux-6.6 kernel/signal.c';
const r = (line: number, fn: string) => `${S}:${line} ${fn}`;
const SS = 'linux-6.6 include/linux/sched/signal.h';

/** enum pid_type: PIDTYPE_PID (thread-directed) or PIDTYPE_TGID (process-directed). */
export const PIDTYPE_PID = 0;
export const PIDTYPE_TGID = 1;

// include/linux/signal.h:380-410 — the kernel's signal classes
const SIG_KERNEL_STOP_MASK = sigmask(SIG.SIGSTOP) | sigmask(SIG.SIGTSTP) | sigmask(SIG.SIGTTIN) | sigmask(SIG.SIGTTOU);
const SIG_KERNEL_IGNORE_MASK =
  sigmask(SIG.SIGCONT) | sigmask(SIG.SIGCHLD) | sigmask(23 /* SIGURG */) | sigmask(28 /* SIGWINCH */);
const SIG_KERNEL_COREDUMP_MASK =
  sigmask(SIG.SIGQUIT) |
  sigmask(4) |
  sigmask(SIG.SIGTRAP) |
  sigmask(6) |
  sigmask(8) |
  sigmask(SIG.SIGSEGV) |
  sigmask(7) |
  sigmask(SIG.SIGSYS) |
  sigmask(24) |
  sigmask(25);
/** synchronous signals dequeue first (signal.c:205 SYNCHRONOUS_MASK) */
const SYNCHRONOUS_MASK = sigmask(SIG.SIGSEGV) | sigmask(7) | sigmask(4) | sigmask(SIG.SIGTRAP) | sigmask(8) | sigmask(SIG.SIGSYS);

export const sig_kernel_stop = (sig: number) => (SIG_KERNEL_STOP_MASK & sigmask(sig)) !== 0;
const sig_kernel_ignore = (sig: number) => (SIG_KERNEL_IGNORE_MASK & sigmask(sig)) !== 0;
const sig_kernel_coredump = (sig: number) => (SIG_KERNEL_COREDUMP_MASK & sigmask(sig)) !== 0;
const handlerOf = (p: LinuxTask, sig: number) =>
  sig === SIG.SIGKILL || sig === SIG.SIGSTOP ? 'default' : (p.actions[sig] ?? 'default');
/** sig_fatal (include/linux/signal.h:434): default action, and neither ignored nor stop by default. */
const sig_fatal = (p: LinuxTask, sig: number) =>
  !sig_kernel_ignore(sig) && !sig_kernel_stop(sig) && handlerOf(p, sig) === 'default';

// ---- TIF_SIGPENDING -----------------------------------------------------------

/** recalc_sigpending_tsk — signal.c:156-172 [siglock held]: set TIF_SIGPENDING if anything is pending; never clears it. */
export function* recalc_sigpending_tsk(_k: LinuxKernel, _ctx: TaskContext, t: LinuxTask): Program<boolean> {
  const F = 'recalc_sigpending_tsk';
  const jobctl: number = yield load(t.jobctl, r(158, F), 'if ((t->jobctl & (JOBCTL_PENDING_MASK | JOBCTL_TRAP_FREEZE)) ||');
  let pend = (jobctl & (JOBCTL_PENDING_MASK | JOBCTL_TRAP_FREEZE)) !== 0;
  if (!pend) {
    const blocked: number = yield load(t.blocked, r(160, F), 'PENDING(&t->pending, &t->blocked)');
    const own: number = yield load(t.pending, r(160, F), 'PENDING(&t->pending, &t->blocked)');
    pend = (own & ~blocked) !== 0;
    if (!pend) {
      const shared: number = yield load(t.signal.shared_pending, r(161, F), 'PENDING(&t->signal->shared_pending, &t->blocked)');
      pend = (shared & ~blocked) !== 0;
    }
  }
  if (!pend) return false;
  yield rmw(t.tif, (v) => v | TIF_SIGPENDING, r(164, F), 'set_tsk_thread_flag(t, TIF_SIGPENDING)');
  return true;
}

/** recalc_sigpending — signal.c:184-189 [siglock held]: clear TIF_SIGPENDING when nothing is pending. */
export function* recalc_sigpending(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  if (!(yield* k.fn.recalc_sigpending_tsk(k, ctx, me))) {
    yield rmw(me.tif, (v) => v & ~TIF_SIGPENDING, r(188, 'recalc_sigpending'), 'clear_thread_flag(TIF_SIGPENDING)');
  }
}

/**
 * recalc_sigpending_and_wake — signal.c:178-182: after t's blocked mask
 * changed, TIF_SIGPENDING again, and a wakeup so t sees it.
 */
export function* recalc_sigpending_and_wake(k: LinuxKernel, ctx: TaskContext, t: LinuxTask): Program<void> {
  if (yield* k.fn.recalc_sigpending_tsk(k, ctx, t)) yield* k.fn.signal_wake_up(k, ctx, t, false); // 180-181
}

// ---- the threads of a group ------------------------------------------------------

/**
 * for_each_thread(p, t) (`all`) or while_each_thread(p, t): the live
 * threads of p's group, in list order (the leader first; from the one after
 * p, round the list). The list is signal->thread_list, read under siglock
 * or tasklist_lock as the kernel walks it; a one-thread group reads nothing.
 */
export function* thread_walk(k: LinuxKernel, _ctx: TaskContext, p: LinuxTask, all: boolean, ref: string): Program<LinuxTask[]> {
  const group = k.threads(p);
  if (group.length === 1) return all ? [p] : [];
  const live: number = yield load(p.signal.thread_list, ref, all ? 'for_each_thread(p, t)' : 'while_each_thread(p, t)');
  return (all ? group : k.otherThreads(p)).filter((t) => live & (1 << t.id));
}

/** thread_group_empty(p) — include/linux/sched/signal.h:724-727: no other live thread (a one-thread group reads nothing). */
export function* thread_group_empty(k: LinuxKernel, ctx: TaskContext, p: LinuxTask, ref: string): Program<boolean> {
  return (yield* k.fn.thread_walk(k, ctx, p, false, ref)).length === 0;
}

// ---- jobctl helpers [siglock held] ------------------------------------------

/** task_set_jobctl_pending — signal.c:286-300. */
export function* task_set_jobctl_pending(k: LinuxKernel, ctx: TaskContext, task: LinuxTask, mask: number): Program<boolean> {
  const F = 'task_set_jobctl_pending';
  // 292: fatal_signal_pending(task) || (task->flags & PF_EXITING); PF_EXITING is set by exit_signals, not modelled
  if (yield* k.fn.fatal_signal_pending(k, ctx, task)) return false;
  if (mask & JOBCTL_STOP_SIGMASK) {
    // a new stop signal replaces the old
    yield* plainRmw(task.jobctl, (j) => j & ~JOBCTL_STOP_SIGMASK, r(296, F), 'task->jobctl &= ~JOBCTL_STOP_SIGMASK');
  }
  yield* plainRmw(task.jobctl, (j) => j | mask, r(298, F), 'task->jobctl |= mask');
  return true;
}

/**
 * task_clear_jobctl_trapping — signal.c:314-321: clear TRAPPING and wake a
 * ptrace_attach waiting on the bit (wait_on_bit).
 */
export function* task_clear_jobctl_trapping(k: LinuxKernel, ctx: TaskContext, task: LinuxTask): Program<void> {
  const F = 'task_clear_jobctl_trapping';
  const j: number = yield load(task.jobctl, r(316, F), 'if (unlikely(task->jobctl & JOBCTL_TRAPPING))');
  if (!(j & JOBCTL_TRAPPING)) return;
  yield* plainRmw(task.jobctl, (v) => v & ~JOBCTL_TRAPPING, r(317, F), 'task->jobctl &= ~JOBCTL_TRAPPING');
  yield fence(r(318, F), 'smp_mb(); /* advised by wake_up_bit() */');
  yield* k.fn.wake_up_bit(k, ctx, task.jobctl, JOBCTL_TRAPPING); // 319
}

/** task_clear_jobctl_pending — signal.c:338-349. */
export function* task_clear_jobctl_pending(k: LinuxKernel, ctx: TaskContext, task: LinuxTask, mask: number): Program<void> {
  const F = 'task_clear_jobctl_pending';
  const m = mask & JOBCTL_STOP_PENDING ? mask | JOBCTL_STOP_CONSUME | JOBCTL_STOP_DEQUEUED : mask; // 342-343
  const old: number = yield* plainRmw(task.jobctl, (j) => j & ~m, r(345, F), 'task->jobctl &= ~mask');
  if (!(old & ~m & JOBCTL_PENDING_MASK)) yield* k.fn.task_clear_jobctl_trapping(k, ctx, task); // 347-348
}

/** task_participate_group_stop — signal.c:367-391: consume this task's share of a group stop; true when the stop completes. */
export function* task_participate_group_stop(k: LinuxKernel, ctx: TaskContext, task: LinuxTask): Program<boolean> {
  const F = 'task_participate_group_stop';
  const j: number = yield load(task.jobctl, r(370, F), 'consume = task->jobctl & JOBCTL_STOP_CONSUME');
  yield* k.fn.task_clear_jobctl_pending(k, ctx, task, JOBCTL_STOP_PENDING); // 374
  if (!(j & JOBCTL_STOP_CONSUME)) return false;
  const sig = task.signal;
  const n: number = yield* plainRmw(sig.group_stop_count, (c) => c - 1, r(380, F), 'sig->group_stop_count--');
  if (n - 1 === 0) {
    const flags: number = yield load(sig.flags, r(386, F), '!(sig->flags & SIGNAL_STOP_STOPPED)');
    if (!(flags & SIGNAL_STOP_STOPPED)) {
      yield* k.fn.signal_set_stop_flags(k, ctx, task, SIGNAL_STOP_STOPPED, r(387, F));
      return true;
    }
  }
  return false;
}

/** signal_set_stop_flags — include/linux/sched/signal.h:269-273: replace the stop flags. */
export function* signal_set_stop_flags(
  _k: LinuxKernel,
  _ctx: TaskContext,
  t: LinuxTask,
  flags: number,
  from: string,
): Program<void> {
  yield* plainRmw(
    t.signal.flags,
    (f) => (f & ~SIGNAL_STOP_MASK) | flags,
    `${SS}:272 signal_set_stop_flags`,
    `sig->flags = (sig->flags & ~SIGNAL_STOP_MASK) | flags (from ${from})`,
  );
}

// ---- wakeups ------------------------------------------------------------------

/** signal_wake_up_state — signal.c:769-784 [t's siglock held]. */
export function* signal_wake_up_state(k: LinuxKernel, ctx: TaskContext, t: LinuxTask, state: number): Program<void> {
  const F = 'signal_wake_up_state';
  yield rmw(t.tif, (v) => v | TIF_SIGPENDING, r(773, F), `set_tsk_thread_flag(${t.name}, TIF_SIGPENDING)`);
  if (!(yield* k.fn.wake_up_state(k, ctx, t, state | TASK_INTERRUPTIBLE))) yield* k.fn.kick_process(k, ctx, t); // 782-783
}

/** signal_wake_up — include/linux/sched/signal.h:450-457. */
export function* signal_wake_up(k: LinuxKernel, ctx: TaskContext, t: LinuxTask, fatal: boolean): Program<void> {
  let state = 0;
  if (fatal) {
    const j: number = yield load(t.jobctl, `${SS}:453 signal_wake_up`, 'if (fatal && !(t->jobctl & JOBCTL_PTRACE_FROZEN))');
    if (!(j & JOBCTL_PTRACE_FROZEN)) {
      yield* plainRmw(
        t.jobctl,
        (v) => v & ~(JOBCTL_STOPPED | JOBCTL_TRACED),
        `${SS}:454 signal_wake_up`,
        't->jobctl &= ~(JOBCTL_STOPPED | JOBCTL_TRACED)',
      );
      state = TASK_WAKEKILL | __TASK_TRACED;
    }
  }
  yield* k.fn.signal_wake_up_state(k, ctx, t, state);
}

/** ptrace_signal_wake_up — include/linux/sched/signal.h:459-466. */
export function* ptrace_signal_wake_up(k: LinuxKernel, ctx: TaskContext, t: LinuxTask, resume: boolean): Program<void> {
  let state = 0;
  if (resume) {
    yield* plainRmw(t.jobctl, (v) => v & ~JOBCTL_TRACED, `${SS}:462 ptrace_signal_wake_up`, 't->jobctl &= ~JOBCTL_TRACED');
    state = __TASK_TRACED;
  }
  yield* k.fn.signal_wake_up_state(k, ctx, t, state);
}

/** ptrace_trap_notify — signal.c:893-900 [siglock held]: a SEIZEd tracee traps to report a job-control event. */
export function* ptrace_trap_notify(k: LinuxKernel, ctx: TaskContext, t: LinuxTask): Program<void> {
  yield* k.fn.task_set_jobctl_pending(k, ctx, t, JOBCTL_TRAP_NOTIFY); // 898
  const j: number = yield load(t.jobctl, r(899, 'ptrace_trap_notify'), 'ptrace_signal_wake_up(t, t->jobctl & JOBCTL_LISTENING)');
  yield* k.fn.ptrace_signal_wake_up(k, ctx, t, (j & JOBCTL_LISTENING) !== 0);
}

// ---- sending ------------------------------------------------------------------

/** prepare_signal — signal.c:912-977 [p's siglock held]: job-control side effects; false when the signal is ignored. */
export function* prepare_signal(k: LinuxKernel, ctx: TaskContext, sig: number, p: LinuxTask, _force: boolean): Program<boolean> {
  const F = 'prepare_signal';
  const signal = p.signal;
  const flags: number = yield load(signal.flags, r(918, F), 'if (signal->flags & SIGNAL_GROUP_EXIT)');
  if (flags & SIGNAL_GROUP_EXIT) return false; // 919-924: no coredump in progress (core_state never set)
  if (sig_kernel_stop(sig)) {
    const cont = sigmask(SIG.SIGCONT);
    yield* flush_sigqueue_mask(signal.shared_pending, cont, r(930, F), 'SIGCONT, &signal->shared_pending');
    for (const t of yield* k.fn.thread_walk(k, ctx, p, true, r(931, F))) {
      yield* flush_sigqueue_mask(t.pending, cont, r(932, F), 'SIGCONT, &t->pending');
    }
  } else if (sig === SIG.SIGCONT) {
    yield* flush_sigqueue_mask(
      signal.shared_pending,
      SIG_KERNEL_STOP_MASK,
      r(939, F),
      'SIG_KERNEL_STOP_MASK, &signal->shared_pending',
    );
    for (const t of yield* k.fn.thread_walk(k, ctx, p, true, r(940, F))) {
      yield* flush_sigqueue_mask(t.pending, SIG_KERNEL_STOP_MASK, r(941, F), 'SIG_KERNEL_STOP_MASK, &t->pending');
      yield* k.fn.task_clear_jobctl_pending(k, ctx, t, JOBCTL_STOP_PENDING); // 942
      const pt: number = yield load(t.ptrace, r(943, F), 'if (likely(!(t->ptrace & PT_SEIZED)))');
      if (!(pt & PT_SEIZED)) {
        yield* k.fn.sigcont_end_stop(k, ctx, t); // 944-945
      } else {
        yield* k.fn.ptrace_trap_notify(k, ctx, t); // 947
      }
    }
    const f2: number = yield load(signal.flags, r(959, F), 'if (signal->flags & SIGNAL_STOP_STOPPED)');
    let why = 0;
    if (f2 & SIGNAL_STOP_STOPPED) why = SIGNAL_CLD_CONTINUED;
    else if ((yield load(signal.group_stop_count, r(961, F), 'else if (signal->group_stop_count)')) !== 0)
      why = SIGNAL_CLD_STOPPED;
    if (why) {
      // ghost: the continue this SIGCONT owes the parent (a scenario that asked for it, k.watchContinue)
      const owed = k.continueGhost(signal);
      if (owed !== null) ctx.ghost.set(owed, why);
      yield* k.fn.signal_set_stop_flags(k, ctx, p, why | SIGNAL_STOP_CONTINUED, r(970, F));
      yield store(signal.group_stop_count, 0, r(971, F), 'signal->group_stop_count = 0');
      yield store(signal.group_exit_code, 0, r(972, F), 'signal->group_exit_code = 0');
    }
  }
  // 976: return !sig_ignored(p, sig, force) — signal.c:103-122
  const blocked: number = yield load(p.blocked, r(110, 'sig_ignored'), 'if (sigismember(&t->blocked, sig)) return false');
  if (blocked & sigmask(sig)) return true;
  const pt: number = yield load(p.ptrace, r(118, 'sig_ignored'), 'if (t->ptrace && sig != SIGKILL) return false');
  if (pt && sig !== SIG.SIGKILL) return true;
  const h = handlerOf(p, sig); // sig_task_ignored → sig_handler_ignored (signal.c:66-79)
  return !(h === 'ignore' || (h === 'default' && sig_kernel_ignore(sig)));
}

/**
 * flush_sigqueue_mask — signal.c:709-724, called at `ref`: the pending set
 * is read (sigandsets, sigisemptyset) and written back without the mask's
 * signals (sigandnsets) only when it holds one of them; two plain accesses.
 * The queue of siginfo entries is not modelled (the set is).
 */
function* flush_sigqueue_mask(pending: number, mask: number, ref: string, args: string): Program<void> {
  const s: number = yield load(
    pending,
    ref,
    `flush_sigqueue_mask(${args}): sigandsets(&m, mask, &s->signal); if (sigisemptyset(&m)) return`,
  );
  if (!(s & mask)) return;
  yield store(pending, s & ~mask, ref, `flush_sigqueue_mask(${args}): sigandnsets(&s->signal, &s->signal, mask)`);
}

/** prepare_signal:944-945 — SIGCONT ends the stop of a thread that is not SEIZEd. */
export function* sigcont_end_stop(k: LinuxKernel, ctx: TaskContext, t: LinuxTask): Program<void> {
  yield* plainRmw(t.jobctl, (j) => j & ~JOBCTL_STOPPED, r(944, 'prepare_signal'), 't->jobctl &= ~JOBCTL_STOPPED');
  yield* k.fn.wake_up_state(k, ctx, t, __TASK_STOPPED); // 945
}

/** wants_signal — signal.c:987-1002. */
export function* wants_signal(k: LinuxKernel, _ctx: TaskContext, sig: number, p: LinuxTask): Program<boolean> {
  const F = 'wants_signal';
  const blocked: number = yield load(p.blocked, r(989, F), 'if (sigismember(&p->blocked, sig))');
  if (blocked & sigmask(sig)) return false;
  if (sig === SIG.SIGKILL) return true; // 992 PF_EXITING not modelled; 995
  const j: number = yield load(p.jobctl, r(998, F), 'if (task_is_stopped_or_traced(p))');
  if (j & (JOBCTL_STOPPED | JOBCTL_TRACED)) return false;
  const cpu: number = yield load(p.cpu, r(1001, F), 'task_curr(p): task_cpu(p)');
  const curr: number = yield load(k.rq(cpu).curr, r(1001, F), 'task_curr(p): cpu_curr(cpu) == p');
  if (curr === p.id) return true;
  const tif: number = yield load(p.tif, r(1001, F), '!task_sigpending(p)');
  return !(tif & TIF_SIGPENDING);
}

/** complete_signal — signal.c:1004-1077 [p's siglock held]: pick the thread to wake, and wake it. */
export function* complete_signal(k: LinuxKernel, ctx: TaskContext, sig: number, p: LinuxTask, type = PIDTYPE_PID): Program<void> {
  const F = 'complete_signal';
  const signal = p.signal;
  let t = p;
  if (!(yield* k.fn.wants_signal(k, ctx, sig, p))) {
    if (type === PIDTYPE_PID || k.threads(p).length === 1) return; // 1016-1021 (thread_group_empty: a one-thread group, fixed here)
    // 1026-1037: find a thread that wants it, from signal->curr_target round the list
    const first = k.task(yield load(signal.curr_target, r(1026, F), 't = signal->curr_target'));
    const ring = yield* k.fn.thread_walk(k, ctx, first, false, r(1028, F));
    t = first;
    let i = 0;
    while (!(yield* k.fn.wants_signal(k, ctx, sig, t))) {
      const next = ring[i++];
      if (next === undefined) return; // 1029-1035: back at curr_target
      t = next;
    }
    yield store(signal.curr_target, t.id, r(1037, F), `signal->curr_target = ${t.name}`);
  }
  if (sig_fatal(p, sig)) {
    const flags: number = yield load(signal.flags, r(1045, F), '(signal->core_state || !(signal->flags & SIGNAL_GROUP_EXIT))');
    const pt: number = flags & SIGNAL_GROUP_EXIT ? 0 : yield load(p.ptrace, r(1047, F), '(sig == SIGKILL || !p->ptrace)');
    // 1046 real_blocked is only set by rt_sigtimedwait, which no model uses
    if (!(flags & SIGNAL_GROUP_EXIT) && (sig === SIG.SIGKILL || !pt) && !sig_kernel_coredump(sig)) {
      yield store(signal.flags, SIGNAL_GROUP_EXIT, r(1058, F), 'signal->flags = SIGNAL_GROUP_EXIT');
      yield store(signal.group_exit_code, sig, r(1059, F), 'signal->group_exit_code = sig');
      yield store(signal.group_stop_count, 0, r(1060, F), 'signal->group_stop_count = 0');
      // 1061-1066: t = p; do { … } while_each_thread(p, t)
      for (const u of [p, ...(yield* k.fn.thread_walk(k, ctx, p, false, r(1066, F)))]) {
        yield* k.fn.task_clear_jobctl_pending(k, ctx, u, JOBCTL_PENDING_MASK); // 1063
        yield* plainRmw(u.pending, (s) => s | sigmask(SIG.SIGKILL), r(1064, F), 'sigaddset(&t->pending.signal, SIGKILL)');
        yield* k.fn.signal_wake_up(k, ctx, u, true); // 1065
      }
      return;
    }
  }
  yield* k.fn.signal_wake_up(k, ctx, t, sig === SIG.SIGKILL); // 1075
}

/**
 * zap_other_threads — signal.c:1378-1399 [siglock held]: SIGKILL to every
 * other live thread of p's group; returns how many there were.
 */
export function* zap_other_threads(k: LinuxKernel, ctx: TaskContext, p: LinuxTask): Program<number> {
  const F = 'zap_other_threads';
  yield store(p.signal.group_stop_count, 0, r(1383, F), 'p->signal->group_stop_count = 0');
  let count = 0;
  for (const t of yield* k.fn.thread_walk(k, ctx, p, false, r(1385, F))) {
    yield* k.fn.task_clear_jobctl_pending(k, ctx, t, JOBCTL_PENDING_MASK); // 1386
    count++; // 1388-1389
    const es: number = yield load(t.exit_state, r(1392, F), 'if (t->exit_state) continue');
    if (es) continue;
    yield* plainRmw(t.pending, (s) => s | sigmask(SIG.SIGKILL), r(1394, F), 'sigaddset(&t->pending.signal, SIGKILL)');
    yield* k.fn.signal_wake_up(k, ctx, t, true); // 1395
  }
  return count;
}

/** __send_signal_locked — signal.c:1084-1199 [t's siglock held]. */
export function* __send_signal_locked(
  k: LinuxKernel,
  ctx: TaskContext,
  sig: number,
  t: LinuxTask,
  type: number,
  force: boolean,
): Program<void> {
  const F = '__send_signal_locked';
  yield check(
    'lock-discipline',
    [],
    (m) => (m[t.siglock] === 0 ? `${t.name}'s siglock is not held` : null),
    r(1092, F),
    'lockdep_assert_held(&t->sighand->siglock)',
  );
  if (!(yield* k.fn.prepare_signal(k, ctx, sig, t, force))) return; // 1095
  const pending = type !== PIDTYPE_PID ? t.signal.shared_pending : t.pending; // 1098
  const bit = sigmask(sig);
  const old: number = yield load(pending, r(1105, F), `if (legacy_queue(pending, ${signalName(sig)})) goto ret`);
  if (old & bit) return;
  yield* plainRmw(pending, (s) => s | bit, r(1179, F), `sigaddset(&pending->signal, ${signalName(sig)})`);
  yield* k.fn.complete_signal(k, ctx, sig, t, type); // 1195
}

/** send_signal_locked — signal.c:1206-1259 (kernel-internal sends are `force`; namespaces not modelled). */
export function send_signal_locked(k: LinuxKernel, ctx: TaskContext, sig: number, t: LinuxTask, type: number): Program<void> {
  return k.fn.__send_signal_locked(k, ctx, sig, t, type, false);
}

/**
 * do_send_sig_info — signal.c:1304-1316: lock_task_sighand (whose RCU retry
 * loop never retries here: sighand never changes), send, unlock.
 */
export function* do_send_sig_info(k: LinuxKernel, ctx: TaskContext, sig: number, p: LinuxTask, type: number): Program<void> {
  const flags = yield* spin_lock_irqsave(
    p.siglock,
    r(1419, '__lock_task_sighand'),
    `spin_lock_irqsave(&${p.name}->sighand->siglock)`,
  );
  yield* k.fn.send_signal_locked(k, ctx, sig, p, type); // 1311
  yield* spin_unlock_irqrestore(p.siglock, flags, r(1313, 'do_send_sig_info'), 'unlock_task_sighand');
}

/** enum sig_handler — signal.c:1318-1322: which handler a forced signal may reach. */
export const HANDLER_CURRENT = 0;
export const HANDLER_SIG_DFL = 1;
export const HANDLER_EXIT = 2;

/**
 * force_sig_info_to_task — signal.c:1335-1368: a signal the task cannot
 * ignore: under t's siglock it is unblocked and its action reset to SIG_DFL
 * (for HANDLER_SIG_DFL and HANDLER_EXIT always), then sent to t alone.
 * Since the siglock is taken first, a sender that holds it (a group exit
 * half done in complete_signal) finishes before the forced signal is sent —
 * and then prepare_signal drops it (SIGNAL_GROUP_EXIT).
 *
 * Abstracted: sighand->action is configuration fixed when the model is built
 * (see the header), so the reset to SIG_DFL (1349) is no step and a forced
 * signal whose action is not already SIG_DFL is not modelled; SA_IMMUTABLE
 * (1350-1351, HANDLER_EXIT) and SIGNAL_UNKILLABLE (1357-1363, with its read
 * of t->ptrace) are not modelled; the siginfo is not modelled.
 */
export function* force_sig_info_to_task(
  k: LinuxKernel,
  ctx: TaskContext,
  sig: number,
  t: LinuxTask,
  handler: number,
): Program<void> {
  const F = 'force_sig_info_to_task';
  const flags = yield* spin_lock_irqsave(t.siglock, r(1344, F), 'spin_lock_irqsave(&t->sighand->siglock, flags)');
  const h = handlerOf(t, sig); // 1345-1346 action = &t->sighand->action[sig-1]; ignored = (SIG_IGN)
  const set: number = yield load(t.blocked, r(1347, F), `blocked = sigismember(&t->blocked, ${signalName(sig)})`);
  const blocked = (set & sigmask(sig)) !== 0;
  if (blocked || h === 'ignore' || handler !== HANDLER_CURRENT) {
    if (h !== 'default')
      throw new Error(
        `${F}: ${t.name}'s action for ${signalName(sig)} would be reset to SIG_DFL: actions are fixed in the model`,
      );
    if (blocked) {
      yield* plainRmw(t.blocked, (b) => b & ~sigmask(sig), r(1353, F), `sigdelset(&t->blocked, ${signalName(sig)})`);
      yield* k.fn.recalc_sigpending_and_wake(k, ctx, t); // 1354
    }
  }
  yield* k.fn.send_signal_locked(k, ctx, sig, t, PIDTYPE_PID); // 1364 (si_code SI_KERNEL: force)
  yield* spin_unlock_irqrestore(t.siglock, flags, r(1365, F), 'spin_unlock_irqrestore(&t->sighand->siglock, flags)');
}

/** force_fatal_sig — signal.c:1681-1692: `sig` to current, SIG_DFL whatever its action (the siginfo is not modelled). */
export function force_fatal_sig(k: LinuxKernel, ctx: TaskContext, sig: number): Program<void> {
  return k.fn.force_sig_info_to_task(k, ctx, sig, k.current(ctx), HANDLER_SIG_DFL); // 1691
}

/** kill(2) of a process: kill_pid_info → group_send_sig_info (signal.c:1441, 1468) → do_send_sig_info(PIDTYPE_TGID). */
export function group_send_sig_info(k: LinuxKernel, ctx: TaskContext, sig: number, p: LinuxTask): Program<void> {
  return k.fn.do_send_sig_info(k, ctx, sig, p, PIDTYPE_TGID);
}

/** pause(2) — signal.c:4639-4646: sleep until a signal is pending (then return to user mode to take it). */
export function* sys_pause(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  while (!(yield* k.fn.signal_pending(k, ctx, me, 'sys_pause'))) {
    yield* k.fn.__set_current_state(k, ctx, TASK_INTERRUPTIBLE); // 4642
    yield* k.fn.schedule(k, ctx); // 4643
  }
}

// ---- the blocked mask -----------------------------------------------------------

/** SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK (include/uapi/asm-generic/signal-defs.h) */
export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;

/**
 * retarget_shared_pending — signal.c:2948-2973 [siglock held]: the shared
 * signals `which` that tsk now blocks go to other threads that do not
 * (signal_wake_up of one that has TIF_SIGPENDING clear).
 */
export function* retarget_shared_pending(k: LinuxKernel, ctx: TaskContext, tsk: LinuxTask, which: number): Program<void> {
  const F = 'retarget_shared_pending';
  const shared: number = yield load(
    tsk.signal.shared_pending,
    r(2953, F),
    'sigandsets(&retarget, &tsk->signal->shared_pending.signal, which)',
  );
  let retarget = shared & which;
  if (!retarget) return; // 2954-2955
  for (const t of yield* k.fn.thread_walk(k, ctx, tsk, false, r(2958, F))) {
    // 2959 PF_EXITING: not modelled
    const blocked: number = yield load(t.blocked, r(2962, F), 'if (!has_pending_signals(&retarget, &t->blocked))');
    if (!(retarget & ~blocked)) continue;
    retarget &= blocked; // 2965
    if (!(yield* k.fn.task_sigpending(k, ctx, t, F))) yield* k.fn.signal_wake_up(k, ctx, t, false); // 2967-2968
    if (!retarget) break; // 2970-2971
  }
}

/** __set_task_blocked — signal.c:3045-3055 [siglock held]. */
export function* __set_task_blocked(k: LinuxKernel, ctx: TaskContext, tsk: LinuxTask, newset: number): Program<void> {
  const F = '__set_task_blocked';
  if ((yield* k.fn.task_sigpending(k, ctx, tsk, F)) && !(yield* k.fn.thread_group_empty(k, ctx, tsk, r(3047, F)))) {
    const old: number = yield load(tsk.blocked, r(3050, F), 'sigandnsets(&newblocked, newset, &current->blocked)');
    yield* k.fn.retarget_shared_pending(k, ctx, tsk, newset & ~old); // 3051
  }
  yield store(tsk.blocked, newset, r(3053, F), `tsk->blocked = ${sigsetFormatter(newset)}`);
  yield* k.fn.recalc_sigpending(k, ctx); // 3054
}

/** __set_current_blocked — signal.c:3070-3084: nothing when the mask is unchanged (lockless: only current writes it). */
export function* __set_current_blocked(k: LinuxKernel, ctx: TaskContext, newset: number): Program<void> {
  const F = '__set_current_blocked';
  const me = k.current(ctx);
  const old: number = yield load(me.blocked, r(3078, F), 'if (sigequalsets(&tsk->blocked, newset)) return');
  if (old === newset) return;
  yield* spin_lock_irq(me.siglock, r(3081, F), 'spin_lock_irq(&tsk->sighand->siglock)');
  yield* k.fn.__set_task_blocked(k, ctx, me, newset); // 3082
  yield* spin_unlock_irq(me.siglock, r(3083, F), 'spin_unlock_irq(&tsk->sighand->siglock)');
}

/** set_current_blocked — signal.c:3064-3068: SIGKILL and SIGSTOP can never be blocked. */
export function set_current_blocked(k: LinuxKernel, ctx: TaskContext, newset: number): Program<void> {
  return k.fn.__set_current_blocked(k, ctx, newset & ~(sigmask(SIG.SIGKILL) | sigmask(SIG.SIGSTOP)));
}

/** sigprocmask — signal.c:3094-3119 (how: SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK; no oldset); 0. */
export function* sigprocmask(k: LinuxKernel, ctx: TaskContext, how: number, set: number): Program<number> {
  const F = 'sigprocmask';
  const me = k.current(ctx);
  let newset = set; // 3110-3112 SIG_SETMASK
  if (how !== SIG_SETMASK) {
    const cur: number = yield load(
      me.blocked,
      r(how === SIG_BLOCK ? 3105 : 3108, F),
      how === SIG_BLOCK ? 'sigorsets(&newset, &tsk->blocked, set)' : 'sigandnsets(&newset, &tsk->blocked, set)',
    );
    newset = how === SIG_BLOCK ? cur | set : cur & ~set;
  }
  yield* k.fn.__set_current_blocked(k, ctx, newset); // 3117
  return 0;
}

/** rt_sigprocmask(2) — signal.c:3177-3205: SIGKILL and SIGSTOP taken out of the new set (3192); returns the old mask. */
export function* sys_rt_sigprocmask(k: LinuxKernel, ctx: TaskContext, how: number, set: number): Program<number> {
  const me = k.current(ctx);
  const old: number = yield load(me.blocked, r(3187, 'rt_sigprocmask'), 'old_set = current->blocked');
  yield* k.fn.sigprocmask(k, ctx, how, set & ~(sigmask(SIG.SIGKILL) | sigmask(SIG.SIGSTOP))); // 3194
  return old;
}

// ---- dequeue -----------------------------------------------------------------

/** next_signal — signal.c:205-243: synchronous signals first, then the lowest number. */
function next_signal(pending: number, blocked: number): number {
  const x = pending & ~blocked;
  const pick = x & SYNCHRONOUS_MASK ? x & SYNCHRONOUS_MASK : x;
  if (pick === 0) return 0;
  return 32 - Math.clz32(pick & -pick);
}

/** dequeue_signal — signal.c:635-700 [siglock held]: from t->pending, then shared_pending; recalc; mark a dequeued stop signal. */
export function* dequeue_signal(k: LinuxKernel, ctx: TaskContext): Program<number> {
  const F = 'dequeue_signal';
  const me = k.current(ctx);
  const blocked: number = yield load(me.blocked, r(645, F), 'mask = &current->blocked');
  let signr = 0;
  for (const [cell, line] of [
    [me.pending, 645],
    [me.signal.shared_pending, 648],
  ] as const) {
    const set: number = yield load(cell, r(line, '__dequeue_signal'), 'sig = next_signal(pending, mask)');
    signr = next_signal(set, blocked);
    if (signr) {
      const bit = sigmask(signr);
      yield* plainRmw(cell, (s) => s & ~bit, r(line, 'collect_signal'), `sigdelset(&list->signal, ${signalName(signr)})`);
      break;
    }
  }
  yield* k.fn.recalc_sigpending(k, ctx); // 677
  if (signr && sig_kernel_stop(signr)) {
    yield* plainRmw(me.jobctl, (j) => j | JOBCTL_STOP_DEQUEUED, r(694, F), 'current->jobctl |= JOBCTL_STOP_DEQUEUED');
  }
  return signr;
}

// ---- notifying the parent ----------------------------------------------------

/**
 * do_notify_parent_cldstop — signal.c:2169-2225 [tasklist_lock held]:
 * SIGCHLD to the parent (dropped by prepare_signal when the parent ignores
 * it, the default) and a wakeup of its do_wait. A parent outside the model
 * gets nothing (no step).
 */
export function* do_notify_parent_cldstop(
  k: LinuxKernel,
  ctx: TaskContext,
  tsk: LinuxTask,
  forPtracer: boolean,
  why: number,
): Program<void> {
  const F = 'do_notify_parent_cldstop';
  const pid: number = yield load(
    forPtracer ? tsk.parent : tsk.real_parent,
    r(forPtracer ? 2179 : 2182, F),
    forPtracer ? 'parent = tsk->parent' : 'parent = tsk->real_parent',
  );
  if (pid < 0) return;
  const parent = k.task(pid);
  // 2202-2209: si_status from group_exit_code or exit_code; the siginfo is not modelled
  yield nop(
    r(2202, F),
    `info.si_code = ${why === CLD_STOPPED ? 'CLD_STOPPED' : why === CLD_CONTINUED ? 'CLD_CONTINUED' : 'CLD_TRAPPED'}`,
  );
  const flags = yield* spin_lock_irqsave(parent.siglock, r(2216, F), `spin_lock_irqsave(&${parent.name}->sighand->siglock)`);
  // 2217-2219: SA_NOCLDSTOP is never set; an ignored SIGCHLD is dropped by prepare_signal's sig_ignored
  if (handlerOf(parent, SIG.SIGCHLD) !== 'ignore') yield* k.fn.send_signal_locked(k, ctx, SIG.SIGCHLD, parent, PIDTYPE_TGID);
  yield* k.fn.__wake_up_sync_key(k, ctx, parent.signal.wait_chldexit, TASK_INTERRUPTIBLE, tsk); // 2223 __wake_up_parent(tsk, parent)
  yield* spin_unlock_irqrestore(parent.siglock, flags, r(2224, F));
}

// ---- group stop ----------------------------------------------------------------

/**
 * do_signal_stop — signal.c:2417-2520 [siglock held; released iff it
 * returns true]: the first thread to stop starts the group stop and sets
 * JOBCTL_STOP_PENDING on the others (2460-2475).
 */
export function* do_signal_stop(k: LinuxKernel, ctx: TaskContext, signr: number): Program<boolean> {
  const F = 'do_signal_stop';
  const me = k.current(ctx);
  const sig = me.signal;
  const j: number = yield load(me.jobctl, r(2422, F), 'if (!(current->jobctl & JOBCTL_STOP_PENDING))');
  if (!(j & JOBCTL_STOP_PENDING)) {
    const flags: number = yield load(sig.flags, r(2430, F), 'sig->flags & SIGNAL_GROUP_EXIT');
    // 2429-2432 (group_exec_task: no exec in the models)
    if (!(j & JOBCTL_STOP_DEQUEUED) || flags & SIGNAL_GROUP_EXIT) return false;
    if (!(flags & SIGNAL_STOP_STOPPED)) yield store(sig.group_exit_code, signr, r(2453, F), 'sig->group_exit_code = signr');
    yield store(sig.group_stop_count, 0, r(2455, F), 'sig->group_stop_count = 0');
    const gstop = JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME;
    if (yield* k.fn.task_set_jobctl_pending(k, ctx, me, signr | gstop)) {
      yield* plainRmw(sig.group_stop_count, (c) => c + 1, r(2458, F), 'sig->group_stop_count++');
    }
    for (const t of yield* k.fn.thread_walk(k, ctx, me, false, r(2461, F))) {
      // 2467-2474: every other thread that is not stopped yet stops too
      const tj: number = yield load(t.jobctl, r(2467, F), 'if (!task_is_stopped(t) &&');
      if (tj & JOBCTL_STOPPED || !(yield* k.fn.task_set_jobctl_pending(k, ctx, t, signr | gstop))) continue;
      yield* plainRmw(sig.group_stop_count, (c) => c + 1, r(2469, F), 'sig->group_stop_count++');
      const pt: number = yield load(t.ptrace, r(2470, F), 'if (likely(!(t->ptrace & PT_SEIZED)))');
      if (!(pt & PT_SEIZED))
        yield* k.fn.signal_wake_up(k, ctx, t, false); // 2471
      else yield* k.fn.ptrace_trap_notify(k, ctx, t); // 2473
    }
  }
  const pt: number = yield load(me.ptrace, r(2478, F), 'if (likely(!current->ptrace))');
  if (pt) {
    yield* k.fn.task_set_jobctl_pending(k, ctx, me, JOBCTL_TRAP_STOP); // 2517
    return false;
  }
  const notify = (yield* k.fn.task_participate_group_stop(k, ctx, me)) ? CLD_STOPPED : 0; // 2486-2487
  yield* plainRmw(me.jobctl, (v) => v | JOBCTL_STOPPED, r(2489, F), 'current->jobctl |= JOBCTL_STOPPED');
  yield* k.fn.set_special_state(k, ctx, TASK_STOPPED); // 2490
  yield* spin_unlock_irq(me.siglock, r(2491, F), 'spin_unlock_irq(&current->sighand->siglock)');
  if (notify) {
    yield readLock(k.tasklist_lock, r(2503, F), 'read_lock(&tasklist_lock)');
    yield* k.fn.do_notify_parent_cldstop(k, ctx, me, false, notify);
    yield readUnlock(k.tasklist_lock, r(2505, F), 'read_unlock(&tasklist_lock)');
  }
  yield* k.fn.schedule(k, ctx); // 2510
  return true;
}

// ---- delivery --------------------------------------------------------------------

/**
 * get_signal — signal.c:2660-2903: returns the signal whose user handler
 * must run (0 when none). Fatal signals end in do_group_exit, which never
 * returns. Abstracted: uprobes, the freezer, cgroup freezing,
 * is_current_pgrp_orphaned (a process group is never orphaned here; the
 * siglock drop and retake around it are kept).
 */
export function* get_signal(k: LinuxKernel, ctx: TaskContext): Program<number> {
  const F = 'get_signal';
  const me = k.current(ctx);
  const sig = me.signal;
  yield* k.fn.clear_notify_signal(k, ctx); // 2666
  if (yield* k.fn.task_work_pending(k, ctx)) yield* k.fn.task_work_run(k, ctx); // 2667-2668
  if (!(yield* k.fn.task_sigpending(k, ctx, me, F))) return 0; // 2670-2671
  relock: for (;;) {
    yield* spin_lock_irq(me.siglock, r(2684, F), 'spin_lock_irq(&sighand->siglock)');
    const flags: number = yield load(sig.flags, r(2691, F), 'if (unlikely(signal->flags & SIGNAL_CLD_MASK))');
    if (flags & SIGNAL_CLD_MASK) {
      const why = flags & SIGNAL_CLD_CONTINUED ? CLD_CONTINUED : CLD_STOPPED; // 2694-2697
      yield* plainRmw(sig.flags, (f) => f & ~SIGNAL_CLD_MASK, r(2699, F), 'signal->flags &= ~SIGNAL_CLD_MASK');
      yield* spin_unlock_irq(me.siglock, r(2701, F));
      yield readLock(k.tasklist_lock, r(2711, F), 'read_lock(&tasklist_lock)');
      yield* k.fn.do_notify_parent_cldstop(k, ctx, me, false, why); // 2712
      // 2714-2716: ptrace_reparented(current->group_leader) needs a ptrace model; never true here
      yield readUnlock(k.tasklist_lock, r(2717, F), 'read_unlock(&tasklist_lock)');
      continue;
    }
    for (;;) {
      const f: number = yield load(sig.flags, r(2727, F), 'if ((signal->flags & SIGNAL_GROUP_EXIT) ||');
      // 2728: a one-thread group never has a group_exec_task (de_thread sets it only with other threads)
      const exec = !(f & SIGNAL_GROUP_EXIT) && k.threads(me).length > 1;
      if (f & SIGNAL_GROUP_EXIT || (exec && (yield load(sig.group_exec_task, r(2728, F), 'signal->group_exec_task)')) >= 0)) {
        const kill = sigmask(SIG.SIGKILL);
        yield* plainRmw(me.pending, (s) => s & ~kill, r(2731, F), 'sigdelset(&current->pending.signal, SIGKILL)');
        yield* k.fn.recalc_sigpending(k, ctx); // 2734
        yield* spin_unlock_irq(me.siglock, r(2857, F), 'fatal: spin_unlock_irq(&sighand->siglock)');
        yield* k.fn.do_group_exit(k, ctx, SIG.SIGKILL); // 2892
        return 0;
      }
      const j: number = yield load(
        me.jobctl,
        r(2738, F),
        'if (unlikely(current->jobctl & JOBCTL_STOP_PENDING) && do_signal_stop(0))',
      );
      if (j & JOBCTL_STOP_PENDING && (yield* k.fn.do_signal_stop(k, ctx, 0))) continue relock;
      const j2: number = yield load(
        me.jobctl,
        r(2742, F),
        'if (unlikely(current->jobctl & (JOBCTL_TRAP_MASK | JOBCTL_TRAP_FREEZE)))',
      );
      if (j2 & (JOBCTL_TRAP_MASK | JOBCTL_TRAP_FREEZE)) {
        if (j2 & JOBCTL_TRAP_MASK) {
          yield* k.fn.do_jobctl_trap(k, ctx); // 2745
          yield* spin_unlock_irq(me.siglock, r(2746, F));
        } else {
          // 2747-2748 do_freezer_trap: the freezer is not modelled
          yield* spin_unlock_irq(me.siglock, r(2748, F), 'do_freezer_trap unlocks');
        }
        continue relock;
      }
      let signr: number = yield* k.fn.dequeue_signal(k, ctx); // 2769-2773
      if (!signr) break; // 2775-2776
      if (signr !== SIG.SIGKILL) {
        const pt: number = yield load(me.ptrace, r(2778, F), 'if (unlikely(current->ptrace) && signr != SIGKILL)');
        if (pt) {
          signr = yield* k.fn.ptrace_signal(k, ctx, signr); // 2780
          if (!signr) continue;
        }
      }
      const h = handlerOf(me, signr); // 2785 ka = &sighand->action[signr-1]
      if (h === 'ignore') continue; // 2790-2791
      if (h === 'handler') {
        yield* spin_unlock_irq(me.siglock, r(2895, F), 'spin_unlock_irq(&sighand->siglock)');
        return signr; // 2792-2800
      }
      if (sig_kernel_ignore(signr)) continue; // 2805-2806
      if (sig_kernel_stop(signr)) {
        if (signr !== SIG.SIGSTOP) {
          // 2833-2842: is_current_pgrp_orphaned() under tasklist_lock, with siglock dropped
          yield* spin_unlock_irq(me.siglock, r(2834, F));
          yield readLock(k.tasklist_lock, 'linux-6.6 kernel/exit.c:349 is_current_pgrp_orphaned', 'read_lock(&tasklist_lock)');
          yield readUnlock(
            k.tasklist_lock,
            'linux-6.6 kernel/exit.c:351 is_current_pgrp_orphaned',
            'read_unlock(&tasklist_lock)',
          );
          yield* spin_lock_irq(me.siglock, r(2841, F));
        }
        if (yield* k.fn.do_signal_stop(k, ctx, signr)) continue relock; // 2844-2846
        continue;
      }
      // fatal: 2857 unlock; coredumps not modelled; 2892 do_group_exit
      yield* spin_unlock_irq(me.siglock, r(2857, F), 'fatal: spin_unlock_irq(&sighand->siglock)');
      yield* k.fn.do_group_exit(k, ctx, signr);
      return 0;
    }
    yield* spin_unlock_irq(me.siglock, r(2895, F), 'spin_unlock_irq(&sighand->siglock)');
    return 0;
  }
}
