/**
 * The sleep/wake pair of the toy scheduler, shared by demo/lost-wakeup (one
 * waker) and bench/sleep-wake (a waker on every other CPU, mirrored step for
 * step in Promela for the SPIN comparison).
 *
 * buggy: the sleeper tests its condition, then marks itself sleeping and
 * calls schedule(); each waker sets the condition, then tests the sleeper's
 * state with no lock. fixed: set_current_state() and a full barrier before
 * the test; the wakers test the state under the runqueue lock (wake_up).
 */
import { fence, load, store } from '../../cpu/ops.ts';
import { ModelBuilder } from '../../model/build.ts';
import type { ModelDef } from '../../model/types.ts';
import { TASK_RUNNING, TASK_UNINTERRUPTIBLE, ToyKernel } from './toy-sched.ts';

export interface SleepWakeOptions {
  readonly cpus: number;
  readonly buggy: boolean;
  /** the source reference prefix of every step */
  readonly ref: string;
  /** the wakers, one per CPU from CPU1, by name */
  readonly wakers: readonly string[];
}

export function buildSleepWake({ cpus, buggy, ref, wakers }: SleepWakeOptions): ModelDef {
  const b = new ModelBuilder(cpus);
  const k = new ToyKernel(b);
  const cond = b.layout.cell('cond', 0);
  const sleeper = k.spawn('sleeper', 0, function* (k, me, ctx) {
    if (buggy) {
      const c: number = yield load(cond, `${ref} sleeper`, 'if (cond) return');
      if (c) return;
      yield store(me.state, TASK_UNINTERRUPTIBLE, `${ref} sleeper`, 'current->state = TASK_UNINTERRUPTIBLE');
      yield* k.schedule(me, ctx);
      return;
    }
    for (;;) {
      yield store(me.state, TASK_UNINTERRUPTIBLE, `${ref} sleeper`, 'set_current_state(TASK_UNINTERRUPTIBLE)');
      yield fence(`${ref} sleeper`, 'smp_store_mb: the store above is ordered before the test below');
      const c: number = yield load(cond, `${ref} sleeper`, 'if (cond) break');
      if (c) break;
      yield* k.schedule(me, ctx);
    }
    yield store(me.state, TASK_RUNNING, `${ref} sleeper`, '__set_current_state(TASK_RUNNING)');
  });
  wakers.forEach((name, i) => {
    k.spawn(name, i + 1, function* (k) {
      yield store(cond, 1, `${ref} waker`, 'cond = 1');
      if (buggy) {
        const st: number = yield load(sleeper.state, `${ref} waker`, 'if (sleeper->state == TASK_UNINTERRUPTIBLE)');
        if (st !== TASK_UNINTERRUPTIBLE) return;
      }
      yield* k.wakeUp(sleeper);
    });
  });
  k.finish();
  b.atEnd({
    name: 'no-lost-wakeup',
    check: (w) =>
      w.mem[sleeper.state] === TASK_UNINTERRUPTIBLE && w.mem[cond] === 1 && w.mem[sleeper.onRq] === 0
        ? 'sleeper sleeps in TASK_UNINTERRUPTIBLE although cond = 1, and no task is left to wake it'
        : null,
  });
  return b.build();
}
