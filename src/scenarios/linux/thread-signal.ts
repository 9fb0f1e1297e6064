/**
 * linux/thread-signal — a process of two threads receives a
 * process-directed SIGUSR1 (kill(2): PIDTYPE_TGID, the shared pending set)
 * while thread A blocks it with sigprocmask and thread B sleeps in pause()
 * (Linux 6.6). complete_signal picks a thread that wants the signal (A while
 * it runs; B once A blocks it); if the pick was A, A's sigprocmask hands the
 * signal on (__set_task_blocked → retarget_shared_pending → signal_wake_up
 * of B). Either way B wakes and takes it. Variant no-retarget, an invented
 * bug: __set_task_blocked leaves the shared signals where they are — B
 * sleeps with SIGUSR1 pending and unblocked.
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { leaveOut } from '../../kernel/common/paths.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { SIG_BLOCK } from '../../kernel/linux/signal.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

export default defineScenario({
  name: 'linux/thread-signal',
  summary: 'a process-directed signal to two threads, one of which blocks it: does the other take it? (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'A: sigprocmask(SIG_BLOCK, SIGUSR1) — B: pause() — S: kill(process, SIGUSR1)',
      source:
        'linux-6.6 kernel/signal.c:1004-1077 complete_signal, 2948-2973 retarget_shared_pending, 3045-3055 __set_task_blocked',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'no-retarget': {
      summary: '__set_task_blocked without retarget_shared_pending',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the signal picks A while A runs; A blocks it; B is never told and sleeps with SIGUSR1 shared-pending',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'a tick preempts A before sigprocmask; the sender picks A (the first thread that wants it); A blocks it',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'no-retarget') k.override('retarget_shared_pending', leaveOut());
    const actions = { [SIG.SIGUSR1]: 'handler' as const };
    const a = k.spawn(
      'A',
      0,
      script(function* (u) {
        yield* u.sigprocmask(SIG_BLOCK, sigmask(SIG.SIGUSR1));
      }),
      { actions },
    );
    k.spawn(
      'B',
      1,
      script((u) => u.pause()),
      { threadOf: a },
    );
    k.spawn(
      'S',
      1,
      script((u) => u.kill(a, SIG.SIGUSR1)),
    );
    k.finish();
    registerLinuxInvariants(b, k);
    return b.build();
  },
});
