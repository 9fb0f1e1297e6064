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
import { buildSleepWake } from '../../kernel/demo/sleep-wake.ts';
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
    return buildSleepWake({
      cpus,
      buggy: variant === 'buggy',
      ref: REF,
      wakers: Array.from({ length: cpus - 1 }, (_, i) => `waker${i + 1}`),
    });
  },
});
