/**
 * linux/wait-event — wait_event(wq, cond) against `cond = 1; wake_up(wq)`
 * from another CPU, on the Linux 6.6 substrate: the sleeper must never
 * stay asleep once cond is set. This is the guarantee ___wait_event's loop
 * exists for: the task is queued and in TASK_UNINTERRUPTIBLE
 * (prepare_to_wait_event) before it tests the condition again, so a waker
 * that sets cond after the test finds it on the queue.
 *
 * Variants:
 * - linux-6.6: holds.
 * - test-before-queue: the condition is tested once, before the task is
 *   queued (no test between prepare_to_wait_event and schedule()): a
 *   waker whose wake_up finds the queue empty is lost.
 * - finish-wait-unlocked (a bug put back, invented): finish_wait takes its
 *   entry off the list after it has dropped the queue's lock, while a
 *   waker may walk the list: lock-discipline (the list changes only under
 *   wq_head->lock).
 */

import { load, type Program, rmw, store } from '../../cpu/ops.ts';
import { fifoHas, fifoRemove } from '../../kernel/common/fifo.ts';
import { TASK_NORMAL, TASK_RUNNING, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { spin_lock_irqsave, spin_unlock_irqrestore } from '../../kernel/linux/locking.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';

const REF = 'scenario linux/wait-event';
const W = 'linux-6.6 kernel/sched/wait.c';
const TICKS = 1;
const IPIS = 1;

export default defineScenario({
  name: 'linux/wait-event',
  summary: 'wait_event(wq, cond) against cond = 1; wake_up(wq) from another CPU: the sleeper must wake (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: `${TICKS} scheduler tick and ${IPIS} reschedule IPI per CPU`,
  variants: {
    'linux-6.6': {
      summary: 'wait_event: prepare_to_wait_event, then the condition, then schedule(), in a loop',
      source: 'linux-6.6 include/linux/wait.h ___wait_event, kernel/sched/wait.c prepare_to_wait_event, __wake_up',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds', why: 'the condition is tested after the task is queued and TASK_UNINTERRUPTIBLE' },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO: __wake_up takes the queue lock, which waits for the waiter to drain its unlock, after its state store',
        },
      ],
    },
    'test-before-queue': {
      summary: 'the condition tested once, before prepare_to_wait_event; schedule() with no second test',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'cond = 1 and wake_up between the test and the queueing: the wakeup finds no one',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'a timer tick between the test and the queueing lets the waker run there',
        },
      ],
    },
    'finish-wait-unlocked': {
      summary: 'finish_wait: list_del_init(&wq_entry->entry) after spin_unlock_irqrestore(&wq_head->lock)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'lock-discipline',
          why: 'the sleeper, queued again after its wake-up, finds cond set and takes its entry off the list unlocked',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'lock-discipline',
          why: 'the same, with no tick: the waker runs once the sleeper sleeps',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: TICKS, ipis: IPIS });
    if (variant === 'test-before-queue') {
      k.override('___wait_event', function* (kk, ctx, wq, state, condition) {
        if (yield* condition()) return 0;
        yield* kk.fn.prepare_to_wait_event(kk, ctx, wq, state);
        yield* kk.fn.schedule(kk, ctx); // no second test of the condition
        yield* kk.fn.finish_wait(kk, ctx, wq);
        return 0;
      });
    }
    if (variant === 'finish-wait-unlocked') {
      k.override('finish_wait', function* (kk, ctx, wq) {
        const me = ctx.self;
        yield* kk.fn.__set_current_state(kk, ctx, TASK_RUNNING);
        const head: number = yield load(wq.head, `${W}:414 finish_wait`, 'if (!list_empty_careful(&wq_entry->entry))');
        if (!fifoHas(head, me)) return;
        const flags = yield* spin_lock_irqsave(wq.lock, `${W}:415 finish_wait`, `spin_lock_irqsave(&${wq.name}->lock)`);
        yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:417 finish_wait`);
        yield rmw(wq.head, (h) => fifoRemove(h, me), `${W}:416 finish_wait`, 'list_del_init(&wq_entry->entry), unlocked');
      });
    }
    const cond = b.layout.cell('cond', 0);
    const wq = k.waitQueue('wq');
    const sleeper = k.spawn('sleeper', 0, function* (kk, _me, ctx) {
      function* condition(): Program<boolean> {
        return (yield load(cond, `${REF} sleeper`, 'condition: READ_ONCE(cond)')) !== 0;
      }
      yield* kk.fn.___wait_event(kk, ctx, wq, TASK_UNINTERRUPTIBLE, condition); // wait_event(wq, cond)
    });
    k.spawn('waker', 1, function* (kk, _me, ctx) {
      yield store(cond, 1, here`waker`, 'WRITE_ONCE(cond, 1)');
      yield* kk.fn.__wake_up(kk, ctx, wq, TASK_NORMAL); // wake_up(wq)
    });
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [{ task: sleeper, what: 'cond = 1', holds: (m) => m[cond] === 1 }] });
    return b.build();
  },
});
