/**
 * linux/thread-exit — the exit of a process of two threads, C (the leader)
 * and T, and what its parent P sees (Linux 6.6). exit_notify reports a
 * traced task to its tracer (kernel/exit.c:740-745); a leader to its parent
 * only once it is the last of its group (746-748: else the last thread's
 * release_task does, 265-274); a thread that is not the leader and is not
 * traced reaps itself (749-751, autoreap). do_wait does not reap a leader
 * that still has threads (wait_consider_task 1425-1435, delay_group_leader).
 *
 * - wait-result (terminal): P's waitpid returned the exit it waited for.
 * - group-exited (when P's waitpid(C) returns C's exit): every thread of C
 *   has exited — the kernel reaps a process only as a whole.
 *
 * Variants:
 * - linux-6.6: C: exit(0) — T: exit(0) — P: waitpid(C, &status, 0). In
 *   either order: T reaps itself; C's exit is reported by whichever of C's
 *   exit_notify and T's release_task comes last, and P reaps C. Holds.
 * - traced-thread: T: ptrace(PTRACE_TRACEME) (its tracer is P, the
 *   parent of its process), then exit(0) — C: pause() — P: waitpid(T,
 *   &status, __WALL): T's exit is reported to P as its tracer's (741-745)
 *   and P reaps it. Holds.
 * - exit-group: T: exit_group(0) — C: pause() — P: waitpid(C, &status,
 *   0). T's do_group_exit finds no group exit yet and, under the siglock,
 *   records it and SIGKILLs C (exit.c:1007-1018, zap_other_threads); C
 *   wakes, dies in get_signal, and P reaps C once T is gone. Holds.
 * - exit-group-unlocked (a bug put back, invented): do_group_exit without
 *   its spin_lock_irq(&sighand->siglock): zap_other_threads clears C's
 *   jobctl bits and puts SIGKILL in its pending set unlocked
 *   (lock-discipline).
 * - thread-waits-for-reaping (a bug put back, invented): exit_notify
 *   handles a thread as it does a leader (no autoreap for 749-751): T
 *   stays a zombie, C's group never empties, P never hears of C.
 * - traced-thread-unreported (a bug put back, invented): exit_notify tests
 *   for a thread before it tests tsk->ptrace: the traced T reaps itself
 *   unreported, and P's waitpid(T) never gets its exit.
 * - leader-reported-early (a bug put back, invented): exit_notify reports
 *   the leader without testing thread_group_empty: do_notify_parent's own
 *   WARN_ON_ONCE (signal.c:2071-2072) fires.
 * - release-unlocked (a bug put back, invented): release_task without
 *   tasklist_lock: T leaves C's thread list unlocked (lock-discipline).
 * - reap-delayed-leader (a bug put back, invented): wait_consider_task
 *   without delay_group_leader: on two CPUs P reaps C while T still runs.
 */
import { check, load, type Program, store } from '../../cpu/ops.ts';
import { __WALL, EXIT_DEAD, EXIT_ZOMBIE, SIGNAL_GROUP_EXIT } from '../../kernel/linux/consts.ts';
import type { WaitpidResult } from '../../kernel/linux/exit-wait.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import type { MachineView } from '../../model/types.ts';
import { TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { NOT_RETURNED, storeWaitResult, waitResultText } from './wait-common.ts';

const WAIT_RESULT = 'wait-result';
const GROUP_EXITED = 'group-exited';
const X = 'linux-6.6 kernel/exit.c';

/**
 * Has the thread exited — its exit_notify ran (exit_state set)? It may still be on its CPU, finishing
 * do_exit: its release_task is what reports the leader, and P may reap C before T's last step.
 */
const exited = (m: ArrayLike<number>, t: LinuxTask) => m[t.exit_state] === EXIT_ZOMBIE || m[t.exit_state] === EXIT_DEAD;

export default defineScenario({
  name: 'linux/thread-exit',
  summary:
    "a two-thread process exits: the leader's report waits for its last thread; a traced thread reports to its tracer (Linux 6.6)",
  cpus: 2,
  invariants: [
    WAIT_RESULT,
    GROUP_EXITED,
    'no-lost-wakeup',
    'ptrace-links',
    'runqueue-sane',
    'lock-discipline',
    'deadlock',
    'legal-transition',
    'kernel-assert',
  ],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'C: exit(0) — T (a thread of C): exit(0) — P: waitpid(C, &status, 0)',
      source: 'linux-6.6 kernel/exit.c:740-751 exit_notify, 265-274 release_task, 1425-1435 wait_consider_task',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: "either thread exits last; that one's path reports C's exit, and P reaps C only then",
        },
      ],
    },
    'traced-thread': {
      summary: 'T: ptrace(PTRACE_TRACEME); exit(0) — C: pause() — P: waitpid(T, &status, __WALL)',
      source: 'linux-6.6 kernel/exit.c:740-745 exit_notify (a traced task reports to its tracer)',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: "T's exit is reported to P as its tracer, whether P is asleep in do_wait yet or not",
        },
      ],
    },
    'exit-group': {
      summary: 'T (a thread of C): exit_group(0) — C: pause() — P: waitpid(C, &status, 0)',
      source: 'linux-6.6 kernel/exit.c:996-1023 do_group_exit, 1030-1035 exit_group; kernel/signal.c:1378-1399 zap_other_threads',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: "T records the group exit and kills C under C's siglock; C dies whether it sleeps in pause() yet or not",
        },
      ],
    },
    'exit-group-unlocked': {
      summary: 'do_group_exit records the group exit and zaps the other threads without the siglock',
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'lock-discipline',
          why: "zap_other_threads clears C's jobctl bits and adds SIGKILL with the siglock free",
        },
        { cpus: 2, verdict: 'violated', invariant: 'lock-discipline', why: 'the same on two CPUs' },
      ],
    },
    'thread-waits-for-reaping': {
      summary: 'exit_notify: a thread that is not the leader is not autoreaped (as a leader)',
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: WAIT_RESULT,
          why: "T stays a zombie in C's group: C's exit is never reported",
        },
        { cpus: 2, verdict: 'violated', invariant: WAIT_RESULT, why: 'the same on two CPUs' },
      ],
    },
    'traced-thread-unreported': {
      summary: 'exit_notify: the thread test (749-751) before the ptrace test (740)',
      expect: [
        { cpus: 1, verdict: 'violated', invariant: WAIT_RESULT, why: 'T reaps itself unreported: P never gets its exit' },
        { cpus: 2, verdict: 'violated', invariant: WAIT_RESULT, why: 'the same on two CPUs' },
      ],
    },
    'leader-reported-early': {
      summary: 'exit_notify reports a leader to its parent without testing thread_group_empty (746-747)',
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'kernel-assert',
          why: "C exits while T lives: do_notify_parent's WARN_ON_ONCE(!tsk->ptrace && !thread_group_empty(tsk)) fires",
        },
        { cpus: 2, verdict: 'violated', invariant: 'kernel-assert', why: 'the same on two CPUs' },
      ],
    },
    'release-unlocked': {
      summary: 'release_task without write_lock_irq(&tasklist_lock): T leaves its group unlocked',
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'lock-discipline',
          why: "T's __exit_signal takes it off C's thread list with tasklist_lock free",
        },
        { cpus: 2, verdict: 'violated', invariant: 'lock-discipline', why: 'the same on two CPUs' },
      ],
    },
    'reap-delayed-leader': {
      summary: 'wait_consider_task reaps a zombie leader whatever its threads (no delay_group_leader)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: GROUP_EXITED,
          why: 'C exits while T runs on the other CPU; P reaps C at once',
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: "one CPU, no tick: P sleeps in do_wait first, C exits unreported, and only T's release_task wakes P",
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const traced = variant === 'traced-thread' || variant === 'traced-thread-unreported';
    if (variant === 'thread-waits-for-reaping' || variant === 'traced-thread-unreported' || variant === 'leader-reported-early') {
      // exit_notify's report (740-751), each bug variant with one test moved or gone
      k.override('notify_parent', function* (kk, ctx): Program<boolean> {
        const me = kk.current(ctx);
        const thread = me.group_leader !== me.id;
        if (variant === 'traced-thread-unreported' && thread) return true;
        const ptr: number = yield load(me.ptrace, `${X}:740 exit_notify`, 'if (unlikely(tsk->ptrace))');
        if (ptr) return yield* kk.fn.do_notify_parent(kk, ctx, me);
        if (variant !== 'thread-waits-for-reaping' && thread) return true;
        const alone =
          variant === 'leader-reported-early' || (yield* kk.fn.thread_group_empty(kk, ctx, me, `${X}:747 exit_notify`));
        if (!alone) return false;
        return yield* kk.fn.do_notify_parent(kk, ctx, me);
      });
    }
    if (variant === 'release-unlocked') {
      // the lock pair gone; __exit_signal's first write is then the violation, so nothing after it is needed
      k.override('release_task', (kk, ctx, p) => kk.fn.__exit_signal(kk, ctx, p));
    }
    if (variant === 'reap-delayed-leader') {
      k.override(
        'thread_group_empty',
        // biome-ignore lint/correctness/useYield: the bug's delay_group_leader reads nothing: it is always false
        function* () {
          return true;
        },
        { within: 'wait_consider_task' },
      );
    }
    if (variant === 'exit-group-unlocked') {
      // 1000-1003, then 1014-1016 with the lock pair of 1007/1018 gone (no exec runs here: group_exec_task stays NULL)
      k.override('do_group_exit', function* (kk, ctx, code) {
        const me = kk.current(ctx);
        const f: number = yield load(me.signal.flags, `${X}:1000 do_group_exit`, 'if (sig->flags & SIGNAL_GROUP_EXIT)');
        if (!(f & SIGNAL_GROUP_EXIT)) {
          yield store(me.signal.group_exit_code, code, `${X}:1014 do_group_exit`, 'sig->group_exit_code = exit_code');
          yield store(me.signal.flags, SIGNAL_GROUP_EXIT, `${X}:1015 do_group_exit`, 'sig->flags = SIGNAL_GROUP_EXIT');
          yield* kk.fn.zap_other_threads(kk, ctx, me);
        }
        yield* kk.fn.do_exit(kk, ctx, code);
      });
    }
    const group = variant === 'exit-group' || variant === 'exit-group-unlocked';
    let c = null as unknown as LinuxTask;
    let t = null as unknown as LinuxTask;
    const ret = b.layout.cell('P.wait', NOT_RETURNED);
    const status = b.layout.cell('P.status', 0);
    const p = k.spawn(
      'P',
      1,
      script(function* (u) {
        const call = traced ? 'r = waitpid(T, &status, __WALL)' : 'r = waitpid(C, &status, 0)';
        const res: WaitpidResult = traced ? yield* u.waitpid(t, __WALL) : yield* u.waitpid(c, 0);
        if (!traced && res.ret === c.id) {
          yield check(
            GROUP_EXITED,
            [t.exit_state],
            (m) => (exited(m, t) ? null : `P's waitpid(C) returned C's exit while T, a thread of C, has not exited`),
            `${X}:1425-1435 wait_consider_task`,
            "we don't reap group leaders with subthreads",
          );
        }
        yield* storeWaitResult(ret, status, res, 'P', call);
        yield* u.idle();
      }),
    );
    const cBody = traced ? script((u) => u.idle()) : group ? script((u) => u.pause()) : script(function* () {});
    c = k.spawn('C', 0, cBody, { parent: p });
    t = k.spawn(
      'T',
      0,
      script(function* (u) {
        if (traced) yield* u.traceme();
        if (group) yield* u.exitGroup(0);
      }),
      { threadOf: c },
    );
    const pt = setupPtrace(k);
    k.finish();
    registerLinuxInvariants(b, k);
    registerPtraceInvariants(b, k, pt);
    const target = () => (traced ? t : c);
    b.atEnd({ name: WAIT_RESULT, check: (w) => waitResult(w, target(), ret, status) });
    return b.build();
  },
});

function waitResult(w: MachineView, target: LinuxTask, ret: number, status: number): string | null {
  const r = w.mem[ret] as number;
  const st = w.mem[status] as number;
  if (r === target.id && (st & 0xff) !== 0x7f) return null;
  return `P's waitpid(${target.name}) returned ${waitResultText(target, r, st)}; it must return ${target.name}'s exit`;
}
