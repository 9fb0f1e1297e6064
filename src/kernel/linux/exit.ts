/**
 * kernel/exit.c (Linux 6.6.9): the end of a task.
 *
 * Abstracted in do_exit: everything between the PTRACE_EVENT_EXIT report
 * and exit_notify that frees resources (mm, files, fs, namespaces, task
 * works, cgroups, perf) — none of it touches scheduler or signal state.
 * exit_notify is reduced to the exit_state store under tasklist_lock:
 * reparenting and the parent's SIGCHLD come with the models that need them.
 */
import { check, type Program, preemptDisable, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { writeLockIrq, writeUnlockIrq } from '../common/locks.ts';
import { EXIT_ZOMBIE, SM_NONE, TASK_DEAD } from './consts.ts';
import { set_special_state } from './include/sched.ts';
import type { LinuxKernel } from './kernel.ts';
import { __schedule } from './sched/core.ts';

const X = 'linux-6.6 kernel/exit.c';

/** exit_notify — exit.c:727-767, the part every model needs: the task becomes a zombie under tasklist_lock. */
function* exit_notify(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  yield* writeLockIrq(k.tasklist_lock, `${X}:733 exit_notify`, 'write_lock_irq(&tasklist_lock)');
  yield store(me.exit_state, EXIT_ZOMBIE, `${X}:739 exit_notify`, 'tsk->exit_state = EXIT_ZOMBIE');
  yield* writeUnlockIrq(k.tasklist_lock, `${X}:761 exit_notify`, 'write_unlock_irq(&tasklist_lock)');
}

/** do_exit — exit.c:809-925; never returns. `code` is the exit code (unused until a model reports it). */
export function* do_exit(k: LinuxKernel, ctx: TaskContext, _code: number): Program<void> {
  yield* exit_notify(k, ctx); // 892
  yield preemptDisable(`${X}:916 do_exit`, 'preempt_disable()');
  yield* do_task_dead(k, ctx); // 923
}

/** do_task_dead — kernel/sched/core.c:6706-6720: TASK_DEAD under pi_lock, then the last __schedule. */
export function* do_task_dead(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const C = 'linux-6.6 kernel/sched/core.c';
  yield* set_special_state(k, ctx, TASK_DEAD); // 6709
  yield* __schedule(k, ctx, SM_NONE); // 6714
  yield check('runqueue-sane', [], () => 'a dead task was scheduled again', `${C}:6715 do_task_dead`, 'BUG()');
}
