/**
 * linux/signal-user — a signal sent from another CPU to a task that runs in
 * user mode (Linux 6.6): it must come back into the kernel and take it.
 *
 * T (CPU0) has a SIGUSR2 pending at time 0 and is on its way back to user
 * mode, where it takes it (exit_to_user_mode_loop → get_signal → its
 * handler); then its program runs on in user mode for ever, making no more
 * system calls. S (CPU1) sends it SIGUSR1 (caught too) at any point of
 * that. signal_wake_up_state sets TIF_SIGPENDING and, since T is running,
 * wake_up_state fails and kick_process sends a reschedule IPI to T's CPU.
 * Either T's exit loop still sees the flag (the last read of the thread
 * flags and the return run with irqs off), or the IPI lands after the
 * return, in user mode, and irqentry_exit_to_user_mode runs the exit loop
 * again. On one CPU S runs when the tick preempts T (in the kernel or in
 * user mode) and the flag is seen on T's way back.
 *
 * Invariants: no-return-with-pending-work (user-mode.ts: in user mode with
 * TIF_SIGPENDING or TIF_NEED_RESCHED, and no reschedule IPI on its way),
 * with the substrate's.
 *
 * Variants putting a bug back (known-bugs.ts):
 * - signal-wake-no-kick: signal_wake_up_state without kick_process: T runs
 *   on in user mode with SIGUSR1 pending.
 * - exit-loop-late-irq-disable: exit_to_user_mode_loop re-reads the thread
 *   flags before it turns irqs off: S's IPI can land between the read and
 *   the disable, in the kernel, where it only tests need_resched, and T
 *   returns to user mode with TIF_SIGPENDING set (the shape of DragonOS
 *   master's exit loop, dragonos/c2-irq-enable).
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { type LinuxBug, putBack } from '../../kernel/linux/known-bugs.ts';
import { script } from '../../kernel/linux/user.ts';
import { enableUserMode, registerNoReturnWithPendingWork } from '../../kernel/linux/user-mode.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const TICKS = 1;
const IPIS = 1;
const BUGS: readonly LinuxBug[] = ['signal-wake-no-kick', 'exit-loop-late-irq-disable'];

export default defineScenario({
  name: 'linux/signal-user',
  summary: 'a signal from another CPU to a task running in user mode: it must enter the kernel and take it (Linux 6.6)',
  cpus: 2,
  invariants: [
    'no-return-with-pending-work',
    'no-lost-wakeup',
    'runqueue-sane',
    'lock-discipline',
    'deadlock',
    'legal-transition',
  ],
  bounds: `${TICKS} scheduler tick and ${IPIS} reschedule IPI per CPU`,
  variants: {
    'linux-6.6': {
      summary: 'T returns to user mode (taking a pending SIGUSR2) and runs there; S: kill(T, SIGUSR1)',
      source:
        'linux-6.6 kernel/entry/common.c exit_to_user_mode_loop, irqentry_exit_to_user_mode; kernel/signal.c signal_wake_up_state; kernel/sched/core.c kick_process',
      expect: [
        { cpus: 1, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'the last flags read and the return run with irqs off, so the kick lands in user mode and irqentry_exit_to_user_mode delivers SIGUSR1',
        },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'signal-wake-no-kick': {
      summary: 'signal_wake_up_state does not kick_process() a task that is running',
      expect: [
        { cpus: 1, verdict: 'holds', why: 'S runs only when T is off its CPU, and T sees TIF_SIGPENDING on its way back' },
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-return-with-pending-work',
          why: 'SIGUSR1 comes after T’s last flags read: nothing brings T back into the kernel',
        },
      ],
    },
    'exit-loop-late-irq-disable': {
      summary: 'exit_to_user_mode_loop reads the thread flags, then turns irqs off',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-return-with-pending-work',
          why: 'the kick lands between the read and the irq disable, on a kernel frame: T returns to user mode with TIF_SIGPENDING',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-return-with-pending-work',
          why: 'the tick lands in the same window and S sends SIGUSR1 on T’s CPU (no kick needed, none sent): T returns with it pending',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: TICKS, ipis: IPIS });
    for (const bug of BUGS) if (variant === bug) putBack(k, bug);
    const caught = { [SIG.SIGUSR1]: 'handler', [SIG.SIGUSR2]: 'handler' } as const;
    const t = k.spawn(
      'T',
      0,
      function* (kk, me, ctx) {
        yield* kk.fn.exit_to_user_mode(kk, ctx);
        yield* script((u) => u.userLoop())(kk, me, ctx);
      },
      { pending: sigmask(SIG.SIGUSR2), actions: caught },
    );
    k.spawn(
      'S',
      1,
      script(function* (u) {
        yield* u.kill(t, SIG.SIGUSR1);
      }),
    );
    enableUserMode(k, [t]);
    k.finish();
    registerLinuxInvariants(b, k);
    registerNoReturnWithPendingWork(b, k, [t]);
    return b.build();
  },
});
