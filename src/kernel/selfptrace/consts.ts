/**
 * Constants of the two self-interception designs.
 *
 * The RFC's PT_SELF value and request numbers are not known: the patch body
 * was never found, only its cover letter and the review thread. What is
 * reconstructed is marked so; everything else is exact for the version named.
 */
import { type Formatter, flagsFormatter } from '../../cpu/memory.ts';

/**
 * PT_SELF — the RFC's bit in task->ptrace [reconstructed value: the first
 * bit after linux-2.6.26 include/linux/ptrace.h:69 PT_TRACE_EXIT 0x200].
 */
export const PT_SELF = 0x400;

/** TIF_SYSCALL_TRACE, in the substrate's thread-flag cell (bits 0-1 are SIGPENDING and NEED_RESCHED there). */
export const TIF_SYSCALL_TRACE = 1 << 2;

/** x86-64 syscall numbers (arch/x86/include/asm/unistd_64.h, the same in 2.6.26 and 6.6). */
export const NR = {
  rt_sigreturn: 15,
  getpid: 39,
  kill: 62,
  ptrace: 101,
  prctl: 157,
} as const;
export type SyscallName = keyof typeof NR;

/** The RFC's requests [reconstructed: names from the thread, values unknown]. */
export const PTRACE_SELF_ON = 0x4281;
export const PTRACE_SELF_OFF = 0x4282;

/** linux-6.6 include/uapi/linux/prctl.h:253-258 */
export const PR_SET_SYSCALL_USER_DISPATCH = 59;
export const PR_SYS_DISPATCH_OFF = 0;
export const PR_SYS_DISPATCH_ON = 1;
export const SYSCALL_DISPATCH_FILTER_ALLOW = 0;
export const SYSCALL_DISPATCH_FILTER_BLOCK = 1;

/** linux-6.6 include/linux/thread_info.h SYSCALL_WORK_BIT_SYSCALL_USER_DISPATCH (bit 6 of task->syscall_work). */
export const SYSCALL_WORK_SYSCALL_USER_DISPATCH = 1 << 6;

export const ptraceSelfFormatter: Formatter = flagsFormatter({ 1: 'PT_PTRACED', [PT_SELF]: 'PT_SELF' });
export const selectorFormatter: Formatter = (v) =>
  v === SYSCALL_DISPATCH_FILTER_ALLOW ? 'ALLOW' : v === SYSCALL_DISPATCH_FILTER_BLOCK ? 'BLOCK' : `${v}`;

/** sighand->action[SIGSYS-1].sa_handler as a cell: force_sig_info may reset it at run time. */
export const SA_HANDLER = 0;
export const SA_SIG_DFL = 1;
export const actionFormatter: Formatter = (v) => (v === SA_SIG_DFL ? 'SIG_DFL' : 'handler');
