/**
 * selfptrace/signal-between — Oleg Nesterov's signal objection to the 2008
 * self-ptrace RFC: "With this patch PT_SELF is cleared on any signal ... what
 * if another signal (with handler) comes in between? In that case
 * handle_signal() clears PT_SELF/TIF_SYSCALL_TRACE, this syscall() (or any
 * other) doesn't send SIGSYS."
 *
 * The process arms interception and makes one syscall; its SIGSYS handler
 * (the tracer's code) re-arms before it returns; a SIGUSR1 handler (the
 * application's code) makes one syscall. An interrupt on another CPU (on
 * the same CPU with --cpus 1) sends SIGUSR1 at any moment: before the syscall, between the interception and the SIGSYS
 * handler, or while that handler runs. Invariant: while armed, every
 * syscall of the application is intercepted exactly once (`intercept-once`).
 * `sigsys-not-fatal` reports the process killed by its own interception.
 */
import { SIG } from '../../kernel/common/bits.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { selfVariant, VARIANT_SOURCE } from '../../kernel/selfptrace/variants.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { finishSelf, SELF_INVARIANTS, signalFromIrq, spawnTraced } from './process.ts';

export default defineScenario({
  name: 'selfptrace/signal-between',
  summary: 'another signal arrives around the intercepted syscall; does a syscall in its handler escape interception?',
  cpus: 2,
  invariants: [...SELF_INVARIANTS],
  bounds: 'one armed syscall, one SIGUSR1 (sent from an interrupt, once)',
  variants: {
    rfc: {
      summary: 'PT_SELF: handle_signal clears PT_SELF for any signal',
      source: VARIANT_SOURCE.rfc,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'intercept-once',
          why: "SIGUSR1 delivered after an arming clears PT_SELF: the SIGUSR1 handler's syscall runs un-intercepted",
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'intercept-once',
          why: "the interrupt lands on the process's own CPU while it is armed",
        },
      ],
    },
    sud: {
      summary: 'Syscall User Dispatch: the selector stays BLOCK across signals; SIGSYS forced',
      source: VARIANT_SOURCE.sud,
      expect: [
        {
          cpus: 2,
          verdict: 'holds',
          only: ['intercept-once', 'kernel-assert', 'lock-discipline'],
          why: 'the kernel never changes the selector: every application syscall outside the region is dispatched',
        },
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'sigsys-not-fatal',
          why: "SIGSYS is dequeued first but SIGUSR1's frame is stacked on it; the SIGUSR1 handler's dispatched syscall forces a blocked SIGSYS: SIG_DFL, the process dies",
        },
        { cpus: 1, verdict: 'holds', only: ['intercept-once', 'kernel-assert', 'lock-discipline'] },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'sigsys-not-fatal',
          why: "the same, with the interrupt on the process's own CPU",
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const v = selfVariant(variant);
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const proc = spawnTraced(
      k,
      v,
      'proc',
      0,
      {
        [SIG.SIGSYS]: {
          site: 'tracer',
          *body(u) {
            yield* u.arm('tracer');
          },
        },
        [SIG.SIGUSR1]: {
          site: 'app',
          *body(u) {
            yield* u.syscall({ name: 'getpid', site: 'app' });
          },
        },
      },
      function* (u) {
        yield* u.arm();
        yield* u.syscall({ name: 'getpid', site: 'app' });
      },
      { configured: true, userInterrupts: true },
    );
    finishSelf(k, [proc]);
    signalFromIrq(k, v, cpus > 1 ? 1 : 0, () => proc.task);
    return b.build();
  },
});
