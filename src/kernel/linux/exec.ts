/**
 * fs/exec.c (Linux 6.6.9): the parts of execve that ptrace sees —
 * cred_guard_mutex held from prepare_bprm_creds to setup_new_exec (so an
 * attach waits for the exec's credentials), check_unsafe_exec's look at
 * p->ptrace, and ptrace_event(PTRACE_EVENT_EXEC) once the new image is in.
 *
 * A group leader's exec makes it the only thread of its group (de_thread:
 * zap_other_threads, then a TASK_KILLABLE wait until the last of them is
 * released).
 *
 * Abstracted: everything of the new image (files, mm, binfmt handlers,
 * credentials), audit and tracing; an exec by a thread that is not its
 * group's leader (de_thread's exchange of identities with the leader) is not
 * modelled and stops the search.
 *
 * The invariant no-return-from-failed-exec is bprm_execve's own promise
 * (exec.c:1871-1876, "If past the point of no return ensure the code never
 * returns to the userspace process"): an execve that failed after
 * begin_new_exec set point_of_no_return never gets back to user mode — the
 * old image is half torn down. UserProc.exec checks it where the program
 * would run again.
 */
import { load, nop, type Program, readLock, readUnlock, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG } from '../common/bits.ts';
import { PT_PTRACED, PT_SEIZED, SIGNAL_GROUP_EXIT, TASK_KILLABLE } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { spin_lock_irq, spin_unlock_irq } from './locking.ts';
import { PT_OPT_FLAG_SHIFT, PTRACE_EVENT_EXEC } from './ptrace-state.ts';
import { PIDTYPE_PID } from './signal.ts';

/** -EAGAIN (include/uapi/asm-generic/errno-base.h) */
export const EAGAIN = 11;

const E = 'linux-6.6 fs/exec.c';
const H = 'linux-6.6 include/linux/ptrace.h';

/** PT_EVENT_FLAG(event) — include/linux/ptrace.h:44 */
const PT_EVENT_FLAG = (event: number) => 1 << (PT_OPT_FLAG_SHIFT + event);

/**
 * ptrace_event — include/linux/ptrace.h:148-157: a PTRACE_O_TRACEEXEC
 * tracee stops in ptrace_notify; a PTRACE_ATTACH/TRACEME tracee (PT_PTRACED
 * without PT_SEIZED) gets an ordinary SIGTRAP, taken on the way to user mode.
 */
export function* ptrace_event(k: LinuxKernel, ctx: TaskContext, event: number, message: number): Program<void> {
  const me = k.current(ctx);
  const ptr: number = yield load(me.ptrace, `${H}:150 ptrace_event`, 'if (unlikely(ptrace_event_enabled(current, event)))');
  if (ptr & PT_EVENT_FLAG(event)) {
    yield* k.fn.ptrace_notify(k, ctx, (event << 8) | SIG.SIGTRAP, message); // 151
  } else if (event === PTRACE_EVENT_EXEC && (ptr & (PT_PTRACED | PT_SEIZED)) === PT_PTRACED) {
    yield* k.fn.do_send_sig_info(k, ctx, SIG.SIGTRAP, me, PIDTYPE_PID); // 155 send_sig(SIGTRAP, current, 0)
  }
}

/** de_thread — exec.c:1044-1178 for a group leader [cred_guard_mutex held]: kill the other threads, wait until they are released. */
export function* de_thread(k: LinuxKernel, ctx: TaskContext): Program<number> {
  const F = 'de_thread';
  const me = k.current(ctx);
  const sig = me.signal;
  if (yield* k.fn.thread_group_empty(k, ctx, me, `${E}:1050 ${F}`)) return 0;
  if (me.group_leader !== me.id) throw new Error(`${me.name} execs but is not its group's leader: not modelled`);
  yield* spin_lock_irq(me.siglock, `${E}:1056 ${F}`);
  const f: number = yield load(sig.flags, `${E}:1057 ${F}`, 'if ((sig->flags & SIGNAL_GROUP_EXIT) ||');
  const g: number = yield load(sig.group_exec_task, `${E}:1057 ${F}`, 'sig->group_exec_task)');
  if (f & SIGNAL_GROUP_EXIT || g >= 0) {
    yield* spin_unlock_irq(me.siglock, `${E}:1062 ${F}`);
    return -EAGAIN; // 1063
  }
  yield store(sig.group_exec_task, me.id, `${E}:1066 ${F}`, 'sig->group_exec_task = tsk');
  const n = yield* k.fn.zap_other_threads(k, ctx, me);
  yield store(sig.notify_count, n, `${E}:1067 ${F}`, 'sig->notify_count = zap_other_threads(tsk)');
  while ((yield load(sig.notify_count, `${E}:1071 ${F}`, 'while (sig->notify_count)')) !== 0) {
    yield* k.fn.__set_current_state(k, ctx, TASK_KILLABLE); // 1072
    yield* spin_unlock_irq(me.siglock, `${E}:1073 ${F}`);
    yield* k.fn.schedule(k, ctx); // 1074
    if (yield* k.fn.__fatal_signal_pending(k, ctx, me, F)) {
      // 1075-1076 goto killed: 1171-1177
      yield readLock(k.tasklist_lock, `${E}:1173 ${F}`, 'killed: read_lock(&tasklist_lock)');
      yield store(sig.group_exec_task, -1, `${E}:1174 ${F}`, 'sig->group_exec_task = NULL');
      yield store(sig.notify_count, 0, `${E}:1175 ${F}`, 'sig->notify_count = 0');
      yield readUnlock(k.tasklist_lock, `${E}:1176 ${F}`, 'read_unlock(&tasklist_lock)');
      return -EAGAIN;
    }
    yield* spin_lock_irq(me.siglock, `${E}:1077 ${F}`);
  }
  yield* spin_unlock_irq(me.siglock, `${E}:1079 ${F}`);
  yield store(sig.group_exec_task, -1, `${E}:1161 ${F}`, 'sig->group_exec_task = NULL');
  yield store(sig.notify_count, 0, `${E}:1162 ${F}`, 'sig->notify_count = 0');
  return 0;
}

/** The invariant a failed exec's return to user mode violates (see the header). */
export const NO_RETURN_FROM_FAILED_EXEC = 'no-return-from-failed-exec';

/** -ERESTARTNOINTR (include/linux/errno.h) */
export const ERESTARTNOINTR = 513;

/** What execve returns to the caller's program: bprm_execve's retval and bprm->point_of_no_return. */
export interface ExecResult {
  readonly retval: number;
  /** set by begin_new_exec (exec.c:1259): from there on, a failure must not return to the old image */
  readonly point_of_no_return: boolean;
}

/**
 * execve(2) → do_execveat_common → bprm_execve → exec_binprm (exec.c:1764-1807).
 * A de_thread failure comes after the point of no return: bprm_execve's
 * out: path (1871-1878) leaves a task that has a fatal signal pending to die
 * of it, and forces SIGSEGV on one that has none yet — which happens when
 * de_thread saw the SIGKILL a group exit put in its pending set before that
 * group exit's signal_wake_up set TIF_SIGPENDING (fatal_signal_pending tests
 * the flag first). force_sig_info_to_task takes the siglock the sender
 * still holds, so the task goes on only once TIF_SIGPENDING is set.
 */
export function* sys_execve(k: LinuxKernel, ctx: TaskContext): Program<ExecResult> {
  const me = k.current(ctx);
  const mutex = k.credGuard(me);
  if (yield* k.fn.mutex_lock_interruptible(k, ctx, mutex)) return { retval: -ERESTARTNOINTR, point_of_no_return: false }; // 1477-1478 prepare_bprm_creds
  yield load(me.ptrace, `${E}:1567 check_unsafe_exec`, 'if (p->ptrace) bprm->unsafe |= LSM_UNSAFE_PTRACE');
  yield nop(`${E}:1781 exec_binprm`, 'search_binary_handler: load_elf_binary → begin_new_exec (the new image)');
  // 1259 begin_new_exec: bprm->point_of_no_return = true (a local of the exec: no step)
  const retval = yield* k.fn.de_thread(k, ctx); // 1264
  if (retval < 0) {
    // 1265-1266 goto out: exec_binprm returns it, bprm_execve 1856-1858 goto out
    if (!(yield* k.fn.fatal_signal_pending(k, ctx, me))) yield* k.fn.force_fatal_sig(k, ctx, SIG.SIGSEGV); // 1877-1878
    yield* k.fn.mutex_unlock(k, ctx, mutex); // 1496 free_bprm
    return { retval, point_of_no_return: true };
  }
  yield* k.fn.mutex_unlock(k, ctx, mutex); // 1455 setup_new_exec
  yield* k.fn.ptrace_event(k, ctx, PTRACE_EVENT_EXEC, me.id); // 1804 (old_vpid)
  return { retval: 0, point_of_no_return: true };
}
