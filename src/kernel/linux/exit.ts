/**
 * kernel/exit.c (Linux 6.6.9): the end of a task.
 *
 * Abstracted in do_exit: everything between the PTRACE_EVENT_EXIT report
 * and exit_notify that frees resources (mm, files, fs, namespaces, task
 * works, cgroups, perf) — none of it touches scheduler or signal state.
 * exit_notify reports the zombie to the parent or tracer in models that
 * have them (ptrace: exit-notify.ts); a thread that is not its group's
 * leader reaps itself and leaves the group (release_task).
 */
import { check, load, type Program, preemptDisable, rmw, spinLock, spinUnlock, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { KERNEL_ASSERT } from '../common/kernel-assert.ts';
import { spinLockIrq, spinUnlockIrq, writeLockIrq, writeUnlockIrq } from '../common/locks.ts';
import { plainRmw } from '../common/plain-rmw.ts';
import { EXIT_DEAD, EXIT_ZOMBIE, SIGNAL_GROUP_EXIT, SM_NONE, TASK_DEAD, TIF_SIGPENDING } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import type { LinuxTask } from './objects.ts';

const X = 'linux-6.6 kernel/exit.c';

/** exit_notify — exit.c:727-767, the part every model needs: the task becomes a zombie under tasklist_lock. */
export function* exit_notify(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  yield* writeLockIrq(k.tasklist_lock, `${X}:733 exit_notify`, 'write_lock_irq(&tasklist_lock)');
  if (k.reportsExit) yield* k.fn.forget_original_parent(k, ctx); // 734
  yield store(me.exit_state, EXIT_ZOMBIE, `${X}:739 exit_notify`, 'tsk->exit_state = EXIT_ZOMBIE');
  // 740-751: with no parent or tracer in the model (no ptrace model), only a thread that is not the leader reaps itself
  const thread = me.group_leader !== me.id;
  const autoreap = k.reportsExit ? yield* k.fn.notify_parent(k, ctx) : thread;
  if (autoreap) yield store(me.exit_state, EXIT_DEAD, `${X}:754 exit_notify`, 'if (autoreap) tsk->exit_state = EXIT_DEAD');
  // 759-760: notify_count < 0 only when a thread that is not the leader execs (de_thread: not modelled)
  yield* writeUnlockIrq(k.tasklist_lock, `${X}:761 exit_notify`, 'write_unlock_irq(&tasklist_lock)');
  // 763-766: release_task of the dead; a leader's changes nothing any model reads afterwards, and is left out
  if (autoreap && thread) yield* k.fn.release_task(k, ctx, me);
}

/**
 * __exit_signal — exit.c:143-216 [tasklist_lock write-held]: a thread
 * leaves its group: the exec waiting in de_thread is told (notify_count),
 * curr_target moves on, nr_threads and the thread list lose it, its pending
 * signals go. Abstracted: the accounting, timers, the tty.
 */
export function* __exit_signal(k: LinuxKernel, ctx: TaskContext, tsk: LinuxTask): Program<void> {
  const F = '__exit_signal';
  const sig = tsk.signal;
  const leader = tsk.group_leader === tsk.id;
  yield spinLock(tsk.siglock, `${X}:153 ${F}`, 'spin_lock(&sighand->siglock)');
  if (!leader) {
    const n: number = yield load(sig.notify_count, `${X}:169 ${F}`, 'if (sig->notify_count > 0 &&');
    if (n > 0) yield store(sig.notify_count, n - 1, `${X}:169 ${F}`, '!--sig->notify_count)');
    if (n === 1) {
      const exec: number = yield load(sig.group_exec_task, `${X}:170 ${F}`, 'wake_up_process(sig->group_exec_task)');
      if (exec < 0) {
        // the killed exec clears group_exec_task under tasklist_lock (exec.c:1173-1176) so that this never happens
        const oops = `wake_up_process(NULL): ${tsk.name}'s __exit_signal took notify_count to 0 with no group_exec_task (a NULL pointer dereference)`;
        yield check(KERNEL_ASSERT, [], () => oops, `${X}:170 ${F}`, 'wake_up_process(sig->group_exec_task)');
        throw new Error(oops);
      }
      yield* k.fn.wake_up_process(k, ctx, k.task(exec));
    }
    const cur: number = yield load(sig.curr_target, `${X}:172 ${F}`, 'if (tsk == sig->curr_target)');
    if (cur === tsk.id) {
      const next = k.otherThreads(tsk)[0] as LinuxTask;
      yield store(sig.curr_target, next.id, `${X}:173 ${F}`, `sig->curr_target = next_thread(tsk): ${next.name}`);
    }
  }
  yield* plainRmw(sig.nr_threads, (c) => c - 1, `${X}:198 ${F}`, 'sig->nr_threads--');
  yield rmw(
    sig.thread_list,
    (l) => l & ~(1 << tsk.id),
    `${X}:199 ${F}`,
    '__unhash_process(tsk, group_dead): list_del_rcu(&p->thread_node)',
  );
  yield store(tsk.pending, 0, `${X}:206 ${F}`, 'flush_sigqueue(&tsk->pending)');
  yield spinUnlock(tsk.siglock, `${X}:208 ${F}`, 'spin_unlock(&sighand->siglock)');
  yield rmw(tsk.tif, (v) => v & ~TIF_SIGPENDING, `${X}:211 ${F}`, 'clear_tsk_thread_flag(tsk, TIF_SIGPENDING)');
}

/**
 * release_task — exit.c:239-290 for a thread (not the leader): it leaves
 * its group, and when that leaves a zombie leader alone, the leader's exit
 * is reported to its parent (the report exit_notify delayed). Abstracted:
 * rlimits, cgroups, pids, ptrace_release_task (a thread that reaps itself
 * is not traced here), and the leader's own release (zap_leader).
 */
export function* release_task(k: LinuxKernel, ctx: TaskContext, p: LinuxTask): Program<void> {
  const F = 'release_task';
  yield* writeLockIrq(k.tasklist_lock, `${X}:253 ${F}`, 'write_lock_irq(&tasklist_lock)');
  yield* k.fn.__exit_signal(k, ctx, p); // 256
  const leader = k.task(p.group_leader);
  if (leader !== p && (yield* k.fn.thread_group_empty(k, ctx, leader, `${X}:265 ${F}`))) {
    const es: number = yield load(leader.exit_state, `${X}:266 ${F}`, 'leader->exit_state == EXIT_ZOMBIE');
    if (es === EXIT_ZOMBIE && k.reportsExit && (yield* k.fn.do_notify_parent(k, ctx, leader))) {
      yield store(leader.exit_state, EXIT_DEAD, `${X}:274 ${F}`, 'leader->exit_state = EXIT_DEAD'); // 272-274
    }
  }
  yield* writeUnlockIrq(k.tasklist_lock, `${X}:277 ${F}`, 'write_unlock_irq(&tasklist_lock)');
}

/** do_exit — exit.c:809-925; never returns. `code` is the exit code (unused until a model reports it). */
export function* do_exit(k: LinuxKernel, ctx: TaskContext, _code: number): Program<void> {
  yield* k.fn.exit_notify(k, ctx); // 892
  yield preemptDisable(`${X}:916 do_exit`, 'preempt_disable()');
  yield* k.fn.do_task_dead(k, ctx); // 923
}

/**
 * do_group_exit — exit.c:996-1023: record the group exit and kill the
 * other threads (zap_other_threads), then do_exit. Never returns. A
 * one-thread group never has a group_exec_task (de_thread sets it only for
 * a group with other threads), so its tests of it read nothing.
 */
export function* do_group_exit(k: LinuxKernel, ctx: TaskContext, exitCode: number): Program<void> {
  const me = k.current(ctx);
  const sig = me.signal;
  let code = exitCode;
  const f: number = yield load(sig.flags, `${X}:1000 do_group_exit`, 'if (sig->flags & SIGNAL_GROUP_EXIT)');
  const threads = k.threads(me).length > 1;
  if (f & SIGNAL_GROUP_EXIT) {
    code = yield load(sig.group_exit_code, `${X}:1001 do_group_exit`, 'exit_code = sig->group_exit_code');
  } else if (threads && (yield load(sig.group_exec_task, `${X}:1002 do_group_exit`, 'else if (sig->group_exec_task)')) >= 0) {
    code = 0; // 1003
  } else {
    yield* spinLockIrq(me.siglock, `${X}:1007 do_group_exit`, 'spin_lock_irq(&sighand->siglock)');
    const f2: number = yield load(sig.flags, `${X}:1008 do_group_exit`, 'if (sig->flags & SIGNAL_GROUP_EXIT)');
    if (f2 & SIGNAL_GROUP_EXIT) {
      code = yield load(sig.group_exit_code, `${X}:1010 do_group_exit`, 'exit_code = sig->group_exit_code');
    } else if (threads && (yield load(sig.group_exec_task, `${X}:1011 do_group_exit`, 'else if (sig->group_exec_task)')) >= 0) {
      code = 0; // 1012
    } else {
      yield store(sig.group_exit_code, code, `${X}:1014 do_group_exit`, 'sig->group_exit_code = exit_code');
      yield store(sig.flags, SIGNAL_GROUP_EXIT, `${X}:1015 do_group_exit`, 'sig->flags = SIGNAL_GROUP_EXIT');
      yield* k.fn.zap_other_threads(k, ctx, me); // 1016
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
