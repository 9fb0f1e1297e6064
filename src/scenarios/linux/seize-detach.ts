/**
 * linux/seize-detach — a debugger seizes a running process, stops it with
 * PTRACE_INTERRUPT and lets it go with PTRACE_DETACH (Linux 6.6). SEIZE
 * links the tracee without a SIGSTOP; INTERRUPT sets JOBCTL_TRAP_STOP and
 * wakes it out of pause(), and it traps into a PTRACE_EVENT_STOP
 * (do_jobctl_trap → ptrace_stop); waitpid consumes that report. DETACH goes
 * through ptrace_check_attach, which freezes the tracee in its stop
 * (ptrace_freeze_traced: JOBCTL_PTRACE_FROZEN), then ptrace_detach →
 * __ptrace_detach → __ptrace_unlink unlinks it while it is still frozen —
 * the ptrace link's SEIZED_FROZEN → UNLINKED_FROZEN edge, which no
 * PTRACE_ATTACH scenario and no tracer exit (exit_ptrace unlinks without a
 * freeze) takes. __ptrace_unlink's ptrace_signal_wake_up resumes the
 * tracee, which clears the freeze on its way out of ptrace_stop and runs on.
 *
 * Variants:
 * - linux-6.6: holds, on one CPU and on two (the table's stateful DFS with
 *   sleep sets: 15,005 executions, about 20 s; optimal DPOR: 7,638).
 * - unlink-no-wake (known bug put back): __ptrace_unlink does not wake the
 *   traced tracee: it stays in TASK_TRACED with no tracer.
 */
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { PTRACE_EVENT_STOP } from '../../kernel/linux/ptrace-state.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import {
  onOneToThreeCpus,
  PTRACE_INVARIANTS,
  stoppedAtEnd,
  TICK_BOUNDS,
  TICK_EACH,
  TICK_ONE,
  waitReportReady,
} from './ptrace-common.ts';

export default defineScenario({
  name: 'linux/seize-detach',
  summary: 'PTRACE_SEIZE, INTERRUPT, waitpid, PTRACE_DETACH of the frozen tracee: it runs on (Linux 6.6)',
  cpus: 2,
  invariants: PTRACE_INVARIANTS,
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'debugger: ptrace(SEIZE); ptrace(INTERRUPT); waitpid; ptrace(DETACH, 0) — tracee: pause(); run',
      source:
        'linux-6.6 kernel/ptrace.c ptrace_attach, ptrace_check_attach, ptrace_freeze_traced, ptrace_detach, __ptrace_unlink; kernel/signal.c do_jobctl_trap, ptrace_stop',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        { cpus: 2, irq: TICK_EACH, verdict: 'holds', why: 'with a tick on each CPU too (13,596 executions)' },
        {
          cpus: 3,
          verdict: 'holds',
          why: 'a third CPU to which wakeups may move the tasks: the same answer. No tick here: the row with a tick each (next) is long',
        },
        {
          cpus: 3,
          irq: TICK_EACH,
          verdict: 'holds',
          long: true,
          why: 'the same with a tick on each CPU (269k executions, 450k states, 1.1M steps; 27 s under nice -n 19 at load 14-16)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick: 388k states explored (2.2× the same search on sc, 179k)',
        },
      ],
    },
    'unlink-no-wake': {
      summary: 'known bug put back: __ptrace_unlink does not wake the traced tracee',
      expect: onOneToThreeCpus({
        verdict: 'violated',
        invariant: 'no-stuck-traced',
        why: 'the detached tracee stays TASK_TRACED',
      }),
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    let tracee = null as unknown as ReturnType<typeof k.spawn>;
    const dbg = k.spawn(
      'debugger',
      0,
      script(function* (u) {
        if ((yield* u.ptrace(PTRACE.SEIZE, tracee)) < 0) return;
        yield* u.ptrace(PTRACE.INTERRUPT, tracee);
        const st = yield* u.waitpid(tracee);
        // the only stop INTERRUPT can cause here: PTRACE_EVENT_STOP (status >> 16)
        if (st.stopped && st.status >> 16 === PTRACE_EVENT_STOP) yield* u.ptrace(PTRACE.DETACH, tracee, 0);
      }),
    );
    tracee = k.spawn(
      'tracee',
      1,
      script(function* (u) {
        yield* u.pause();
        yield* u.run('the tracee runs on');
      }),
    );
    const pt = setupPtrace(k);
    if (variant === 'unlink-no-wake') putBack(k, 'unlink-no-wake');
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(dbg, tracee)] });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [tracee]) });
    return b.build();
  },
});
