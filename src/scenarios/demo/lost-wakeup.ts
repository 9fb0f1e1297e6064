/**
 * demo/lost-wakeup — the classic sleep/wake race, on the toy scheduler.
 *
 * buggy: the sleeper tests its condition, then marks itself sleeping and
 * calls schedule(); the waker sets the condition, then tests the sleeper's
 * state with no lock and no ordering against the sleeper. On two CPUs the
 * waker can test the state between the sleeper's test and its store: the
 * sleeper then sleeps forever with its condition true. On one CPU (the demo
 * tasks run with preemption off) the only switch is the sleeper's own
 * schedule(), so the window cannot open.
 *
 * fixed: the kernel's pattern — set_current_state() before testing the
 * condition, and the waker's state test under the runqueue lock.
 */
import { buildSleepWake } from '../../kernel/demo/sleep-wake.ts';
import { defineScenario } from '../../model/scenario.ts';

const REF = 'demo lost-wakeup';

export default defineScenario({
  name: 'demo/lost-wakeup',
  summary: 'a sleeper tests its condition, a waker on another CPU sets it: is the wakeup ever lost?',
  cpus: 2,
  invariants: ['no-lost-wakeup'],
  variants: {
    buggy: {
      summary: 'test the condition, then mark sleeping; the waker tests the state with no lock',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the waker reads the state between the test and the store',
        },
        { cpus: 1, verdict: 'holds', why: 'no preemption: the sleeper runs to schedule() before the waker runs' },
      ],
    },
    fixed: {
      summary: 'set_current_state() then test; the waker checks the state under the runqueue lock',
      expect: [
        { cpus: 2, verdict: 'holds' },
        { cpus: 1, verdict: 'holds' },
      ],
    },
  },
  build({ variant, cpus }) {
    return buildSleepWake({ cpus, buggy: variant === 'buggy', ref: REF, wakers: ['waker'] });
  },
});
