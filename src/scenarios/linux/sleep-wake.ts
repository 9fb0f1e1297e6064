/**
 * linux/sleep-wake — the kernel's sleep/wake pattern on the Linux 6.6
 * substrate: the sleeper marks itself sleeping, tests its condition, and
 * calls schedule(); the waker sets the condition and calls
 * wake_up_process(). try_to_wake_up and __schedule run step by step, with
 * pi_lock, rq->lock, on_rq, on_cpu and migration.
 *
 * Variants:
 * - linux-6.6: set_current_state() (store + full barrier), then the test.
 * - waitqueue: the same through a wait queue: prepare_to_wait / __wake_up /
 *   finish_wait (autoremove entries).
 * - no-barrier: __set_current_state() (no barrier) instead. On sequentially
 *   consistent memory a fence orders nothing a store and a load do not
 *   already order: this variant HOLDS there. Under x86-TSO
 *   (`--memory-model tso`) the state store waits in the sleeper's store
 *   buffer while the sleeper loads cond = 0; the waker's try_to_wake_up
 *   (pi_lock, a locked instruction, drained its own store of cond) reads
 *   __state still TASK_RUNNING from memory and wakes nobody; the sleeper's
 *   schedule() then dequeues it: the wakeup is lost. linux-6.6's
 *   smp_store_mb (an xchg) drains the store before the load.
 * - test-before-set: the condition tested BEFORE set_current_state — the
 *   classic lost wakeup: the waker sets the condition and finds the sleeper
 *   still TASK_RUNNING between its test and its store, so wakes nobody.
 *   Two CPUs lose it; so does one CPU when the tick preempts the sleeper
 *   between its test and its store.
 * - waitqueue-active, exclusive-active, wait-event-active: the waker tests
 *   the queue without its lock, as include/linux/wait.h's comment on
 *   waitqueue_active() prescribes: `cond = true; smp_mb(); if
 *   (waitqueue_active(wq)) wake_up(wq);`. Its smp_mb() pairs with the one
 *   in the sleeper's set_current_state, made inside prepare_to_wait (or its
 *   _exclusive and _event forms, the last through ___wait_event, the body
 *   of wait_event()). Under x86-TSO each side's fence drains its store
 *   before its load: either the waker sees the queued entry, or the sleeper
 *   sees cond. Without the sleeper's barrier its queueing and its state wait
 *   in its store buffer while it reads cond = 0, and the waker reads an
 *   empty queue: nobody wakes it.
 * - waitqueue-active-no-mb (the bug the comment warns of): the waker's
 *   smp_mb() left out. Under x86-TSO cond = 1 waits in the waker's store
 *   buffer while it reads the queue still empty; the sleeper queues itself,
 *   reads cond = 0 and sleeps: the wakeup is lost.
 * - stale-prev-state (known bug put back in __schedule): prev->__state read
 *   before rq->lock. The waker's ttwu_runnable (under rq->lock) sets
 *   TASK_RUNNING between that read and the dequeue, and __schedule dequeues
 *   a runnable task: it never runs again (runqueue-sane).
 */

import { fence, load, type Program, store } from '../../cpu/ops.ts';
import { TASK_NORMAL, TASK_RUNNING, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario, type Expectation } from '../../model/scenario.ts';
import type { TaskContext } from '../../model/types.ts';

const REF = 'scenario linux/sleep-wake';
/** the lockless waker of include/linux/wait.h's comment on waitqueue_active(): each variant, and the queue helper its sleeper calls */
const LOCKLESS_WAKERS: Readonly<Record<string, 'prepare_to_wait' | 'prepare_to_wait_exclusive' | '___wait_event'>> = {
  'waitqueue-active': 'prepare_to_wait',
  'exclusive-active': 'prepare_to_wait_exclusive',
  'wait-event-active': '___wait_event',
  'waitqueue-active-no-mb': 'prepare_to_wait',
};
/** the rows of a correct lockless waker: they hold on one and two CPUs, and under x86-TSO */
const losslessRows = (why: string): Expectation[] => [
  { cpus: 1, verdict: 'holds' },
  { cpus: 2, verdict: 'holds' },
  { cpus: 2, memoryModel: 'tso', verdict: 'holds', why },
];
const TICKS = 1;
const IPIS = 1;

export default defineScenario({
  name: 'linux/sleep-wake',
  summary: 'set_current_state / test the condition / schedule() against a waker on another CPU (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: `${TICKS} scheduler tick and ${IPIS} reschedule IPI per CPU`,
  variants: {
    'linux-6.6': {
      summary: 'set_current_state(TASK_UNINTERRUPTIBLE); if (cond) break; schedule(); — waker: cond = 1; wake_up_process()',
      source: 'linux-6.6 include/linux/sched.h set_current_state, kernel/sched/core.c try_to_wake_up, __schedule',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 3, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'smp_store_mb drains the state store before the test' },
      ],
    },
    waitqueue: {
      summary: 'prepare_to_wait(); if (cond) break; schedule(); finish_wait() — waker: cond = 1; wake_up()',
      source: 'linux-6.6 kernel/sched/wait.c prepare_to_wait, finish_wait, __wake_up',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          why: '__wake_up takes the queue lock, which waits for the sleeper to drain its unlock, after its state store',
        },
      ],
    },
    'no-barrier': {
      summary: '__set_current_state (no barrier) before the test: holds on sequentially consistent memory, not under x86-TSO',
      expect: [
        { cpus: 1, verdict: 'holds', why: 'one CPU: program order is all there is' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'sequentially consistent model: the missing fence reorders nothing',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the state store waits in the store buffer while the sleeper reads cond = 0 and the waker reads TASK_RUNNING',
        },
        { cpus: 1, memoryModel: 'tso', verdict: 'holds', why: 'one CPU reads its own buffered stores' },
      ],
    },
    'test-before-set': {
      summary: 'if (cond) break; set_current_state(); schedule(); — the test before the state store',
      expect: [
        { cpus: 2, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'the waker runs between the test and the store' },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the tick preempts the sleeper between the test and the store, and the waker runs',
        },
      ],
    },
    'waitqueue-active': {
      summary: 'prepare_to_wait(); if (cond) break; schedule(); — waker: cond = 1; smp_mb(); if (waitqueue_active(wq)) wake_up()',
      source: 'linux-6.6 include/linux/wait.h waitqueue_active (the comment above it), kernel/sched/wait.c prepare_to_wait',
      expect: losslessRows(
        "the waker's smp_mb() and set_current_state's, inside prepare_to_wait, order each side's store before its load",
      ),
    },
    'exclusive-active': {
      summary: 'prepare_to_wait_exclusive(); if (cond) break; schedule(); — the same lockless waker',
      source: 'linux-6.6 include/linux/wait.h waitqueue_active, kernel/sched/wait.c prepare_to_wait_exclusive',
      expect: losslessRows("set_current_state's barrier inside prepare_to_wait_exclusive pairs with the waker's smp_mb()"),
    },
    'wait-event-active': {
      summary: 'wait_event(wq, cond) (___wait_event: prepare_to_wait_event) — the same lockless waker',
      source: 'linux-6.6 include/linux/wait.h ___wait_event, waitqueue_active, kernel/sched/wait.c prepare_to_wait_event',
      expect: losslessRows("set_current_state's barrier inside prepare_to_wait_event pairs with the waker's smp_mb()"),
    },
    'waitqueue-active-no-mb': {
      summary:
        "the lockless waker without its smp_mb(): the misuse include/linux/wait.h's comment on waitqueue_active() warns of",
      expect: [
        { cpus: 1, verdict: 'holds', why: 'one CPU: program order is all there is' },
        { cpus: 2, verdict: 'holds', why: 'sequentially consistent model: the missing fence reorders nothing' },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: "cond = 1 waits in the waker's store buffer while it reads an empty queue; the sleeper reads cond = 0 and sleeps",
        },
      ],
    },
    'stale-prev-state': {
      summary: '__schedule reads prev->__state before rq_lock',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'runqueue-sane',
          why: 'ttwu_runnable sets TASK_RUNNING between the read and the dequeue',
        },
        { cpus: 1, verdict: 'holds', why: 'the read and the dequeue run with no other CPU to wake in between' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: TICKS, ipis: IPIS });
    if (variant === 'stale-prev-state') putBack(k, 'stale-prev-state');
    const cond = b.layout.cell('cond', 0);
    const wq = k.waitQueue('wq');
    function* testCond(): Program<boolean> {
      return (yield load(cond, `${REF} sleeper`, 'if (cond) break')) !== 0;
    }
    function* sleepDirect(kk: LinuxKernel, ctx: TaskContext): Program<void> {
      for (;;) {
        if (variant === 'test-before-set' && (yield* testCond())) break;
        if (variant === 'no-barrier') yield* kk.fn.__set_current_state(kk, ctx, TASK_UNINTERRUPTIBLE);
        else yield* kk.fn.set_current_state(kk, ctx, TASK_UNINTERRUPTIBLE);
        if (variant !== 'test-before-set' && (yield* testCond())) break;
        yield* kk.fn.schedule(kk, ctx);
      }
      yield* kk.fn.__set_current_state(kk, ctx, TASK_RUNNING);
    }
    function* sleepOnQueue(kk: LinuxKernel, ctx: TaskContext): Program<void> {
      for (;;) {
        yield* kk.fn.prepare_to_wait(kk, ctx, wq, TASK_UNINTERRUPTIBLE);
        if (yield* testCond()) break;
        yield* kk.fn.schedule(kk, ctx);
      }
      yield* kk.fn.finish_wait(kk, ctx, wq);
    }
    function* sleepExclusive(kk: LinuxKernel, ctx: TaskContext): Program<void> {
      for (;;) {
        yield* kk.fn.prepare_to_wait_exclusive(kk, ctx, wq, TASK_UNINTERRUPTIBLE);
        if (yield* testCond()) break;
        yield* kk.fn.schedule(kk, ctx);
      }
      yield* kk.fn.finish_wait(kk, ctx, wq);
    }
    /** wait_event(wq, cond): ___wait_event with an uninterruptible state and schedule() as its command */
    function* waitEvent(kk: LinuxKernel, ctx: TaskContext): Program<void> {
      yield* kk.fn.___wait_event(kk, ctx, wq, TASK_UNINTERRUPTIBLE, testCond);
    }
    const lockless = LOCKLESS_WAKERS[variant];
    const sleeper = k.spawn('sleeper', 0, (kk, _me, ctx) => {
      if (lockless === 'prepare_to_wait_exclusive') return sleepExclusive(kk, ctx);
      if (lockless === '___wait_event') return waitEvent(kk, ctx);
      return variant === 'waitqueue' || lockless === 'prepare_to_wait' ? sleepOnQueue(kk, ctx) : sleepDirect(kk, ctx);
    });
    k.spawn('waker', 1, function* (kk, _me, ctx) {
      yield store(cond, 1, `${REF} waker`, 'WRITE_ONCE(cond, 1)');
      if (lockless !== undefined) {
        // include/linux/wait.h, the comment on waitqueue_active(): `@cond = true; smp_mb(); if (waitqueue_active(wq)) wake_up(wq);`
        if (variant !== 'waitqueue-active-no-mb') yield fence(`${REF} waker`, 'smp_mb()');
        const head: number = yield load(wq.head, 'linux-6.6 include/linux/wait.h waitqueue_active', 'if (waitqueue_active(wq))');
        if (head !== 0) yield* kk.fn.__wake_up(kk, ctx, wq, TASK_NORMAL);
      } else if (variant === 'waitqueue') yield* kk.fn.__wake_up(kk, ctx, wq, TASK_NORMAL);
      else yield* kk.fn.wake_up_process(kk, ctx, sleeper);
    });
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [{ task: sleeper, what: 'cond = 1', holds: (m) => m[cond] === 1 }] });
    return b.build();
  },
});
