/**
 * linux/kill-sleeping — SIGKILL against a task going to sleep in
 * TASK_KILLABLE (wait_event_killable on a condition that never comes), on
 * the Linux 6.6 substrate. Whatever the interleaving, the killed task must
 * wake, return to user mode, take SIGKILL in get_signal and die.
 *
 * The sender does not take the wait-queue lock, so SIGKILL can land between
 * prepare_to_wait_event's signal test and the task's schedule(): then it is
 * __schedule's signal_pending_state (for a TASK_KILLABLE sleeper, SIGKILL
 * pending) or ttwu_runnable (still queued) that keeps the task awake.
 *
 * Variants:
 * - linux-6.6: holds.
 * - signal-pending-state-ignores-sigkill (known bug put back):
 *   signal_pending_state without __fatal_signal_pending — a SIGKILL whose
 *   wakeup found the task still TASK_RUNNING is forgotten by __schedule.
 * - stale-prev-state: __schedule reads prev->__state before taking
 *   rq->lock (the order before d136122f5845). It HOLDS here: a SIGKILL
 *   wakeup through ttwu_runnable can slip in between, but __schedule then
 *   tests signal_pending_state on the stale TASK_KILLABLE, finds SIGKILL,
 *   and keeps the task. A plain wakeup has no such second chance:
 *   linux/sleep-wake's stale-prev-state variant loses it.
 * - mutex-killable: the same SIGKILL against mutex_lock_killable() on a
 *   mutex the killer holds: __mutex_lock_common queues the task, sets
 *   TASK_KILLABLE with set_current_state() — a full barrier — and only then
 *   tests signal_pending_state(). Holds, under x86-TSO too.
 * - mutex-ignores-sigkill: mutex-killable with the known bug above put
 *   back: the mutex loop's signal test and __schedule's both miss SIGKILL.
 *   (The set_current_state() barrier in the mutex loop is not what keeps
 *   mutex-killable safe under x86-TSO: with it weakened the row still holds,
 *   because __schedule tests signal_pending_state() again under rq->lock,
 *   whose locked acquisition drains the state store first.)
 */

import { load, type Program } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { TASK_KILLABLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { type LinuxBug, putBack } from '../../kernel/linux/known-bugs.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const REF = 'scenario linux/kill-sleeping';
const TICKS = 1;
const IPIS = 1;

const BUGS: readonly LinuxBug[] = ['signal-pending-state-ignores-sigkill', 'stale-prev-state'];

export default defineScenario({
  name: 'linux/kill-sleeping',
  summary: 'SIGKILL from another CPU against a task entering a TASK_KILLABLE sleep: it must die (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: `${TICKS} scheduler tick and ${IPIS} reschedule IPI per CPU`,
  variants: {
    'linux-6.6': {
      summary: 'wait_event_killable(wq, cond) against kill(task, SIGKILL)',
      source: 'linux-6.6 include/linux/wait.h ___wait_event, kernel/sched/core.c __schedule, kernel/signal.c complete_signal',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'signal-pending-state-ignores-sigkill': {
      summary: 'signal_pending_state() returns (state & TASK_INTERRUPTIBLE) only',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'SIGKILL lands between the signal test and schedule(); __schedule then dequeues the task',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'prepare_to_wait_event uses signal_pending_state too: the woken task goes back to sleep',
        },
      ],
    },
    'mutex-killable': {
      summary: 'mutex_lock_killable(M) while the killer holds M, against kill(task, SIGKILL)',
      source: 'linux-6.6 kernel/locking/mutex.c:568-741 __mutex_lock_common (TASK_KILLABLE), kernel/signal.c complete_signal',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO: set_current_state() drains the state store before signal_pending_state() reads TIF_SIGPENDING',
        },
      ],
    },
    'mutex-ignores-sigkill': {
      summary: 'mutex-killable with signal_pending_state() returning (state & TASK_INTERRUPTIBLE) only',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the killable sleeper on the mutex never sees SIGKILL: it sleeps on, killed',
        },
        { cpus: 1, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'the same on one CPU' },
      ],
    },
    'stale-prev-state': {
      summary: '__schedule reads prev->__state before rq_lock',
      expect: [
        {
          cpus: 2,
          verdict: 'holds',
          why: 'the stale state is still a killable one, and signal_pending_state sees the SIGKILL',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: TICKS, ipis: IPIS });
    for (const bug of BUGS) if (variant === bug) putBack(k, bug);
    if (variant === 'mutex-killable' || variant === 'mutex-ignores-sigkill') {
      if (variant === 'mutex-ignores-sigkill') putBack(k, 'signal-pending-state-ignores-sigkill');
      const m = k.mutex('M');
      const taker = k.spawn('sleeper', 0, function* (kk, _me, ctx) {
        if ((yield* kk.fn.mutex_lock_killable(kk, ctx, m)) === 0) yield* kk.fn.mutex_unlock(kk, ctx, m);
        yield* kk.fn.exit_to_user_mode(kk, ctx);
      });
      k.spawn('killer', 1, function* (kk, _me, ctx) {
        yield* kk.fn.mutex_lock(kk, ctx, m);
        yield* kk.fn.group_send_sig_info(kk, ctx, SIG.SIGKILL, taker);
        // M stays held: the killer is still in its critical section when the search ends
      });
      k.finish();
      registerLinuxInvariants(b, k);
      return b.build();
    }
    const cond = b.layout.cell('cond', 0);
    const wq = k.waitQueue('wq');
    const sleeper = k.spawn('sleeper', 0, function* (kk, _me, ctx) {
      function* condition(): Program<boolean> {
        return (yield load(cond, `${REF} sleeper`, 'condition: READ_ONCE(cond)')) !== 0;
      }
      yield* kk.fn.___wait_event(kk, ctx, wq, TASK_KILLABLE, condition); // wait_event_killable(wq, cond)
      yield* kk.fn.exit_to_user_mode(kk, ctx);
    });
    k.spawn('killer', 1, function* (kk, _me, ctx) {
      yield* kk.fn.group_send_sig_info(kk, ctx, SIG.SIGKILL, sleeper);
    });
    k.finish();
    registerLinuxInvariants(b, k);
    return b.build();
  },
});
