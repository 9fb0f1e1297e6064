/**
 * linux/exclusive-wait — two consumers wait exclusively on one wait queue
 * (___wait_event with WQ_FLAG_EXCLUSIVE entries at the tail) for tokens a
 * producer adds one at a time, each followed by wake_up() (nr_exclusive 1)
 * (Linux 6.6 kernel/sched/wait.c). A consumer's condition takes a token
 * atomically. __wake_up_common counts an exclusive entry against
 * nr_exclusive only when its wake function woke it (`ret && …`): an entry
 * whose task is already running (between its condition and finish_wait)
 * does not use up the wakeup. Variant wake-counts-running, an invented bug:
 * __wake_up_common counts every exclusive entry, woken or not — the wakeup
 * is spent on a consumer that needs none and the other sleeps with a token
 * left.
 *
 * linux-6.6 itself is violated once C1 can run between the producer's two
 * wake_ups (a tick on 2 CPUs): C2 takes the first token on its own check,
 * while still queued and TASK_UNINTERRUPTIBLE, so the second wake_up finds
 * it first, try_to_wake_up succeeds on it (ttwu_state_match sets success,
 * ttwu_runnable returns 1: core.c:4052, 3849-3870) and nr_exclusive is
 * spent there (wait.c:110). The model follows the source here; the fault is
 * the consumer's: an exclusive waiter must pass the wakeup on when it leaves
 * with work still there. Linux says so (fs/pipe.c:1041-1047: "the proper
 * kind of exclusive wait ... requires that we wake up any other readers ...
 * if we then do not end up reading everything") and pipe_read does it
 * (wake_next_reader, fs/pipe.c:379-393). wait.c:76-78 still says
 * try_to_wake_up returns 0 for a task that already runs but is not
 * TASK_RUNNING; 6.6's code returns 1. Variant wake-next-consumer is that
 * consumer: after its wait, a token still there is announced again.
 */
import { load, type Program, rmw } from '../../cpu/ops.ts';
import { fifoEntries } from '../../kernel/common/fifo.ts';
import { TASK_NORMAL, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants, sleepsWhile } from '../../kernel/linux/invariants.ts';
import { LinuxKernel, type TaskBody } from '../../kernel/linux/kernel.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import { TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';

export default defineScenario({
  name: 'linux/exclusive-wait',
  summary: 'two exclusive waiters, two tokens each announced by wake_up(): does every token reach a consumer? (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: '___wait_event(wq, take a token, TASK_UNINTERRUPTIBLE, exclusive) against tokens++; wake_up(wq), twice',
      source: 'linux-6.6 kernel/sched/wait.c:80-122 __wake_up_common, 310-343 prepare_to_wait_event',
      expect: [
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'holds',
          why: 'one CPU, one tick: no consumer is inside its window when the other runs',
        },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'no ticks: P runs on CPU0 only once C1 sleeps there, so C1 never runs between the two wake_ups (with a tick, see the next row)',
        },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs, no ticks: the same answer' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'a tick lets the woken C1 run before P goes on; C2, never woken, takes that token (its condition, between prepare_to_wait_event and finish_wait), C1 queues again behind it; the second wake_up finds C2 first, still TASK_UNINTERRUPTIBLE, and its try_to_wake_up succeeds (ttwu_runnable), so it spends nr_exclusive on C2 and C1 sleeps with a token left. The 6.6 wait code is modelled as written: the consumers break the exclusive-wait contract (a waiter leaving with work left wakes the next, fs/pipe.c:1041-1047; see wake-next-consumer)',
        },
      ],
    },
    'wake-next-consumer': {
      summary:
        'linux-6.6 with consumers that keep the exclusive-wait contract: after the wait, a token left is announced again (pipe_read wake_next_reader)',
      source: 'linux-6.6 fs/pipe.c:379-393 pipe_read (wake_next_reader), 1041-1047; kernel/sched/wait.c:80-122',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds', why: 'one CPU, one tick: as for linux-6.6' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          long: true,
          why: 'the consumer that took a wakeup meant for another leaves after finish_wait, sees the token left and wakes the next exclusive waiter (634k executions, 4.2M states, 20.8M steps; 103 s under nice -n 19 at load 12-15)',
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO store buffers on both CPUs, a tick on each: the same answer (1.30M executions, 6.29M states, 1.5× sc; 87 s under nice -n 19 at load 10)',
        },
      ],
    },
    'wake-counts-running': {
      summary: '__wake_up_common counts an exclusive entry against nr_exclusive even when its task was already running',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the second wake_up meets the first consumer still on the list after taking its token, spends itself there, and the other consumer sleeps with a token left',
        },
        { cpus: 1, verdict: 'holds', why: 'no ticks: each consumer runs to its sleep or its end before the producer runs' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const [wq, tokens] = [k.waitQueue('wq'), b.layout.cell('tokens', 0)];
    if (variant === 'wake-counts-running') {
      k.override('__wake_up_common', function* (k, ctx, wq, mode, nr, wakeFlags) {
        for (const e of fifoEntries(yield load(wq.head, here`__wake_up_common`, 'curr = list_first_entry(&wq_head->head)'))) {
          yield* k.fn.wake_entry(k, ctx, wq, e.task, mode, wakeFlags);
          if (e.flag && !--nr) break; // woken or not
        }
        return nr;
      });
    }
    function* takeToken(): Program<boolean> {
      return (yield rmw(tokens, (t) => (t > 0 ? t - 1 : t), here`consumer`, 'if (tokens > 0) tokens-- (atomic)')) > 0;
    }
    const consume: TaskBody = function* (k, _me, ctx) {
      yield* k.fn.___wait_event(k, ctx, wq, TASK_UNINTERRUPTIBLE, takeToken, true);
      if (variant !== 'wake-next-consumer') return; // else pipe_read's wake_next_reader (fs/pipe.c:384-393)
      if (yield load(tokens, here`consumer`, 'if (tokens > 0) wake_next_reader'))
        yield* k.fn.__wake_up(k, ctx, wq, TASK_NORMAL, 1);
    };
    const [c1, c2] = [k.spawn('C1', 0, consume), k.spawn('C2', 1, consume)];
    k.spawn('P', 2, function* (k, _me, ctx) {
      for (let i = 0; i < 2; i++) {
        yield rmw(tokens, (t) => t + 1, here`producer`, 'tokens++');
        yield* k.fn.__wake_up(k, ctx, wq, TASK_NORMAL, 1);
      }
    });
    k.finish();
    const left = [c1, c2].map((t) => sleepsWhile(t, 'a token is left', (m) => m[tokens] !== 0, TASK_UNINTERRUPTIBLE));
    registerLinuxInvariants(b, k, { sleepsFor: left });
    return b.build();
  },
});
