/**
 * fs/exec.c (Linux 6.6.9): the parts of execve that ptrace sees —
 * cred_guard_mutex held from prepare_bprm_creds to setup_new_exec (so an
 * attach waits for the exec's credentials), check_unsafe_exec's look at
 * p->ptrace, and ptrace_event(PTRACE_EVENT_EXEC) once the new image is in.
 *
 * Abstracted: everything of the new image (files, mm, binfmt handlers,
 * de_thread for a single-threaded group, credentials), audit and tracing.
 */
import { load, nop, type Program } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG } from '../common/bits.ts';
import { PT_PTRACED, PT_SEIZED } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { PT_OPT_FLAG_SHIFT, PTRACE_EVENT_EXEC, ptraceState } from './ptrace-state.ts';
import { PIDTYPE_PID } from './signal.ts';

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

/** execve(2) → do_execveat_common → bprm_execve → exec_binprm (exec.c:1764-1807). */
export function* sys_execve(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  const mutex = ptraceState(k).of(me).cred_guard_mutex;
  if (yield* k.fn.mutex_lock_interruptible(k, ctx, mutex)) return; // 1477-1478 prepare_bprm_creds: -ERESTARTNOINTR
  yield load(me.ptrace, `${E}:1567 check_unsafe_exec`, 'if (p->ptrace) bprm->unsafe |= LSM_UNSAFE_PTRACE');
  yield nop(`${E}:1781 exec_binprm`, 'search_binary_handler: load_elf_binary → begin_new_exec (the new image)');
  yield* k.fn.mutex_unlock(k, ctx, mutex); // 1455 setup_new_exec
  yield* k.fn.ptrace_event(k, ctx, PTRACE_EVENT_EXEC, me.id); // 1804 (old_vpid)
}
