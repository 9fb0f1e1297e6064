/**
 * The Linux locks' rules the self-ptrace models depend on, as the engine
 * checks them (LockGuard), each where the source states it. The models run
 * the signal paths of linux-2.6.26 and 6.6 (signal.ts) and the exit paths of
 * 2.6.26, 2.6.27 and 6.6 (exit.ts, the substrate's do_exit); the rules hold
 * in all of them.
 *
 * Only writes are ruled: the source reads these fields without the lock in
 * places (current reads its own ->blocked in sigprocmask, fatal_signal_pending
 * reads ->pending, ->parent and ->real_parent are RCU pointers), so a read
 * rule would be stronger than the code.
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

const SIGLOCK_SIGNALS =
  'linux-6.6 kernel/signal.c:1092 __send_signal_locked lockdep_assert_held(&t->sighand->siglock) (sigaddset), :2684-2895 get_signal dequeues under siglock, kernel/exit.c:153-208 __exit_signal flushes under it; linux-2.6.26 kernel/signal.c:1182-1184 send_sig_info, :1751-1873 get_signal_to_deliver';
const SIGLOCK_BLOCKED =
  'linux-6.6 kernel/signal.c:3061 "It is wrong to change ->blocked directly", :3081-3083 __set_current_blocked writes it under siglock, :1344-1365 force_sig_info_to_task; linux-2.6.26 arch/x86/kernel/signal_64.c:397-402 handle_signal, :135-138 sys_rt_sigreturn, kernel/signal.c:939-953 force_sig_info';
const SIGLOCK_ACTION =
  'linux-6.6 kernel/signal.c:1344-1365 force_sig_info_to_task resets action->sa.sa_handler under siglock (do_sigaction likewise); linux-2.6.26 kernel/signal.c:939-953 force_sig_info';
const TASKLIST_PARENT =
  'linux-6.6 kernel/ptrace.c:82 "Must be called with the tasklist lock write-held" (ptrace_link), :112 __ptrace_unlink "CONTEXT: write_lock_irq(tasklist_lock)", kernel/exit.c:733-761 exit_notify holds it across forget_original_parent; linux-2.6.26 kernel/exit.c:760-813 and linux-2.6.27 kernel/exit.c:879-895 forget_original_parent take it';
const TASKLIST_EXIT_STATE =
  "linux-6.6 kernel/exit.c:733-761 exit_notify and :253-277 release_task write exit_state with tasklist_lock write-held; linux-2.6.26 exit_notify likewise (wait_task_zombie's cmpxchg under read_lock, the one other writer, is in no self-ptrace model)";

/** Declares the rules for every task of `k` and every self-intercepting process. After k.finish(). */
export function declareSelfptraceGuards(b: ModelBuilder, k: LinuxKernel, procs: readonly SelfProcess[]): void {
  const byLock = new Map<number, Set<number>>();
  for (const t of k.tasks) {
    const cells = byLock.get(t.siglock) ?? new Set<number>();
    cells.add(t.pending);
    cells.add(t.signal.shared_pending);
    byLock.set(t.siglock, cells);
  }
  for (const [lock, cells] of byLock) {
    b.guardedBy({ cells: [...cells], lock, access: 'write', source: SIGLOCK_SIGNALS });
  }
  for (const t of k.tasks) {
    b.guardedBy({ cells: [t.blocked], lock: t.siglock, access: 'write', source: SIGLOCK_BLOCKED });
  }
  for (const sp of procs) {
    b.guardedBy({ cells: [sp.sigsys_action], lock: sp.task.siglock, access: 'write', source: SIGLOCK_ACTION });
  }
  b.guardedBy({
    cells: k.tasks.flatMap((t) => [t.parent, t.real_parent]),
    lock: k.tasklist_lock,
    access: 'write',
    source: TASKLIST_PARENT,
  });
  b.guardedBy({ cells: k.tasks.map((t) => t.exit_state), lock: k.tasklist_lock, access: 'write', source: TASKLIST_EXIT_STATE });
}
