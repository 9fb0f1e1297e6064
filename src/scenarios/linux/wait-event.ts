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
 */

import { load, type Program, store } from '../../cpu/ops.ts';
import { TASK_NORMAL, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';

const REF = 'scenario linux/wait-event';
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
