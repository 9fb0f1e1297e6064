/**
 * The Linux 6.6 lock rules the source states, as the engine checks them
 * (LockGuard): each write of these fields is made with the lock held (an
 * rwlock write-held). Reads are not checked: the source reads each of them
 * locklessly somewhere (`__fatal_signal_pending` tests `pending` without
 * siglock, `finish_wait` tests the wait list with list_empty_careful,
 * `ptrace_event_enabled` reads `ptrace`, `thread_group_empty` the thread
 * list), so only writes have a rule. Each rule cites where 6.6 states it.
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { LinuxKernel } from './kernel.ts';
import type { SignalStruct, WaitQueueHead } from './objects.ts';
import { ptraceStateIfAny } from './ptrace-state.ts';

const L = 'linux-6.6';
/** where a pending set's rule is stated: what adds a signal to one, and what takes one off */
const PENDING = `${L} kernel/signal.c __send_signal_locked: lockdep_assert_held(&t->sighand->siglock); dequeue_signal: "All callers have to hold the siglock"`;

/** Declares the rules for every task, thread group and wait queue of the model. At finish(). */
export function declareLinuxGuards(b: ModelBuilder, k: LinuxKernel, declared: readonly WaitQueueHead[]): void {
  const queues = [...declared];
  const groups = new Set<SignalStruct>();
  const pt = ptraceStateIfAny(k);
  for (const t of k.tasks) {
    if (t.idle) continue;
    if (!k.jobctlHoldsState) {
      b.guardedBy({
        cells: [t.jobctl],
        lock: t.siglock,
        access: 'write',
        source: `${L} include/linux/sched.h:1091 unsigned long jobctl; /* JOBCTL_*, siglock protected */`,
      });
    }
    b.guardedBy({ cells: [t.pending], lock: t.siglock, access: 'write', source: PENDING });
    // The links, not ->ptrace itself: the tracer rewrites its option bits with no lock (ptrace.c ptrace_setoptions,
    // "Avoid intermediate state when all opts are cleared"), so the source states no lock for every write of it.
    b.guardedBy({
      cells: [t.parent, ...(pt ? [pt.of(t).ptraced] : [])],
      lock: k.tasklist_lock,
      access: 'write',
      source: `${L} kernel/ptrace.c __ptrace_link (->parent, the tracer's ->ptraced list): "Must be called with the tasklist lock write-held"; __ptrace_unlink: "CONTEXT: write_lock_irq(tasklist_lock)"; kernel/exit.c exit_notify: forget_original_parent under write_lock_irq(&tasklist_lock)`,
    });
    groups.add(t.signal);
  }
  for (const s of groups) {
    // the shared pending set is the group's sighand->siglock's, as each thread's own set
    const owner = k.tasks.find((t) => t.signal === s);
    if (owner === undefined) continue;
    b.guardedBy({ cells: [s.shared_pending], lock: owner.siglock, access: 'write', source: PENDING });
    b.guardedBy({
      cells: [s.thread_list, s.nr_threads],
      lock: k.tasklist_lock,
      access: 'write',
      source: `${L} kernel/fork.c copy_process attaches a thread (list_add_tail_rcu thread_node, nr_threads++) under write_lock_irq(&tasklist_lock); kernel/exit.c release_task → __exit_signal detaches it with tasklist_lock write-held (exit.c:150-152 lockdep_tasklist_lock_is_held())`,
    });
    queues.push(s.wait_chldexit);
  }
  for (const wq of queues) {
    b.guardedBy({
      cells: [wq.head],
      lock: wq.lock,
      access: 'write',
      source: `${L} include/linux/wait.h struct wait_queue_head { spinlock_t lock; struct list_head head; }: __add_wait_queue/__remove_wait_queue run under wq_head->lock (kernel/sched/wait.c add_wait_queue, remove_wait_queue, prepare_to_wait, finish_wait)`,
    });
  }
}
