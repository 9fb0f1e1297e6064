/**
 * linux/exclusive-order — one wait queue with a plain waiter W (waiting for
 * `produced`) and an exclusive one C (waiting to take a token), and a
 * producer P that sets `produced`, adds a token and calls wake_up()
 * (nr_exclusive 1) (Linux 6.6 kernel/sched/wait.c). Plain entries go in at
 * the head (__add_wait_queue) and exclusive ones at the tail
 * (__add_wait_queue_entry_tail), so __wake_up_common wakes every plain
 * waiter before the exclusive entry that ends its walk. Variant
 * exclusive-at-head, an invented bug: __add_wait_queue_entry_tail puts the
 * exclusive entry at the head — once C queues after W, the walk wakes C,
 * spends nr_exclusive and stops before W.
 */
import { load, type Program, rmw, store } from '../../cpu/ops.ts';
import { TASK_NORMAL, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants, sleepsWhile } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';

export default defineScenario({
  name: 'linux/exclusive-order',
  summary: 'a plain and an exclusive waiter on one queue, one wake_up(): is the plain waiter always woken? (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'W: wait_event(wq, produced) — C: wait_event_exclusive(wq, take a token) — P: produced = 1; tokens++; wake_up(wq)',
      source: 'linux-6.6 include/linux/wait.h:171-197 __add_wait_queue, __add_wait_queue_entry_tail; kernel/sched/wait.c:80-122',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO store buffers on both CPUs: the same answer (852k states, 1.7× sc; 31 s under nice -n 19 at load 8)',
        },
      ],
    },
    'exclusive-at-head': {
      summary: '__add_wait_queue_entry_tail adds the exclusive entry at the head (list_add)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'C queues ahead of W: wake_up wakes C, nr_exclusive reaches 0, and W sleeps with produced set',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the same order on one CPU: W sleeps first, C queues ahead of it',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'exclusive-at-head')
      k.override('__add_wait_queue_entry_tail', (k, ctx, wq, ref, absent) =>
        k.fn.__add_wait_queue(k, ctx, wq, ref, absent, true),
      );
    const [wq, produced, tokens] = [k.waitQueue('wq'), b.layout.cell('produced'), b.layout.cell('tokens')];
    const isProduced = function* (): Program<boolean> {
      return (yield load(produced, here`W`, 'condition: READ_ONCE(produced)')) !== 0;
    };
    const takeToken = function* (): Program<boolean> {
      return (yield rmw(tokens, (t) => (t > 0 ? t - 1 : t), here`C`, 'condition: if (tokens > 0) tokens-- (atomic)')) > 0;
    };
    const w = k.spawn('W', 0, (k, _me, ctx) => k.fn.___wait_event(k, ctx, wq, TASK_UNINTERRUPTIBLE, isProduced));
    const c = k.spawn('C', 1, (k, _me, ctx) => k.fn.___wait_event(k, ctx, wq, TASK_UNINTERRUPTIBLE, takeToken, true));
    k.spawn('P', 0, function* (k, _me, ctx) {
      yield store(produced, 1, here`P`, 'WRITE_ONCE(produced, 1)');
      yield rmw(tokens, (t) => t + 1, here`P`, 'tokens++ (atomic)');
      yield* k.fn.__wake_up(k, ctx, wq, TASK_NORMAL, 1); // wake_up(wq)
    });
    k.finish();
    const sleeps = [
      sleepsWhile(w, 'produced is set', (m) => m[produced] !== 0),
      sleepsWhile(c, 'a token is left', (m) => m[tokens] !== 0),
    ];
    registerLinuxInvariants(b, k, { sleepsFor: sleeps });
    return b.build();
  },
});
