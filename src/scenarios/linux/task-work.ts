/**
 * linux/task-work — work queued on a task asleep in pause() (Linux 6.6).
 * task_work_add(TWA_SIGNAL) pushes the work and sets TIF_NOTIFY_SIGNAL
 * (set_notify_signal), waking the task from an interruptible sleep;
 * signal_pending tests TIF_NOTIFY_SIGNAL first, so pause() returns whether
 * the flag came before its test, between the test and schedule() (the wake
 * or __schedule's signal_pending_state catches it) or during the sleep. The
 * task runs the work on its way back to user mode (get_signal →
 * task_work_run). Variant no-notify-test, an invented bug: signal_pending
 * as before 5.11, without the TIF_NOTIFY_SIGNAL test, beside 5.11's
 * notification — woken, pause() tests again, misses the flag and sleeps
 * with its work queued.
 */
import { store } from '../../cpu/ops.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { TWA_SIGNAL } from '../../kernel/linux/task-work.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';

export default defineScenario({
  name: 'linux/task-work',
  summary: 'task_work_add(TWA_SIGNAL) to a task in pause(): it wakes and runs the work (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'A: pause() — Q: task_work_add(A, work, TWA_SIGNAL)',
      source: 'linux-6.6 kernel/task_work.c:42-75 task_work_add, 147-185 task_work_run; include/linux/sched/signal.h:355-402',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'no-notify-test': {
      summary: 'signal_pending(p) = task_sigpending(p)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'as on one CPU',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: "Q's wakeup ends A's sleep; pause() tests signal_pending again, misses the flag and sleeps",
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'no-notify-test') k.override('signal_pending', (k, ctx, p, fn) => k.fn.task_sigpending(k, ctx, p, fn));
    const ran = b.layout.cell('work.ran');
    const work = k.taskWork('work', function* () {
      yield store(ran, 1, here`work->func`, 'the work runs');
    });
    const a = k.spawn(
      'A',
      0,
      script((u) => u.pause()),
    );
    k.spawn('Q', 1, function* (kk, _me, ctx) {
      yield* kk.fn.task_work_add(kk, ctx, a, work, TWA_SIGNAL);
    });
    k.finish();
    registerLinuxInvariants(b, k);
    return b.build();
  },
});
