/**
 * linux/wake-migrate — a wakeup from a third CPU that moves the sleeper
 * while the CPU it slept on still has work (Linux 6.6): the on_cpu window
 * of try_to_wake_up.
 *
 * The sleeper (CPU0) marks itself TASK_UNINTERRUPTIBLE, tests its
 * condition and calls schedule(); a busy task queued behind it on CPU0
 * (a user program that computes, then waits in pause()) takes CPU0 over. The waker (CPU1)
 * sets the condition and calls wake_up_process(). CPU2 idles. Once
 * __schedule has dequeued the sleeper (on_rq = 0) it is still on CPU0's
 * stack until the busy task's finish_task_switch releases its on_cpu; CPU0
 * is not idle while the busy task runs, so select_task_rq picks the idle
 * CPU2. try_to_wake_up must
 * wait for on_cpu to drop (smp_cond_load_acquire(&p->on_cpu, !VAL),
 * core.c:4333) before set_task_cpu and the enqueue on CPU2: otherwise CPU2
 * could switch to the sleeper while CPU0 has not yet switched away from it.
 *
 * Variant ttwu-no-on-cpu-wait (a bug put back, known-bugs.ts):
 * try_to_wake_up without that wait. The waker can then enqueue the sleeper
 * on CPU2 between deactivate_task's `on_rq = 0` and its dequeue (a task on
 * two runqueues), or let CPU2 switch to it while CPU0 still runs on its
 * stack (the engine's "never running on two CPUs" check at switch_to):
 * both are runqueue-sane.
 */
import { load, type Program, store } from '../../cpu/ops.ts';
import { TASK_RUNNING, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { TICK_BOUNDS, TICK_EACH } from './ptrace-common.ts';

const REF = 'scenario linux/wake-migrate';

export default defineScenario({
  name: 'linux/wake-migrate',
  summary: 'a wakeup from a third CPU moves the sleeper while its CPU switches to other work: the on_cpu window (Linux 6.6)',
  cpus: 3,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary:
        'sleeper: set_current_state; if (cond) break; schedule() — busy task queued behind it — waker: cond = 1; wake_up_process()',
      source: 'linux-6.6 kernel/sched/core.c:4203-4357 try_to_wake_up, 5215-5297 finish_task_switch, 3630-3653 select_task_rq',
      expect: [
        {
          cpus: 3,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the waker waits for the sleeper’s on_cpu to drop before it moves it to CPU2, so CPU2 never runs it while CPU0 does; a tick on each CPU changes nothing (17,255 executions)',
        },
        {
          cpus: 3,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO store buffers on the three CPUs (the race needs the third, idle CPU the wakee moves to), with a tick on each: the same answer',
        },
      ],
    },
    'ttwu-no-on-cpu-wait': {
      summary: 'try_to_wake_up without smp_cond_load_acquire(&p->on_cpu, !VAL) before set_task_cpu',
      expect: [
        {
          cpus: 3,
          verdict: 'violated',
          invariant: 'runqueue-sane',
          why: 'the waker reads on_rq = 0 and enqueues the sleeper on CPU2 while CPU0’s __schedule, on its stack, has not finished dequeuing it: one task on two runqueues',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'ttwu-no-on-cpu-wait') putBack(k, 'ttwu-no-on-cpu-wait');
    const cond = b.layout.cell('cond', 0);
    const sleeper = k.spawn('sleeper', 0, function* (kk, _me, ctx) {
      for (;;) {
        yield* kk.fn.set_current_state(kk, ctx, TASK_UNINTERRUPTIBLE);
        if ((yield load(cond, `${REF} sleeper`, 'if (cond) break')) !== 0) break;
        yield* kk.fn.schedule(kk, ctx);
      }
      yield* kk.fn.__set_current_state(kk, ctx, TASK_RUNNING);
    });
    k.spawn(
      'busy',
      0,
      script(function* (u) {
        yield* u.run('a user program computes');
        yield* u.idle();
      }),
    );
    k.spawn('waker', 1, function* (kk, _me, ctx): Program<void> {
      yield store(cond, 1, `${REF} waker`, 'WRITE_ONCE(cond, 1)');
      yield* kk.fn.wake_up_process(kk, ctx, sleeper);
    });
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [{ task: sleeper, what: 'cond = 1', holds: (m) => m[cond] === 1 }] });
    return b.build();
  },
});
