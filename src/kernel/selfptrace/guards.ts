/**
 * The lock rules the self-ptrace models add to the Linux ones, as the engine
 * checks them (LockGuard), each where the source states it. The Linux kernel
 * declares its own at finish() (src/kernel/linux/guards.ts: ->pending and
 * shared_pending under siglock, ->parent under tasklist_lock write-held);
 * the paths only the self-ptrace models run — the signal paths of
 * linux-2.6.26 and 6.6 (signal.ts) and the exit paths of 2.6.26, 2.6.27 and
 * 6.6 (exit.ts) — also write ->blocked, the SIGSYS action, ->real_parent and
 * exit_state, each only with its lock held, and 2.6.26 states the same rules.
 *
 * Only writes are ruled: current reads its own ->blocked without siglock
 * (sigprocmask), and ->real_parent is an RCU pointer.
 *
 * Not ruled:
 * - `->ptrace`: linux-6.6 kernel/ptrace.c ptrace_setoptions writes
 *   child->ptrace without tasklist_lock (the tracer, with the child
 *   stopped), and the RFC's PT_SELF writes (rfc.ts, reconstructed) are
 *   current's own, lockless: no rule covers every writer;
 * - the thread flags (set_tsk_thread_flag is atomic), syscall_work and the
 *   syscall_dispatch fields (current's own, no lock).
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { LinuxKernel } from '../linux/kernel.ts';
import type { SelfProcess } from './process.ts';

const SIGLOCK_BLOCKED =
  'linux-6.6 kernel/signal.c:3061 "It is wrong to change ->blocked directly", :3081-3083 __set_current_blocked writes it under siglock, :1344-1365 force_sig_info_to_task; linux-2.6.26 arch/x86/kernel/signal_64.c:397-402 handle_signal, :135-138 sys_rt_sigreturn, kernel/signal.c:939-953 force_sig_info';
const SIGLOCK_ACTION =
  'linux-6.6 kernel/signal.c:1344-1365 force_sig_info_to_task resets action->sa.sa_handler under siglock (do_sigaction likewise); linux-2.6.26 kernel/signal.c:939-953 force_sig_info';
const TASKLIST_REAL_PARENT =
  'linux-6.6 kernel/exit.c:733-761 exit_notify holds tasklist_lock write-held across forget_original_parent (RCU_INIT_POINTER(t->real_parent, reaper) :704), as kernel/fork.c copy_process sets it under write_lock_irq(&tasklist_lock); linux-2.6.26 kernel/exit.c:760-813 and linux-2.6.27 kernel/exit.c:879-895 forget_original_parent take it';
const TASKLIST_EXIT_STATE =
  "linux-6.6 kernel/exit.c:733-761 exit_notify and :253-277 release_task write exit_state with tasklist_lock write-held; linux-2.6.26 exit_notify likewise (wait_task_zombie's cmpxchg under read_lock, the one other writer, is in no self-ptrace model)";

/** Declares the rules for every task of `k` and every self-intercepting process. After k.finish(). */
export function declareSelfptraceGuards(b: ModelBuilder, k: LinuxKernel, procs: readonly SelfProcess[]): void {
  const tasks = k.tasks.filter((t) => !t.idle);
  for (const t of tasks) {
    b.guardedBy({ cells: [t.blocked], lock: t.siglock, access: 'write', source: SIGLOCK_BLOCKED });
  }
  for (const sp of procs) {
    b.guardedBy({ cells: [sp.sigsys_action], lock: sp.task.siglock, access: 'write', source: SIGLOCK_ACTION });
  }
  b.guardedBy({ cells: tasks.map((t) => t.real_parent), lock: k.tasklist_lock, access: 'write', source: TASKLIST_REAL_PARENT });
  b.guardedBy({ cells: tasks.map((t) => t.exit_state), lock: k.tasklist_lock, access: 'write', source: TASKLIST_EXIT_STATE });
}
