/**
 * linux/sigprocmask — a task unblocks SIGUSR1 and pauses while another
 * sends it SIGUSR1 (Linux 6.6). A signal sent while blocked stays pending
 * without a wakeup (wants_signal is false); sigprocmask(SIG_UNBLOCK) →
 * __set_current_blocked → __set_task_blocked stores the new mask and
 * recalc_sigpending sets TIF_SIGPENDING, so the return to user mode runs the
 * handler and pause() sleeps with nothing pending. Variant no-recalc, an
 * invented bug: __set_task_blocked without recalc_sigpending — the signal
 * that came while blocked is never noticed and pause() sleeps with it
 * pending.
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { leaveOut } from '../../kernel/common/paths.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { SIG_UNBLOCK } from '../../kernel/linux/signal.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

export default defineScenario({
  name: 'linux/sigprocmask',
  summary: 'SIGUSR1 sent while the task unblocks it: the handler runs, pause() does not sleep through it (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'A: sigprocmask(SIG_UNBLOCK, SIGUSR1); pause() — S: kill(A, SIGUSR1)',
      source: 'linux-6.6 kernel/signal.c:3045-3055 __set_task_blocked, 3070-3084 __set_current_blocked, 3094-3119 sigprocmask',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'no-recalc': {
      summary: '__set_task_blocked without recalc_sigpending()',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the signal lands while blocked; the unblock leaves TIF_SIGPENDING clear',
        },
        { cpus: 1, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'a tick preempts A before the unblock and S sends' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'no-recalc') k.override('recalc_sigpending', leaveOut(), { within: '__set_task_blocked' });
    const a = k.spawn(
      'A',
      0,
      script(function* (u) {
        yield* u.sigprocmask(SIG_UNBLOCK, sigmask(SIG.SIGUSR1));
        yield* u.pause();
      }),
      { blocked: sigmask(SIG.SIGUSR1), actions: { [SIG.SIGUSR1]: 'handler' } },
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
