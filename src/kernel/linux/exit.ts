/**
 * kernel/exit.c (Linux 6.6.9): the end of a task.
 *
 * Abstracted in do_exit: everything between the PTRACE_EVENT_EXIT report
 * and exit_notify that frees resources (mm, files, fs, namespaces, task
 * works, cgroups, perf) — none of it touches scheduler or signal state.
 * exit_notify is reduced to the exit_state store under tasklist_lock:
 * reparenting and the parent's SIGCHLD come with the models that need them.
 */
import { check, load, type Program, preemptDisable, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { spinLockIrq, spinUnlockIrq, writeLockIrq, writeUnlockIrq } from '../common/locks.ts';
import { EXIT_DEAD, EXIT_ZOMBIE, SIGNAL_GROUP_EXIT, SM_NONE, TASK_DEAD } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';

const X = 'linux-6.6 kernel/exit.c';

/** exit_notify — exit.c:727-767, the part every model needs: the task becomes a zombie under tasklist_lock. */
export function* exit_notify(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  yield* writeLockIrq(k.tasklist_lock, `${X}:733 exit_notify`, 'write_lock_irq(&tasklist_lock)');
  if (k.reportsExit) yield* k.fn.forget_original_parent(k, ctx); // 734
  yield store(me.exit_state, EXIT_ZOMBIE, `${X}:739 exit_notify`, 'tsk->exit_state = EXIT_ZOMBIE');
  if (k.reportsExit && (yield* k.fn.notify_parent(k, ctx))) {
    yield store(me.exit_state, EXIT_DEAD, `${X}:754 exit_notify`, 'if (autoreap) tsk->exit_state = EXIT_DEAD');
  }
  yield* writeUnlockIrq(k.tasklist_lock, `${X}:761 exit_notify`, 'write_unlock_irq(&tasklist_lock)');
}

/** do_exit — exit.c:809-925; never returns. `code` is the exit code (unused until a model reports it). */
export function* do_exit(k: LinuxKernel, ctx: TaskContext, _code: number): Program<void> {
  yield* k.fn.exit_notify(k, ctx); // 892
  yield preemptDisable(`${X}:916 do_exit`, 'preempt_disable()');
  yield* k.fn.do_task_dead(k, ctx); // 923
}

/**
 * do_group_exit — exit.c:996-1023: record the group exit (one thread: no
 * zap_other_threads), then do_exit. Never returns.
 */
export function* do_group_exit(k: LinuxKernel, ctx: TaskContext, exitCode: number): Program<void> {
  const me = k.current(ctx);
  const sig = me.signal;
  let code = exitCode;
  const f: number = yield load(sig.flags, `${X}:1000 do_group_exit`, 'if (sig->flags & SIGNAL_GROUP_EXIT)');
  if (f & SIGNAL_GROUP_EXIT) {
    code = yield load(sig.group_exit_code, `${X}:1001 do_group_exit`, 'exit_code = sig->group_exit_code');
  } else {
    yield* spinLockIrq(me.siglock, `${X}:1007 do_group_exit`, 'spin_lock_irq(&sighand->siglock)');
    const f2: number = yield load(sig.flags, `${X}:1008 do_group_exit`, 'if (sig->flags & SIGNAL_GROUP_EXIT)');
    if (f2 & SIGNAL_GROUP_EXIT) {
      code = yield load(sig.group_exit_code, `${X}:1010 do_group_exit`, 'exit_code = sig->group_exit_code');
    } else {
      yield store(sig.group_exit_code, code, `${X}:1014 do_group_exit`, 'sig->group_exit_code = exit_code');
      yield store(sig.flags, SIGNAL_GROUP_EXIT, `${X}:1015 do_group_exit`, 'sig->flags = SIGNAL_GROUP_EXIT');
    }
    yield* spinUnlockIrq(me.siglock, `${X}:1018 do_group_exit`, 'spin_unlock_irq(&sighand->siglock)');
  }
  yield* k.fn.do_exit(k, ctx, code); // 1021
}

/** do_task_dead — kernel/sched/core.c:6706-6720: TASK_DEAD under pi_lock, then the last __schedule. */
export function* do_task_dead(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const C = 'linux-6.6 kernel/sched/core.c';
  yield* k.fn.set_special_state(k, ctx, TASK_DEAD); // 6709
  yield* k.fn.__schedule(k, ctx, SM_NONE); // 6714
  yield check('runqueue-sane', [], () => 'a dead task was scheduled again', `${C}:6715 do_task_dead`, 'BUG()');
}
