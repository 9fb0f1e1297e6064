/**
 * linux/traced-ignored-signal — a signal whose default action is to be
 * ignored still stops a traced task, and its tracer is told (Linux 6.6).
 *
 * C (CPU0) sleeps in pause() with SIGCHLD at its default action (ignore,
 * SIG_KERNEL_IGNORE_MASK). T (CPU1) seizes C and sends it SIGCHLD.
 * prepare_signal's last test, sig_ignored (signal.c:103-122), keeps the
 * signal for a traced task: "Tracers may want to know about even ignored
 * signal unless it is SIGKILL which can't be reported anyway"
 * (signal.c:114-119). So it is queued, C wakes, get_signal hands it to
 * ptrace_signal, and C stops in a signal-delivery-stop that T's waitpid
 * reports: status (SIGCHLD << 8) | 0x7f. ptrace(2): "signal-delivery-stop
 * ... the tracee is stopped for every signal except SIGKILL".
 *
 * T then resumes C with the signal it reported (PTRACE_CONT, data SIGCHLD):
 * ptrace_signal hands it back to get_signal, where its action is the
 * default, and the default of SIGCHLD is to ignore it (signal.c:2805-2806,
 * "if (sig_kernel_ignore(signr)) continue;"): C goes back to its pause().
 *
 * - ptrace-returns: SEIZE returns 0, waitpid reports C stopped by SIGCHLD,
 *   and T's program gets past the wait (at the end); PTRACE_CONT returns 0,
 *   and C is alive at the end: the SIGCHLD it was resumed with did not kill it.
 *
 * Variant ignored-while-traced (a bug put back): sig_ignored without
 * "if (t->ptrace && sig != SIGKILL) return false" (signal.c:118): the
 * signal is dropped as for an untraced task, C sleeps on, and T waits for
 * a stop that never comes.
 */
import { load, type Program, store } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { TASK_DEAD } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { prepare_signal } from '../../kernel/linux/signal.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { PTRACE_INVARIANTS, TICK_BOUNDS, TICK_EACH, TICK_ONE, waitReportReady } from './ptrace-common.ts';
import { expectCall, expectReturn, PTRACE_RETURNS } from './refusal-common.ts';

const STOPPED_BY_SIGCHLD = (SIG.SIGCHLD << 8) | 0x7f;

export default defineScenario({
  name: 'linux/traced-ignored-signal',
  summary: 'a default-ignored signal (SIGCHLD) stops a traced task and its tracer is told (Linux 6.6)',
  cpus: 2,
  invariants: [PTRACE_RETURNS, ...PTRACE_INVARIANTS],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'T: SEIZE C; kill(C, SIGCHLD); waitpid(C); PTRACE_CONT(C, SIGCHLD) — C: pause(), SIGCHLD at its default action',
      source:
        'linux-6.6 kernel/signal.c:103-122 sig_ignored, 912-977 prepare_signal, 2592-2636 ptrace_signal, 2805-2806 get_signal',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the SIGCHLD is queued for the traced C whatever the order of the seize, the send, C’s wake and T’s wait, with a tick on each CPU',
        },
      ],
    },
    'ignored-while-traced': {
      summary: 'sig_ignored without "if (t->ptrace && sig != SIGKILL) return false" (signal.c:118)',
      expect: [
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: PTRACE_RETURNS,
          why: 'the SIGCHLD is dropped: C sleeps on in pause() and T never gets past its waitpid',
        },
        { cpus: 2, irq: TICK_EACH, verdict: 'violated', invariant: PTRACE_RETURNS, why: 'as on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'ignored-while-traced') {
      k.override('prepare_signal', function* (k, ctx: TaskContext, sig: number, p: LinuxTask, force: boolean): Program<boolean> {
        const kept = yield* prepare_signal(k, ctx, sig, p, force);
        if (!kept || sig !== SIG.SIGCHLD) return kept;
        // the bug: sig_ignored's ptrace exception gone, so SIGCHLD at its default action is ignored unless blocked
        const blocked: number = yield load(p.blocked, here`sig_ignored`, 'if (sigismember(&t->blocked, sig)) return false');
        return (blocked & sigmask(sig)) !== 0;
      });
    }
    const done = b.layout.cell('T.done', 0);
    let c = null as unknown as LinuxTask;
    const t = k.spawn(
      'T',
      1,
      script(function* (u) {
        yield* expectCall(
          'T',
          'ptrace(PTRACE_SEIZE, C)',
          u.ptrace(PTRACE.SEIZE, c),
          0,
          'linux-6.6 kernel/ptrace.c:480 ptrace_attach',
        );
        yield* u.kill(c, SIG.SIGCHLD);
        const st = yield* u.waitpid(c);
        yield expectReturn(
          'T',
          'waitpid(C): status',
          st.status,
          STOPPED_BY_SIGCHLD,
          'linux-6.6 kernel/exit.c:1310 wait_task_stopped',
        );
        yield store(done, 1, 'user T', 'the program goes on past its waitpid');
        yield* expectCall(
          'T',
          'ptrace(PTRACE_CONT, C, SIGCHLD)',
          u.ptrace(PTRACE.CONT, c, SIG.SIGCHLD),
          0,
          'linux-6.6 kernel/ptrace.c:1219 ptrace_request → ptrace_resume',
        );
        yield* u.idle();
      }),
    );
    c = k.spawn(
      'C',
      0,
      script(function* (u) {
        yield* u.pause();
        yield* u.idle();
      }),
    );
    const pt = setupPtrace(k);
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(t, c)] });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({
      name: PTRACE_RETURNS,
      check: (w) => {
        if (!w.mem[done]) return "T's program never got past its waitpid for C's SIGCHLD stop";
        if (w.mem[c.exit_state] || w.mem[c.state] === TASK_DEAD)
          return 'C died although the SIGCHLD T resumed it with is ignored by default (signal.c:2805-2806)';
        return null;
      },
    });
    return b.build();
  },
});
