/**
 * linux/attach-detach — a debugger attaches to a running process and lets
 * it go (Linux 6.6): PTRACE_ATTACH (cred_guard_mutex, tasklist_lock, the
 * link, SIGSTOP), waitpid for the SIGSTOP's signal-delivery stop, then
 * PTRACE_DETACH with signal 0 (check_attach freezes the tracee; detach
 * stores exit_code and unlinks, and __ptrace_unlink's ptrace_signal_wake_up
 * resumes it). The target sits in pause() until a signal comes (the
 * SIGSTOP), then runs on and exits.
 */
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
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
  name: 'linux/attach-detach',
  summary: 'PTRACE_ATTACH to a running task, waitpid, PTRACE_DETACH: the target runs on (Linux 6.6)',
  cpus: 2,
  invariants: PTRACE_INVARIANTS,
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'debugger: ptrace(ATTACH); waitpid; ptrace(DETACH, 0) — target: pause(); run',
      source: 'linux-6.6 kernel/ptrace.c ptrace_attach, ptrace_check_attach, ptrace_detach, __ptrace_unlink',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the target stops, is reported once, and runs on after the detach in every interleaving, with a tick on each CPU too (31,770 executions)',
        },
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
          why: 'the same with a tick on each CPU (595k executions, 1.0M states, 2.4M steps; 33 s under nice -n 19 at load 14-17)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick: 930k states explored (2.1× the same search on sc, 450k)',
        },
      ],
    },
    'unlink-no-wake': {
      summary: 'known bug put back: __ptrace_unlink does not wake the traced child',
      expect: onOneToThreeCpus({
        verdict: 'violated',
        invariant: 'no-stuck-traced',
        why: 'the detached target stays TASK_TRACED',
      }),
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    let target = null as unknown as ReturnType<typeof k.spawn>;
    const dbg = k.spawn(
      'debugger',
      0,
      script(function* (u) {
        if ((yield* u.ptrace(PTRACE.ATTACH, target)) < 0) return;
        yield* u.waitpid(target);
        yield* u.ptrace(PTRACE.DETACH, target, 0);
      }),
    );
    target = k.spawn(
      'target',
      1,
      script(function* (u) {
        yield* u.pause();
        yield* u.run('the target runs on');
      }),
    );
    const pt = setupPtrace(k);
    if (variant === 'unlink-no-wake') putBack(k, 'unlink-no-wake');
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(dbg, target)] });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [target]) });
    return b.build();
  },
});
