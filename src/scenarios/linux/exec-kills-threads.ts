/**
 * linux/exec-kills-threads — the leader of a two-thread process execs while
 * the other thread T sleeps in pause() (Linux 6.6). de_thread sets
 * group_exec_task, SIGKILLs T (zap_other_threads) and waits in
 * TASK_KILLABLE, under the siglock, until notify_count is 0; T takes the
 * SIGKILL in get_signal (group_exec_task: marked for death), exits, reaps
 * itself and, as the last thread to go, wakes the exec from __exit_signal.
 * Variant unlock-then-sleep, an invented bug: de_thread drops the siglock
 * before __set_current_state(TASK_KILLABLE) — T's wakeup can land between
 * the two, find the exec running, and the exec sleeps for good.
 *
 * Variants thread-exits and thread-exits-unlock-then-sleep: the same, but T
 * calls exit() at the same time instead of sleeping in pause(), so its
 * __exit_signal can run while the exec is anywhere in de_thread — even
 * before T takes a SIGKILL (zap_other_threads counts every thread still on
 * the list, exit_state or not): the siglock __exit_signal takes is what
 * keeps its notify_count update and wakeup out of the window between
 * de_thread's `while (sig->notify_count)` and TASK_KILLABLE.
 *
 * Variant thread-exits-late-unhash, an invented bug: T's
 * __exit_signal takes T off the thread list only after it dropped the
 * siglock. T's release can then come first, before the exec: the exec's
 * zap_other_threads, under the siglock, still finds T listed and counts
 * it, and the exec waits for a notify_count T has already passed.
 *
 * Variant killed-in-exec: a third task K SIGKILLs L while it waits. K's
 * complete_signal (group exit, under L's siglock) puts SIGKILL in L's
 * pending set before its signal_wake_up sets TIF_SIGPENDING; if T's exit has
 * woken L in between, de_thread takes its killed path and returns -EAGAIN,
 * and bprm_execve finds no fatal signal pending (fatal_signal_pending tests
 * TIF_SIGPENDING first): it forces SIGSEGV (force_fatal_sig), which waits
 * for the siglock K holds, and is then dropped (SIGNAL_GROUP_EXIT); L goes
 * back to user mode with TIF_SIGPENDING set and dies of the SIGKILL. The
 * variant killed-in-exec-no-force-sig, an invented bug, leaves
 * force_fatal_sig out: L gets back to the old image
 * (no-return-from-failed-exec). killed-in-exec-unlocked-clear, another,
 * drops the read_lock(&tasklist_lock) of de_thread's killed path: T's
 * __exit_signal (under the write lock) can then take notify_count to 0
 * after group_exec_task was cleared, and wakes NULL.
 *
 * Variants thread-kills and thread-kills-unlocked-clear: the killed path
 * with two tasks, a search of seconds on 2 CPUs — T itself sends its
 * process SIGKILL (kill(getpid(), SIGKILL)) while L execs: L, woken by the
 * group exit in de_thread, takes the killed path while T exits.
 */
import { load, type Program, rmw, spinLock, spinUnlock, store } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { leaveOut } from '../../kernel/common/paths.ts';
import { plainRmw } from '../../kernel/common/plain-rmw.ts';
import { TASK_KILLABLE, TIF_SIGPENDING } from '../../kernel/linux/consts.ts';
import { EAGAIN, NO_RETURN_FROM_FAILED_EXEC } from '../../kernel/linux/exec.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { spin_lock_irq, spin_unlock_irq } from '../../kernel/linux/locking.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';

/** __exit_signal (kernel/exit.c:143-216) for a thread that is not the leader, with the unhash moved past the unlock: the bug. */
function* exitSignalUnhashAfterUnlock(k: LinuxKernel, ctx: TaskContext, tsk: LinuxTask): Program<void> {
  const sig = tsk.signal;
  yield spinLock(tsk.siglock, here`__exit_signal`, 'spin_lock(&sighand->siglock)');
  const n: number = yield load(sig.notify_count, here`__exit_signal`, 'if (sig->notify_count > 0 &&');
  if (n > 0) yield store(sig.notify_count, n - 1, here`__exit_signal`, '!--sig->notify_count)');
  if (n === 1) {
    const exec: number = yield load(sig.group_exec_task, here`__exit_signal`, 'wake_up_process(sig->group_exec_task)');
    yield* k.fn.wake_up_process(k, ctx, k.task(exec));
  }
  const cur: number = yield load(sig.curr_target, here`__exit_signal`, 'if (tsk == sig->curr_target)');
  if (cur === tsk.id) {
    const next = k.otherThreads(tsk)[0] as LinuxTask;
    yield store(sig.curr_target, next.id, here`__exit_signal`, `sig->curr_target = next_thread(tsk): ${next.name}`);
  }
  yield* plainRmw(sig.nr_threads, (c) => c - 1, here`__exit_signal`, 'sig->nr_threads--');
  yield store(tsk.pending, 0, here`__exit_signal`, 'flush_sigqueue(&tsk->pending)');
  yield spinUnlock(tsk.siglock, here`__exit_signal`, 'spin_unlock(&sighand->siglock)');
  yield rmw(sig.thread_list, (l) => l & ~(1 << tsk.id), here`__exit_signal`, 'list_del_rcu(&p->thread_node), too late');
  yield rmw(tsk.tif, (v) => v & ~TIF_SIGPENDING, here`__exit_signal`, 'clear_tsk_thread_flag(tsk, TIF_SIGPENDING)');
}

export default defineScenario({
  name: 'linux/exec-kills-threads',
  summary: "a thread group's leader execs: the other thread is killed and the exec waits until it is gone (Linux 6.6)",
  cpus: 2,
  invariants: [
    'no-lost-wakeup',
    'runqueue-sane',
    'lock-discipline',
    'deadlock',
    'legal-transition',
    NO_RETURN_FROM_FAILED_EXEC,
    'kernel-assert',
  ],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'L: execve() — T: pause()',
      source:
        'linux-6.6 fs/exec.c:1044-1178 de_thread; kernel/signal.c:1378-1399 zap_other_threads; kernel/exit.c:143-216 __exit_signal',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'thread-exits': {
      summary: 'L: execve() — T: exit(), racing with it',
      source: 'linux-6.6 fs/exec.c:1044-1178 de_thread; kernel/exit.c:143-216 __exit_signal, 239-290 release_task',
      expect: [
        { cpus: 1, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: "__exit_signal's notify_count update and wakeup run under the siglock, which de_thread holds from its test to TASK_KILLABLE",
        },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'thread-exits-late-unhash': {
      summary: "thread-exits with __exit_signal's list_del_rcu(&p->thread_node) after spin_unlock(&sighand->siglock)",
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: "the exec's zap counts T between T's unlock and its unhash: notify_count stays 1 with no other thread left",
        },
      ],
    },
    'thread-exits-unlock-then-sleep': {
      summary: 'thread-exits with de_thread dropping the siglock before __set_current_state(TASK_KILLABLE)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: "T's __exit_signal wakes the exec between the unlock and TASK_KILLABLE",
        },
        { cpus: 1, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'a tick preempts the exec in the same window' },
      ],
    },
    'killed-in-exec': {
      summary: 'L: execve() — T: pause() — K: kill(L, SIGKILL) while the exec waits',
      source:
        'linux-6.6 fs/exec.c:1171-1177 de_thread (killed), 1871-1878 bprm_execve; kernel/signal.c:1044-1067 complete_signal (group exit), 1335-1368 force_sig_info_to_task',
      expect: [
        { cpus: 1, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          long: true,
          why: "de_thread can see the group exit's SIGKILL before its signal_wake_up sets TIF_SIGPENDING; bprm_execve then forces SIGSEGV, whose siglock waits for the sender to finish: L returns to user mode only with TIF_SIGPENDING set, and dies (auto: 313,280 executions, 4.47M states; 17 s under nice -n 19 at load 1.5 on the 2-core machine)",
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO store buffers on both CPUs: the same answer (auto: 1,854,467 executions, 10.3M states, 2.3× the sc row; 39 s under nice -n 19 at load 1.8)',
        },
      ],
    },
    'killed-in-exec-no-force-sig': {
      summary: "killed-in-exec with bprm_execve's out: path returning without force_fatal_sig(SIGSEGV)",
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: NO_RETURN_FROM_FAILED_EXEC,
          why: "L's exit to user mode reads its flags before K's signal_wake_up sets TIF_SIGPENDING: the old image runs on",
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: 'K sends under the siglock with irqs off: no tick splits its sigaddset from its signal_wake_up',
        },
      ],
    },
    'killed-in-exec-unlocked-clear': {
      summary: "killed-in-exec with de_thread's killed path clearing group_exec_task and notify_count without tasklist_lock",
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'kernel-assert',
          why: "T's __exit_signal takes notify_count from 1 to 0 after the killed exec cleared group_exec_task: wake_up_process(NULL)",
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: "on 1 CPU, within one tick, T's __exit_signal never runs between the killed path's two stores",
        },
      ],
    },
    'thread-kills': {
      summary: 'L: execve() — T: kill(getpid(), SIGKILL), racing with it',
      source:
        'linux-6.6 fs/exec.c:1171-1177 de_thread (killed); kernel/signal.c:1044-1067 complete_signal; kernel/exit.c:169-170 __exit_signal',
      expect: [
        { cpus: 1, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: "the killed exec clears group_exec_task and notify_count under tasklist_lock, which T's release_task holds (write) around __exit_signal",
        },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'thread-kills-unlocked-clear': {
      summary: "thread-kills with de_thread's killed path clearing group_exec_task and notify_count without tasklist_lock",
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'kernel-assert',
          why: "T's __exit_signal takes notify_count from 1 to 0 after the killed exec cleared group_exec_task: wake_up_process(NULL)",
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: "on 1 CPU, within one tick, T's __exit_signal never runs between the killed path's two stores",
        },
      ],
    },
    'unlock-then-sleep': {
      summary: 'de_thread: spin_unlock_irq(lock); __set_current_state(TASK_KILLABLE); schedule()',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: "T's last __exit_signal wakes the exec between the unlock and TASK_KILLABLE",
        },
        { cpus: 1, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'a tick preempts the exec in the same window' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'unlock-then-sleep' || variant === 'thread-exits-unlock-then-sleep') {
      k.override('de_thread', function* (k, ctx) {
        const me = k.current(ctx);
        yield* spin_lock_irq(me.siglock, here`de_thread`);
        yield store(me.signal.group_exec_task, me.id, here`de_thread`, 'sig->group_exec_task = tsk');
        const n = yield* k.fn.zap_other_threads(k, ctx, me);
        yield store(me.signal.notify_count, n, here`de_thread`, 'sig->notify_count = zap_other_threads(tsk)');
        while ((yield load(me.signal.notify_count, here`de_thread`, 'while (sig->notify_count)')) !== 0) {
          yield* spin_unlock_irq(me.siglock, here`de_thread`);
          yield* k.fn.__set_current_state(k, ctx, TASK_KILLABLE);
          yield* k.fn.schedule(k, ctx);
          yield* spin_lock_irq(me.siglock, here`de_thread`);
        }
        yield* spin_unlock_irq(me.siglock, here`de_thread`);
        yield store(me.signal.group_exec_task, -1, here`de_thread`, 'sig->group_exec_task = NULL');
        yield store(me.signal.notify_count, 0, here`de_thread`, 'sig->notify_count = 0');
        return 0;
      });
    }
    if (variant === 'killed-in-exec-unlocked-clear' || variant === 'thread-kills-unlocked-clear') {
      k.override('de_thread', function* (k, ctx) {
        const me = k.current(ctx);
        const sig = me.signal;
        yield* spin_lock_irq(me.siglock, here`de_thread`);
        yield store(sig.group_exec_task, me.id, here`de_thread`, 'sig->group_exec_task = tsk');
        const n = yield* k.fn.zap_other_threads(k, ctx, me);
        yield store(sig.notify_count, n, here`de_thread`, 'sig->notify_count = zap_other_threads(tsk)');
        while ((yield load(sig.notify_count, here`de_thread`, 'while (sig->notify_count)')) !== 0) {
          yield* k.fn.__set_current_state(k, ctx, TASK_KILLABLE);
          yield* spin_unlock_irq(me.siglock, here`de_thread`);
          yield* k.fn.schedule(k, ctx);
          if (yield* k.fn.__fatal_signal_pending(k, ctx, me, 'de_thread')) {
            // killed: without read_lock(&tasklist_lock)
            yield store(sig.group_exec_task, -1, here`de_thread`, 'sig->group_exec_task = NULL');
            yield store(sig.notify_count, 0, here`de_thread`, 'sig->notify_count = 0');
            return -EAGAIN;
          }
          yield* spin_lock_irq(me.siglock, here`de_thread`);
        }
        yield* spin_unlock_irq(me.siglock, here`de_thread`);
        yield store(sig.group_exec_task, -1, here`de_thread`, 'sig->group_exec_task = NULL');
        yield store(sig.notify_count, 0, here`de_thread`, 'sig->notify_count = 0');
        return 0;
      });
    }
    if (variant === 'thread-exits-late-unhash') k.override('__exit_signal', exitSignalUnhashAfterUnlock);
    const [execs, pause] = [script((u) => u.exec()), script((u) => u.pause())];
    // exit(): a task's body that returns goes on to do_exit(0)
    const exits = script(function* () {});
    if (variant === 'killed-in-exec-no-force-sig') k.override('force_fatal_sig', leaveOut(), { within: 'sys_execve' });
    const leader = k.spawn('L', 0, execs);
    const kills = script(function* (u) {
      yield* u.kill(leader, SIG.SIGKILL);
      yield* u.idle();
    });
    const tBody = variant.startsWith('thread-exits') ? exits : variant.startsWith('thread-kills') ? kills : pause;
    k.spawn('T', 1, tBody, { threadOf: leader });
    if (variant.startsWith('killed-in-exec')) {
      k.spawn(
        'K',
        1,
        script(function* (u) {
          yield* u.kill(leader, SIG.SIGKILL);
          yield* u.idle();
        }),
      );
    }
    k.credGuard(leader);
    k.finish();
    registerLinuxInvariants(b, k);
    return b.build();
  },
});
