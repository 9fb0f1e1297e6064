/**
 * linux/traced-suppressed-signal — a signal the tracer suppresses is gone:
 * nothing is queued in its place, even for a tracee that blocks every
 * signal (Linux 6.6).
 *
 * C blocks every signal it can (sigfillset: all but SIGKILL and SIGSTOP,
 * the top bit of the set included), does PTRACE_TRACEME (its parent T traces
 * it) and sends itself SIGSTOP. get_signal hands the SIGSTOP to
 * ptrace_signal, whose ptrace_stop reports it to T; T resumes C with no
 * signal (PTRACE_CONT, data 0), and ptrace_signal returns 0 at once
 * (signal.c:2607-2608 "if (signr == 0) return signr;"): the requeue of a
 * blocked signal below it (2629-2632) never sees signal number 0. C then
 * unblocks everything and goes on.
 *
 * - suppressed: C's program gets past its sigprocmask (at the end), not
 *   stopped again for a signal nobody sent.
 *
 * Variant no-zero-test, an invented bug: ptrace_signal without the
 * signr == 0 return. sigismember(&current->blocked, 0) tests bit -1 of the
 * set, which the shift wraps to its top bit (x86-64: SIGRTMAX; here bit 31),
 * blocked by C, so send_signal_locked(0, …) queues that bit: once C unblocks
 * it dequeues a phantom signal and stops for it in front of T, and its
 * program never goes on.
 */
import { load, type Program, store } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { plainRmw } from '../../kernel/common/plain-rmw.ts';
import { CLD_TRAPPED, JOBCTL_STOP_DEQUEUED } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { PIDTYPE_PID, SIG_SETMASK } from '../../kernel/linux/signal.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { PTRACE_INVARIANTS } from './ptrace-common.ts';

const SUPPRESSED = 'suppressed';

export default defineScenario({
  name: 'linux/traced-suppressed-signal',
  summary: 'a signal its tracer suppresses is not replaced by another, even for a tracee blocking every signal (Linux 6.6)',
  cpus: 2,
  invariants: [SUPPRESSED, ...PTRACE_INVARIANTS],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'C (all blocked): traceme; kill(C, SIGSTOP); sigprocmask(SETMASK, 0) — T: waitpid(C); PTRACE_CONT(C, 0)',
      source: 'linux-6.6 kernel/signal.c:2592-2636 ptrace_signal',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    'no-zero-test': {
      summary: 'ptrace_signal without "if (signr == 0) return signr;" (signal.c:2607-2608)',
      expect: [1, 2].map((cpus) => ({
        cpus,
        verdict: 'violated' as const,
        invariant: SUPPRESSED,
        why: 'signal 0 is requeued as the blocked top bit; C dequeues it once unblocked and stops for it (no race needed)',
      })),
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'no-zero-test') {
      k.override('ptrace_signal', function* (k, ctx: TaskContext, signr: number): Program<number> {
        const me = k.current(ctx);
        yield* plainRmw(
          me.jobctl,
          (j) => j | JOBCTL_STOP_DEQUEUED,
          here`ptrace_signal`,
          'current->jobctl |= JOBCTL_STOP_DEQUEUED',
        );
        let sig = yield* k.fn.ptrace_stop(k, ctx, signr, CLD_TRAPPED, 0, 0);
        // the bug: no "if (signr == 0) return signr"
        const blocked: number = yield load(me.blocked, here`ptrace_signal`, 'if (sigismember(&current->blocked, signr) ||');
        if (blocked & sigmask(sig) || (yield* k.fn.fatal_signal_pending(k, ctx, me))) {
          yield* k.fn.send_signal_locked(k, ctx, sig, me, PIDTYPE_PID);
          sig = 0;
        }
        return sig;
      });
    }
    const done = b.layout.cell('C.done', 0);
    let c = null as unknown as LinuxTask;
    const t = k.spawn(
      'T',
      1,
      script(function* (u) {
        yield* u.waitpid(c);
        yield* u.ptrace(PTRACE.CONT, c, 0);
        yield* u.idle();
      }),
    );
    c = k.spawn(
      'C',
      0,
      script(function* (u) {
        yield* u.traceme();
        yield* u.kill(c, SIG.SIGSTOP);
        yield* u.sigprocmask(SIG_SETMASK, 0);
        yield store(done, 1, 'user C', 'the program goes on past its sigprocmask');
        yield* u.idle();
      }),
      { parent: t, blocked: ~(sigmask(SIG.SIGKILL) | sigmask(SIG.SIGSTOP)) },
    );
    const pt = setupPtrace(k);
    k.finish();
    registerLinuxInvariants(b, k);
    registerPtraceInvariants(b, k, pt);
    b.atEnd({
      name: SUPPRESSED,
      check: (w) => (w.mem[done] ? null : "C's program never got past its sigprocmask: it stopped for a signal nobody sent"),
    });
    return b.build();
  },
});
