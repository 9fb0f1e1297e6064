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
import { fence, load, store } from '../../cpu/ops.ts';
import { TASK_RUNNING, TASK_UNINTERRUPTIBLE, ToyKernel } from '../../kernel/demo/toy-sched.ts';
import { ModelBuilder } from '../../model/build.ts';
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
    k.spawn('waker', 1, function* (k) {
      yield store(cond, 1, `${REF} waker`, 'cond = 1');
      if (buggy) {
        const st: number = yield load(sleeper.state, `${REF} waker`, 'if (sleeper->state == TASK_UNINTERRUPTIBLE)');
        if (st !== TASK_UNINTERRUPTIBLE) return;
      }
      yield* k.wakeUp(sleeper);
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
  },
});
