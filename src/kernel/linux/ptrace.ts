/**
 * kernel/ptrace.c (Linux 6.6.9): linking and unlinking a tracee, the
 * freeze of a stopped tracee around a request, resume, INTERRUPT/LISTEN,
 * detach, the tracer's exit, and the sys_ptrace dispatch. Line numbers are
 * 6.6.9's.
 *
 * Abstracted: permission and security checks (always allowed), audit, the
 * proc connector, get/put_task_struct, ptracer_cred, arch single-step set-up
 * (one flag in `syscall_work`), PTRACE_O options other than EXITKILL, and
 * PF_EXITING (never set: exit_signals is not modelled). wait_on_bit is a
 * sleep the model abstracts as a blocking wait (see ptrace_attach).
 */
import { check, load, type Program, readLock, readUnlock, rmw, spinLock, spinUnlock, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG } from '../common/bits.ts';
import { writeLockIrq, writeUnlockIrq } from '../common/locks.ts';
import { plainRmw } from '../common/plain-rmw.ts';
import {
  __TASK_STOPPED,
  __TASK_TRACED,
  EXIT_DEAD,
  EXIT_ZOMBIE,
  JOBCTL_LISTENING,
  JOBCTL_PTRACE_FROZEN,
  JOBCTL_STOP_PENDING,
  JOBCTL_STOP_SIGMASK,
  JOBCTL_STOPPED,
  JOBCTL_TRACED,
  JOBCTL_TRAP_MASK,
  JOBCTL_TRAP_NOTIFY,
  JOBCTL_TRAP_STOP,
  JOBCTL_TRAPPING,
  PT_PTRACED,
  PT_SEIZED,
  SIGNAL_STOP_STOPPED,
  TASK_KILLABLE,
} from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { spin_lock_irq, spin_lock_irqsave, spin_unlock_irq, spin_unlock_irqrestore } from './locking.ts';
import type { LinuxTask } from './objects.ts';
import { PT_EXITKILL, PT_OPT_FLAG_SHIFT, PTRACE_EVENT_STOP, ptraceState, SYSCALL_TRACE, TIF_SINGLESTEP } from './ptrace-state.ts';
import { PIDTYPE_PID } from './signal.ts';
import { siginfoCode } from './signal-ptrace.ts';

const P = 'linux-6.6 kernel/ptrace.c';
const r = (line: number, fn: string) => `${P}:${line} ${fn}`;

/** include/uapi/linux/ptrace.h request numbers */
export const PTRACE = {
  TRACEME: 0,
  PEEKDATA: 2,
  CONT: 7,
  KILL: 8,
  SINGLESTEP: 9,
  ATTACH: 16,
  DETACH: 17,
  SYSCALL: 24,
  SEIZE: 0x4206,
  INTERRUPT: 0x4207,
  LISTEN: 0x4208,
} as const;

export const EPERM = 1;
export const ESRCH = 3;
export const EIO = 5;
/** -ERESTARTNOINTR (include/linux/errno.h) */
export const ERESTARTNOINTR = 513;

// ---- links ------------------------------------------------------------------

/** __ptrace_link — ptrace.c:69-76 [tasklist_lock write-held]: add child to new_parent->ptraced, child->parent = new_parent. */
export function* __ptrace_link(k: LinuxKernel, _ctx: TaskContext, child: LinuxTask, newParent: LinuxTask): Program<void> {
  const bit = 1 << child.id;
  const pc = ptraceState(k).of(newParent);
  yield rmw(
    pc.ptraced,
    (l) => l | bit,
    r(73, '__ptrace_link'),
    `list_add(&${child.name}->ptrace_entry, &${newParent.name}->ptraced)`,
  );
  yield store(child.parent, newParent.id, r(74, '__ptrace_link'), `child->parent = ${newParent.name}`);
}

/**
 * __ptrace_unlink — ptrace.c:117-172 [tasklist_lock write-held]. The
 * tracee is woken (ptrace_signal_wake_up, resume = true) if it is traced
 * or has a group stop to re-enter; JOBCTL_PTRACE_FROZEN is left for the
 * tracee to clear in ptrace_stop.
 */
export function* __ptrace_unlink(k: LinuxKernel, ctx: TaskContext, child: LinuxTask): Program<void> {
  const F = '__ptrace_unlink';
  const pt = ptraceState(k);
  yield rmw(pt.of(child).syscall_work, (w) => w & ~SYSCALL_TRACE, r(122, F), 'clear_task_syscall_work(child, SYSCALL_TRACE)');
  const rp: number = yield load(child.real_parent, r(127, F), 'child->real_parent');
  const tracer: number = yield load(child.parent, r(128, F), 'list_del_init(&child->ptrace_entry): the tracer');
  yield store(child.parent, rp, r(127, F), 'child->parent = child->real_parent');
  if (tracer >= 0) {
    const bit = 1 << child.id;
    yield rmw(pt.of(k.task(tracer)).ptraced, (l) => l & ~bit, r(128, F), 'list_del_init(&child->ptrace_entry)');
  }
  yield spinLock(child.siglock, r(133, F), `spin_lock(&${child.name}->sighand->siglock)`);
  yield store(child.ptrace, 0, r(134, F), 'child->ptrace = 0');
  yield* k.fn.task_clear_jobctl_pending(k, ctx, child, JOBCTL_TRAP_MASK); // 139
  yield* k.fn.task_clear_jobctl_trapping(k, ctx, child); // 140
  // 146-148: PF_EXITING is never set in the model
  const f: number = yield load(child.signal.flags, r(147, F), 'child->signal->flags & SIGNAL_STOP_STOPPED ||');
  const gsc: number =
    f & SIGNAL_STOP_STOPPED ? 0 : yield load(child.signal.group_stop_count, r(148, F), 'child->signal->group_stop_count');
  if (f & SIGNAL_STOP_STOPPED || gsc) {
    yield* plainRmw(child.jobctl, (v) => v | JOBCTL_STOP_PENDING, r(149, F), 'child->jobctl |= JOBCTL_STOP_PENDING');
    const j: number = yield load(child.jobctl, r(158, F), 'if (!(child->jobctl & JOBCTL_STOP_SIGMASK))');
    if (!(j & JOBCTL_STOP_SIGMASK)) yield* plainRmw(child.jobctl, (v) => v | SIG.SIGSTOP, r(159, F), 'child->jobctl |= SIGSTOP');
  }
  const j: number = yield load(child.jobctl, r(168, F), 'if (child->jobctl & JOBCTL_STOP_PENDING || task_is_traced(child))');
  if (j & (JOBCTL_STOP_PENDING | JOBCTL_TRACED)) yield* k.fn.ptrace_signal_wake_up(k, ctx, child, true); // 169
  yield spinUnlock(child.siglock, r(171, F), `spin_unlock(&${child.name}->sighand->siglock)`);
}

// ---- freeze -----------------------------------------------------------------

/** ptrace_freeze_traced — ptrace.c:195-212 [tasklist_lock read-held]. */
export function* ptrace_freeze_traced(k: LinuxKernel, ctx: TaskContext, task: LinuxTask): Program<boolean> {
  const F = 'ptrace_freeze_traced';
  const j: number = yield load(task.jobctl, r(200, F), 'if (task->jobctl & JOBCTL_LISTENING) (lockless)');
  if (j & JOBCTL_LISTENING) return false;
  let ret = false;
  yield* spin_lock_irq(task.siglock, r(203, F), `spin_lock_irq(&${task.name}->sighand->siglock)`);
  const j2: number = yield load(task.jobctl, r(204, F), 'if (task_is_traced(task) &&');
  if (j2 & JOBCTL_TRACED) {
    // looks_like_a_spurious_pid (174-187): only a fork/vfork/clone event stop can look like one; none is modelled
    yield load(task.exit_code, r(178, 'looks_like_a_spurious_pid'), '!looks_like_a_spurious_pid(task): task->exit_code >> 8');
    if (!(yield* k.fn.__fatal_signal_pending(k, ctx, task, F))) {
      yield* plainRmw(task.jobctl, (v) => v | JOBCTL_PTRACE_FROZEN, r(206, F), 'task->jobctl |= JOBCTL_PTRACE_FROZEN');
      ret = true;
    }
  }
  yield* spin_unlock_irq(task.siglock, r(209, F));
  return ret;
}

/** ptrace_unfreeze_traced — ptrace.c:214-231: a SIGKILL that came during the request wakes the tracee now. */
export function* ptrace_unfreeze_traced(k: LinuxKernel, ctx: TaskContext, task: LinuxTask): Program<void> {
  const F = 'ptrace_unfreeze_traced';
  // 223 lock_task_sighand: sighand outlives every model task
  const flags = yield* spin_lock_irqsave(task.siglock, r(223, F), 'lock_task_sighand');
  yield* plainRmw(task.jobctl, (v) => v & ~JOBCTL_PTRACE_FROZEN, r(224, F), 'task->jobctl &= ~JOBCTL_PTRACE_FROZEN');
  if (yield* k.fn.__fatal_signal_pending(k, ctx, task, F)) {
    yield* plainRmw(task.jobctl, (v) => v & ~JOBCTL_TRACED, r(226, F), 'task->jobctl &= ~JOBCTL_TRACED');
    yield* k.fn.wake_up_state(k, ctx, task, __TASK_TRACED); // 227
  }
  yield* spin_unlock_irqrestore(task.siglock, flags, r(229, F), 'unlock_task_sighand');
}

/** ptrace_check_attach — ptrace.c:250-277: is `child` our tracee, and (unless ignore_state) frozen in its stop? 0 or -ESRCH. */
export function* ptrace_check_attach(k: LinuxKernel, ctx: TaskContext, child: LinuxTask, ignoreState: boolean): Program<number> {
  const F = 'ptrace_check_attach';
  let ret = -ESRCH;
  yield readLock(k.tasklist_lock, r(261, F), 'read_lock(&tasklist_lock)');
  const ptr: number = yield load(child.ptrace, r(262, F), 'if (child->ptrace &&');
  if (ptr) {
    const par: number = yield load(child.parent, r(262, F), 'child->parent == current)');
    if (par === ctx.self && (ignoreState || (yield* k.fn.ptrace_freeze_traced(k, ctx, child)))) ret = 0; // 267-268
  }
  yield readUnlock(k.tasklist_lock, r(270, F), 'read_unlock(&tasklist_lock)');
  if (!ret && !ignoreState) {
    const ncsw = yield* k.fn.wait_task_inactive(k, ctx, child, __TASK_TRACED); // 273 (TASK_FROZEN: the freezer is not modelled)
    if (!ncsw) {
      yield check(
        'kernel-warn',
        [],
        () => `WARN_ON_ONCE: wait_task_inactive(${child.name}) failed`,
        r(273, F),
        'WARN_ON_ONCE(!wait_task_inactive())',
      );
      ret = -ESRCH;
    }
  }
  return ret;
}

// ---- attach -----------------------------------------------------------------

/** ptrace_traceme — ptrace.c:507-528. */
export function* ptrace_traceme(k: LinuxKernel, ctx: TaskContext): Program<number> {
  const F = 'ptrace_traceme';
  const me = k.current(ctx);
  let ret = -EPERM;
  yield* writeLockIrq(k.tasklist_lock, r(511, F), 'write_lock_irq(&tasklist_lock)');
  const ptr: number = yield load(me.ptrace, r(513, F), 'if (!current->ptrace)');
  if (!ptr) {
    ret = 0; // 514 security_ptrace_traceme: allowed
    const rp: number = yield load(me.real_parent, r(520, F), 'current->real_parent (PF_EXITING is never set)');
    if (rp >= 0) {
      yield store(me.ptrace, PT_PTRACED, r(521, F), 'current->ptrace = PT_PTRACED');
      yield* k.fn.__ptrace_link(k, ctx, me, k.task(rp)); // 522
    }
  }
  yield* writeUnlockIrq(k.tasklist_lock, r(525, F), 'write_unlock_irq(&tasklist_lock)');
  return ret;
}

/**
 * ptrace_attach — ptrace.c:389-499, for PTRACE_ATTACH and PTRACE_SEIZE
 * (`options`: PTRACE_O_* flags of SEIZE). At the end it sleeps in
 * wait_on_bit(&task->jobctl, JOBCTL_TRAPPING_BIT, TASK_KILLABLE) until the
 * tracee's trap clears the bit (task_clear_jobctl_trapping's wake_up_bit).
 */
export function* ptrace_attach(k: LinuxKernel, ctx: TaskContext, task: LinuxTask, seize: boolean, options = 0): Program<number> {
  const F = 'ptrace_attach';
  const me = k.current(ctx);
  const pt = ptraceState(k);
  const flags = seize ? PT_PTRACED | PT_SEIZED | (options << PT_OPT_FLAG_SHIFT) : PT_PTRACED; // 396-413
  if (k.sameThreadGroup(task, me)) return -EPERM; // 420-421
  const mutex = pt.of(task).cred_guard_mutex;
  if (yield* k.fn.mutex_lock_interruptible(k, ctx, mutex)) return -ERESTARTNOINTR; // 428-430
  // 432-434 task_lock; __ptrace_may_access: allowed
  let retval = -EPERM;
  yield* writeLockIrq(k.tasklist_lock, r(438, F), 'write_lock_irq(&tasklist_lock)');
  const es: number = yield load(task.exit_state, r(440, F), 'if (unlikely(task->exit_state))');
  const ptr: number = es ? 0 : yield load(task.ptrace, r(442, F), 'if (task->ptrace)');
  if (!es && !ptr) {
    yield store(task.ptrace, flags, r(445, F), 'task->ptrace = flags');
    yield* k.fn.__ptrace_link(k, ctx, task, me); // 447 ptrace_link
    if (!seize) yield* k.fn.do_send_sig_info(k, ctx, SIG.SIGSTOP, task, PIDTYPE_PID); // 451 send_sig_info(SIGSTOP, SEND_SIG_PRIV)
    yield spinLock(task.siglock, r(453, F), `spin_lock(&${task.name}->sighand->siglock)`);
    const j: number = yield load(task.jobctl, r(472, F), 'if (task_is_stopped(task) &&');
    if (j & JOBCTL_STOPPED && (yield* k.fn.task_set_jobctl_pending(k, ctx, task, JOBCTL_TRAP_STOP | JOBCTL_TRAPPING))) {
      yield* plainRmw(task.jobctl, (v) => v & ~JOBCTL_STOPPED, r(474, F), 'task->jobctl &= ~JOBCTL_STOPPED');
      yield* k.fn.signal_wake_up_state(k, ctx, task, __TASK_STOPPED); // 475
    }
    yield spinUnlock(task.siglock, r(478, F), `spin_unlock(&${task.name}->sighand->siglock)`);
    retval = 0; // 480
  }
  yield* writeUnlockIrq(k.tasklist_lock, r(482, F), 'write_unlock_irq(&tasklist_lock)');
  yield* k.fn.mutex_unlock(k, ctx, mutex); // 484
  if (!retval) yield* k.fn.wait_on_bit(k, ctx, task.jobctl, JOBCTL_TRAPPING, TASK_KILLABLE); // 494 (an -EINTR is ignored: 487-493)
  return retval;
}

// ---- resume, detach, exit -------------------------------------------------------

/**
 * ptrace_resume — ptrace.c:843-889 [child frozen by ptrace_check_attach].
 * (The order before b72c186999e6, exit_code stored before the siglock, is
 * in history.ts.)
 */
export function* ptrace_resume(
  k: LinuxKernel,
  ctx: TaskContext,
  child: LinuxTask,
  request: number,
  data: number,
): Program<number> {
  const F = 'ptrace_resume';
  const pc = ptraceState(k).of(child);
  if (data < 0 || data > 64) return -EIO; // 846-847 valid_signal
  yield* k.fn.ptrace_resume_flags(k, ctx, child, request);
  yield* spin_lock_irq(child.siglock, r(882, F), `spin_lock_irq(&${child.name}->sighand->siglock)`);
  yield store(child.exit_code, data, r(883, F), 'child->exit_code = data');
  ctx.ghost.set(pc.g_resumes, 1);
  ctx.ghost.set(pc.g_resume_sig, data);
  yield* plainRmw(child.jobctl, (v) => v & ~JOBCTL_TRACED, r(884, F), 'child->jobctl &= ~JOBCTL_TRACED');
  yield* k.fn.wake_up_state(k, ctx, child, __TASK_TRACED); // 885
  yield* spin_unlock_irq(child.siglock, r(886, F));
  return 0;
}

/**
 * ptrace_resume's set-up of the request — ptrace.c:848-871: syscall
 * tracing and single-stepping on or off. A model helper for the lines
 * every version of ptrace_resume shares.
 */
export function* ptrace_resume_flags(k: LinuxKernel, _ctx: TaskContext, child: LinuxTask, request: number): Program<void> {
  const F = 'ptrace_resume';
  const pc = ptraceState(k).of(child);
  const trace = request === PTRACE.SYSCALL;
  yield rmw(
    pc.syscall_work,
    (w) => (trace ? w | SYSCALL_TRACE : w & ~SYSCALL_TRACE),
    r(trace ? 850 : 852, F),
    trace ? 'set_task_syscall_work(child, SYSCALL_TRACE)' : 'clear_task_syscall_work(child, SYSCALL_TRACE)',
  );
  const step = request === PTRACE.SINGLESTEP;
  yield rmw(
    pc.syscall_work,
    (w) => (step ? w | TIF_SINGLESTEP : w & ~TIF_SINGLESTEP),
    r(step ? 868 : 870, F),
    step ? 'user_enable_single_step(child)' : 'user_disable_single_step(child)',
  );
}

/** __ptrace_detach — ptrace.c:558-581 [tasklist_lock write-held]: true when the zombie p is now dead (EXIT_DEAD). */
export function* __ptrace_detach(k: LinuxKernel, ctx: TaskContext, tracer: LinuxTask, p: LinuxTask): Program<boolean> {
  const F = '__ptrace_detach';
  yield* k.fn.__ptrace_unlink(k, ctx, p); // 562
  const es: number = yield load(p.exit_state, r(564, F), 'if (p->exit_state != EXIT_ZOMBIE)');
  if (es !== EXIT_ZOMBIE) return false;
  let dead = false; // 567: every model task is a group leader with an empty group
  const rp: number = yield load(p.real_parent, r(570, F), 'if (!same_thread_group(p->real_parent, tracer))');
  if (rp < 0 || !k.sameThreadGroup(k.task(rp), tracer)) {
    dead = yield* k.fn.do_notify_parent(k, ctx, p); // 571
  } else if (tracer.actions[SIG.SIGCHLD] === 'ignore') {
    // 572-575 ignoring_children: __wake_up_parent(p, tracer)
    dead = true;
  }
  if (dead) yield store(p.exit_state, EXIT_DEAD, r(579, F), 'p->exit_state = EXIT_DEAD');
  return dead;
}

/** ptrace_detach — ptrace.c:583-608. */
export function* ptrace_detach(k: LinuxKernel, ctx: TaskContext, child: LinuxTask, data: number): Program<number> {
  const F = 'ptrace_detach';
  const pc = ptraceState(k).of(child);
  if (data < 0 || data > 64) return -EIO; // 585-586
  // 589 ptrace_disable(child): arch single-step off
  yield rmw(pc.syscall_work, (w) => w & ~TIF_SINGLESTEP, r(589, F), 'ptrace_disable(child): user_disable_single_step');
  yield* writeLockIrq(k.tasklist_lock, r(591, F), 'write_lock_irq(&tasklist_lock)');
  yield check(
    'kernel-warn',
    [child.ptrace, child.exit_state],
    (m) => (!m[child.ptrace] || m[child.exit_state] ? `WARN_ON(!${child.name}->ptrace || ${child.name}->exit_state)` : null),
    r(596, F),
    'WARN_ON(!child->ptrace || child->exit_state)',
  );
  yield store(child.exit_code, data, r(601, F), 'child->exit_code = data');
  ctx.ghost.set(pc.g_resumes, 1);
  ctx.ghost.set(pc.g_resume_sig, data);
  yield* k.fn.__ptrace_detach(k, ctx, k.current(ctx), child); // 602
  yield* writeUnlockIrq(k.tasklist_lock, r(603, F), 'write_unlock_irq(&tasklist_lock)');
  return 0;
}

/**
 * exit_ptrace — ptrace.c:614-625 [tasklist_lock write-held, from
 * forget_original_parent]: untrace every tracee, killing those seized with
 * PTRACE_O_EXITKILL. A tracee that becomes EXIT_DEAD here is released by
 * the caller (release_task is not modelled).
 */
export function* exit_ptrace(k: LinuxKernel, ctx: TaskContext, tracer: LinuxTask): Program<void> {
  const F = 'exit_ptrace';
  const list: number = yield load(
    ptraceState(k).of(tracer).ptraced,
    r(618, F),
    'list_for_each_entry_safe(p, n, &tracer->ptraced, ptrace_entry)',
  );
  for (let id = 0; id < 31; id++) {
    if (!(list & (1 << id))) continue;
    const p = k.task(id);
    const ptr: number = yield load(p.ptrace, r(619, F), 'if (unlikely(p->ptrace & PT_EXITKILL))');
    if (ptr & PT_EXITKILL) yield* k.fn.do_send_sig_info(k, ctx, SIG.SIGKILL, p, PIDTYPE_PID); // 620
    yield* k.fn.__ptrace_detach(k, ctx, tracer, p); // 622
  }
}

// ---- requests ------------------------------------------------------------------

/** PTRACE_INTERRUPT — ptrace.c:1126-1151. */
export function* ptrace_interrupt(k: LinuxKernel, ctx: TaskContext, child: LinuxTask, seized: boolean): Program<number> {
  const F = 'ptrace_request';
  if (!seized) return -EIO; // 1137: only a SEIZEd tracee can be interrupted
  const flags = yield* spin_lock_irqsave(child.siglock, r(1137, F), 'lock_task_sighand(child)');
  if (yield* k.fn.task_set_jobctl_pending(k, ctx, child, JOBCTL_TRAP_STOP)) {
    const j: number = yield load(child.jobctl, r(1147, F), 'ptrace_signal_wake_up(child, child->jobctl & JOBCTL_LISTENING)');
    yield* k.fn.ptrace_signal_wake_up(k, ctx, child, (j & JOBCTL_LISTENING) !== 0);
  }
  yield* spin_unlock_irqrestore(child.siglock, flags, r(1149, F), 'unlock_task_sighand');
  return 0;
}

/** PTRACE_LISTEN — ptrace.c:1153-1177: only in a PTRACE_EVENT_STOP. */
export function* ptrace_listen(k: LinuxKernel, ctx: TaskContext, child: LinuxTask, seized: boolean): Program<number> {
  const F = 'ptrace_request';
  if (!seized) return -EIO; // 1154
  let ret = -EIO;
  const flags = yield* spin_lock_irqsave(child.siglock, r(1154, F), 'lock_task_sighand(child)');
  const si: number = yield load(ptraceState(k).of(child).last_siginfo, r(1157, F), 'si = child->last_siginfo');
  if (si === siginfoCode(PTRACE_EVENT_STOP << 8)) {
    yield* plainRmw(child.jobctl, (v) => v | JOBCTL_LISTENING, r(1159, F), 'child->jobctl |= JOBCTL_LISTENING');
    const j: number = yield load(child.jobctl, r(1164, F), 'if (child->jobctl & JOBCTL_TRAP_NOTIFY)');
    if (j & JOBCTL_TRAP_NOTIFY) yield* k.fn.ptrace_signal_wake_up(k, ctx, child, true); // 1165
    ret = 0;
  }
  yield* spin_unlock_irqrestore(child.siglock, flags, r(1168, F), 'unlock_task_sighand');
  return ret;
}

/**
 * A request that reads the frozen tracee (PTRACE_PEEKDATA →
 * ptrace_access_vm): the tracer relies on the tracee staying in its stop
 * for the whole request. The model checks that where it reads.
 */
export function* ptrace_peekdata(_k: LinuxKernel, _ctx: TaskContext, child: LinuxTask): Program<number> {
  yield check(
    'ptrace-frozen-stays-traced',
    [child.state, child.on_cpu],
    (m) =>
      !((m[child.state] as number) & __TASK_TRACED) || m[child.on_cpu]
        ? `${child.name} left its stop during a request on it`
        : null,
    `${P}:1047 ptrace_request`,
    'generic_ptrace_peekdata → ptrace_access_vm(child): the tracee must stay stopped',
  );
  return 0;
}

/** ptrace_request — ptrace.c:1031-…: the requests the model knows. */
export function* ptrace_request(
  k: LinuxKernel,
  ctx: TaskContext,
  child: LinuxTask,
  request: number,
  data: number,
): Program<number> {
  const F = 'ptrace_request';
  const ptr: number = yield load(child.ptrace, r(1034, F), 'seized = child->ptrace & PT_SEIZED');
  const seized = (ptr & PT_SEIZED) !== 0;
  switch (request) {
    case PTRACE.PEEKDATA:
      return yield* k.fn.ptrace_peekdata(k, ctx, child);
    case PTRACE.INTERRUPT:
      return yield* k.fn.ptrace_interrupt(k, ctx, child, seized);
    case PTRACE.LISTEN:
      return yield* k.fn.ptrace_listen(k, ctx, child, seized);
    case PTRACE.DETACH:
      return yield* k.fn.ptrace_detach(k, ctx, child, data); // 1181
    case PTRACE.CONT:
    case PTRACE.SYSCALL:
    case PTRACE.SINGLESTEP:
      return yield* k.fn.ptrace_resume(k, ctx, child, request, data); // 1219
    case PTRACE.KILL:
      yield* k.fn.do_send_sig_info(k, ctx, SIG.SIGKILL, child, PIDTYPE_PID); // 1222 send_sig_info(SIGKILL, SEND_SIG_NOINFO)
      return 0;
    default:
      return -EIO;
  }
}

/** sys_ptrace — ptrace.c:1278-1313 (arch_ptrace falls through to ptrace_request). */
export function* sys_ptrace(
  k: LinuxKernel,
  ctx: TaskContext,
  request: number,
  child: LinuxTask | null,
  data = 0,
): Program<number> {
  if (request === PTRACE.TRACEME) return yield* k.fn.ptrace_traceme(k, ctx); // 1284-1287
  if (!child) return -ESRCH; // 1289-1293 find_get_task_by_vpid
  if (request === PTRACE.ATTACH || request === PTRACE.SEIZE) {
    return yield* k.fn.ptrace_attach(k, ctx, child, request === PTRACE.SEIZE, data); // 1295-1298
  }
  const ignore = request === PTRACE.KILL || request === PTRACE.INTERRUPT;
  let ret = yield* k.fn.ptrace_check_attach(k, ctx, child, ignore); // 1300-1303
  if (ret < 0) return ret;
  ret = yield* k.fn.ptrace_request(k, ctx, child, request, data); // 1305 arch_ptrace
  if (ret || request !== PTRACE.DETACH) yield* k.fn.ptrace_unfreeze_traced(k, ctx, child); // 1306-1307
  return ret;
}
