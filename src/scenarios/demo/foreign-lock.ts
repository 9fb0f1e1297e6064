/**
 * demo/foreign-lock — a sleeping lock of a kernel we do not ship, written
 * on the toy scheduler in a few lines: lock() is test-and-set, and on
 * failure the task puts itself on the waiter set and sleeps until the lock
 * is free (waitEvent); unlock() clears the lock, then wakes the waiters.
 * Variant wake-before-clear: unlock() reads the waiter set before it
 * clears the lock — a task that fails test-and-set in between sleeps with
 * the lock free. One CPU suffices: the tick preempts the owner in the
 * middle of its unlock().
 */
import { load, type Program, rmw, store } from '../../cpu/ops.ts';
import { members } from '../../kernel/common/bits.ts';
import { ToyKernel, type ToyTask } from '../../kernel/demo/toy-sched.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';

export default defineScenario({
  name: 'demo/foreign-lock',
  summary: 'a foreign kernel sleeping lock on the toy scheduler: can a waiter sleep with the lock free?',
  cpus: 1,
  invariants: ['no-lost-wakeup', 'deadlock'],
  bounds: '1 tick per CPU (preempts the running task when another is queued)',
  variants: {
    fixed: {
      summary: 'unlock: locked = 0, then wake every waiter',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    'wake-before-clear': {
      summary: 'unlock: read the waiter set, then locked = 0, then wake those waiters',
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the tick preempts the owner between its read of the waiters and its clear',
        },
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the other task fails test-and-set and sleeps between the read and the clear',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new ToyKernel(b, { ticks: 1 });
    const locked = b.layout.cell('lock.locked', 1);
    const waiters = b.layout.cell('lock.waiters', 0, (v) => `{${members(v).map((t) => k.task(t).name)}}`);
    const free = k.condition(locked, (v) => v === 0, 'lock.locked == 0');
    function* lock(me: ToyTask, ctx: TaskContext): Program<void> {
      while ((yield rmw(locked, () => 1, here`lock`, 'test_and_set(&lock->locked)')) !== 0) {
        yield rmw(waiters, (w) => w | (1 << me.id), here`lock`, 'add current to lock->waiters');
        yield* k.waitEvent(me, ctx, free);
        yield rmw(waiters, (w) => w & ~(1 << me.id), here`lock`, 'remove current from lock->waiters');
      }
    }
    function* unlock(): Program<void> {
      const early: number = variant === 'wake-before-clear' ? yield load(waiters, here`unlock`, 'w = lock->waiters') : 0;
      yield store(locked, 0, here`unlock`, 'lock->locked = 0');
      const w: number = variant === 'wake-before-clear' ? early : yield load(waiters, here`unlock`, 'w = lock->waiters');
      for (const t of members(w)) yield* k.wakeUp(k.task(t));
    }
    k.spawn('owner', 0, function* () {
      yield* unlock();
    });
    k.spawn('taker', 1, function* (_k, me, ctx) {
      yield* lock(me, ctx);
      yield* unlock();
    });
    k.finish();
    k.noLostWakeup();
    return b.build();
  },
});
