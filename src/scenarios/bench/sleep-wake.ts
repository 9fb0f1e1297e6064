/**
 * bench/sleep-wake — demo/lost-wakeup scaled: one sleeper on CPU0 and a
 * waker on each other CPU, on the toy scheduler. A scaling benchmark with a
 * SPIN mirror step for step (sleepwake_{fixed,buggy}_nN.pml under the shared
 * SPIN anchors): the same programs, the same scheduler, one shared access
 * per step in both tools.
 *
 * buggy: test the condition, then mark sleeping; each waker tests the
 * sleeper's state with no lock (the lost wakeup). fixed: set_current_state
 * and a full barrier before the test; the wakers test the state under the
 * runqueue lock (wake_up).
 */
import { fence, load, store } from '../../cpu/ops.ts';
import { TASK_RUNNING, TASK_UNINTERRUPTIBLE, ToyKernel } from '../../kernel/demo/toy-sched.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const REF = 'bench sleep-wake';
const SIZES = [2, 3, 4, 5, 6];

export default defineScenario({
  name: 'bench/sleep-wake',
  summary: 'one sleeper, a waker on every other CPU, on the toy scheduler: is the wakeup ever lost?',
  cpus: 2,
  invariants: ['no-lost-wakeup'],
  variants: {
    fixed: {
      summary: 'set_current_state(); smp_mb(); test — wakers: cond = 1; wake_up()',
      expect: SIZES.map((cpus) =>
        cpus < 6
          ? { cpus, verdict: 'holds' as const }
          : { cpus, verdict: 'holds' as const, long: true, why: '2.8M states and 13M steps: tens of seconds alone' },
      ),
    },
    buggy: {
      summary: 'test, then mark sleeping — wakers: cond = 1; if (sleeper->state == TASK_UNINTERRUPTIBLE) wake_up()',
      expect: SIZES.map((cpus) => ({
        cpus,
        verdict: 'violated' as const,
        invariant: 'no-lost-wakeup',
        why: 'a waker reads the state between the test and the store',
      })),
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new ToyKernel(b);
    const cond = b.layout.cell('cond', 0);
    const buggy = variant === 'buggy';
    const sleeper = k.spawn('sleeper', 0, function* (k, me, ctx) {
      if (buggy) {
        const c: number = yield load(cond, `${REF} sleeper`, 'if (cond) return');
        if (c) return;
        yield store(me.state, TASK_UNINTERRUPTIBLE, `${REF} sleeper`, 'current->state = TASK_UNINTERRUPTIBLE');
        yield* k.schedule(me, ctx);
        return;
      }
      for (;;) {
        yield store(me.state, TASK_UNINTERRUPTIBLE, `${REF} sleeper`, 'set_current_state(TASK_UNINTERRUPTIBLE)');
        yield fence(`${REF} sleeper`, 'smp_store_mb: the store above is ordered before the test below');
        const c: number = yield load(cond, `${REF} sleeper`, 'if (cond) break');
        if (c) break;
        yield* k.schedule(me, ctx);
      }
      yield store(me.state, TASK_RUNNING, `${REF} sleeper`, '__set_current_state(TASK_RUNNING)');
    });
    for (let i = 1; i < cpus; i++) {
      k.spawn(`waker${i}`, i, function* (k) {
        yield store(cond, 1, `${REF} waker`, 'cond = 1');
        if (buggy) {
          const st: number = yield load(sleeper.state, `${REF} waker`, 'if (sleeper->state == TASK_UNINTERRUPTIBLE)');
          if (st !== TASK_UNINTERRUPTIBLE) return;
        }
        yield* k.wakeUp(sleeper);
      });
    }
    k.finish();
    b.atEnd({
      name: 'no-lost-wakeup',
      check: (w) =>
        w.mem[sleeper.state] === TASK_UNINTERRUPTIBLE && w.mem[cond] === 1 && w.mem[sleeper.onRq] === 0
          ? 'sleeper sleeps in TASK_UNINTERRUPTIBLE although cond = 1, and no task is left to wake it'
          : null,
    });
    return b.build();
  },
});
