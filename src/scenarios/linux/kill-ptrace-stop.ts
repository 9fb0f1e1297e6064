/**
 * linux/kill-ptrace-stop — SIGKILL from a third task against a tracee on
 * its way into a ptrace stop, or already in it (Linux 6.6). The tracer
 * (CPU0) PTRACE_SEIZEs its child with PTRACE_O_TRACEEXEC, tells it so (a
 * flag in user memory, futex-style) and waits for it; the child (CPU1)
 * then execs, and ptrace_event(PTRACE_EVENT_EXEC) stops it in
 * ptrace_notify → ptrace_stop. The killer, queued behind the tracer, sends
 * SIGKILL once the tracer sleeps in waitpid: before the stop, inside
 * ptrace_stop, or after the child sleeps. ptrace_notify takes the siglock
 * afresh (unlike get_signal, which tests SIGNAL_GROUP_EXIT under the same
 * lock before ptrace_signal), so a SIGKILL that came before it is seen
 * only by ptrace_stop's own test, `__fatal_signal_pending(current)`
 * (signal.c:2266); one that comes after the stop began is ended by
 * signal_wake_up(fatal), which clears JOBCTL_TRACED and wakes
 * __TASK_TRACED (TASK_TRACED has no TASK_WAKEKILL in 6.6). The child then
 * dies. The tracer takes one report (the stop, or the exit when SIGKILL
 * came first: a tracer asleep in waitpid while one is ready was never
 * woken) and then, like the killer, stays around (pause()) rather than
 * reap or exit, which keeps the search small.
 *
 * Invariants: the ptrace ones, sigkill-kills (a task whose group SIGKILL
 * marked exiting is dead at the end) and tracee-finished.
 *
 * Variant ptrace-stop-ignores-sigkill (a bug put back, known-bugs.ts):
 * ptrace_stop without its __fatal_signal_pending test: a SIGKILL whose
 * wakeup found the child still running leaves it TASK_TRACED with SIGKILL
 * pending.
 */
import { SIG } from '../../kernel/common/bits.ts';
import { TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { registerSigkillKills } from '../../kernel/linux/signal-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, stoppedAtEnd, TICK_BOUNDS, TICK_EACH, TICK_ONE, waitReportReady } from './ptrace-common.ts';

/** include/uapi/linux/ptrace.h:151 PTRACE_O_TRACEEXEC (1 << PTRACE_EVENT_EXEC) */
const PTRACE_O_TRACEEXEC = 1 << 4;

export default defineScenario({
  name: 'linux/kill-ptrace-stop',
  summary: 'SIGKILL from a third task against a tracee entering or in a ptrace stop: it must die (Linux 6.6)',
  cpus: 2,
  invariants: [...PTRACE_INVARIANTS, 'sigkill-kills', 'tracee-finished'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'tracer: SEIZE(TRACEEXEC); waitpid — child: execve → PTRACE_EVENT_EXEC stop — killer: kill(child, SIGKILL)',
      source:
        'linux-6.6 kernel/signal.c:2266-2341 ptrace_stop, complete_signal; include/linux/sched/signal.h:450-457 signal_wake_up',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'ptrace_stop tests for SIGKILL under siglock before TASK_TRACED; after that, signal_wake_up(fatal) clears JOBCTL_TRACED and wakes __TASK_TRACED. No tick here: the row with a tick each (next) is long',
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          long: true,
          why: 'the same with a tick on each CPU (623k executions, 14.4M states, 38.4M steps; 302 s under nice -n 19 at load 19-21 on the 2-core machine)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick: 2.96M states (2.5× the same search on sc, 1.17M), 11 s at load 4 on the 2-core machine',
        },
      ],
    },
    'ptrace-stop-ignores-sigkill': {
      summary: 'ptrace_stop does not test __fatal_signal_pending(current) before TASK_TRACED',
      expect: [
        {
          cpus: 1,
          verdict: 'holds',
          why: 'one CPU, no ticks: the killer runs only once the child sleeps (for the flag or in its stop), where signal_wake_up(fatal) wakes it',
        },
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'one CPU and one tick are enough: the tick lets the killer in before ptrace_notify takes the siglock (3 executions)',
        },
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'SIGKILL lands before ptrace_notify takes the siglock: the wakeup finds the child running, and it then stops with SIGKILL pending',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'ptrace-stop-ignores-sigkill') putBack(k, 'ptrace-stop-ignores-sigkill');
    const seized = b.layout.cell('user.seized', 0);
    const reported = b.layout.ghost('ghost.tracer_has_report', 0);
    let child = null as unknown as ReturnType<typeof k.spawn>;
    const tracer = k.spawn(
      'tracer',
      0,
      script(function* (u) {
        yield* u.ptrace(PTRACE.SEIZE, child, PTRACE_O_TRACEEXEC);
        yield* u.setFlag(seized, child);
        yield* u.waitpid(child);
        u.ctx.ghost.set(reported, 1);
        yield* u.idle();
      }),
    );
    child = k.spawn(
      'child',
      1,
      script(function* (u) {
        yield* u.waitFlag(seized);
        yield* u.exec();
        yield* u.run();
      }),
      { parent: tracer },
    );
    k.spawn(
      'killer',
      0,
      script(function* (u) {
        yield* u.kill(child, SIG.SIGKILL);
        yield* u.idle();
      }),
    );
    const pt = setupPtrace(k);
    k.finish();
    const ready = waitReportReady(tracer, child);
    registerLinuxInvariants(b, k, {
      sleepsFor: [
        { ...ready, holds: (m) => m[reported] === 0 && ready.holds(m) },
        { task: child, states: TASK_UNINTERRUPTIBLE, what: 'its flag is set', holds: (m) => m[seized] !== 0 },
      ],
    });
    registerPtraceInvariants(b, k, pt);
    registerSigkillKills(b, k, [child]);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [child]) });
    return b.build();
  },
});
