/**
 * linux/gdb-traceme — how gdb starts a program under ptrace (Linux 6.6): gdb
 * forks; the child calls ptrace(PTRACE_TRACEME) and execs; the exec queues
 * SIGTRAP (ptrace_event(PTRACE_EVENT_EXEC) on a PT_PTRACED task), which the
 * child takes on its way back to user mode: get_signal → ptrace_signal →
 * ptrace_stop (TASK_TRACED, SIGCHLD and a wakeup for gdb's wait). gdb's
 * waitpid reports the stop once, PTRACE_CONT (ptrace_check_attach freezes
 * the child, ptrace_resume wakes it with signal 0), the child runs and
 * exits, and gdb reaps it with a second waitpid.
 *
 * The fork has happened at time 0: the child is queued on its CPU then.
 * gdb's first waitpid may run before the child's PTRACE_TRACEME: it then
 * sleeps until the stop's do_notify_parent_cldstop wakes it.
 */

import { usePtraceStop5_18 } from '../../kernel/linux/history.ts';
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
  name: 'linux/gdb-traceme',
  summary: 'gdb run: fork, TRACEME + exec → SIGTRAP stop, waitpid, PTRACE_CONT, exit, reap (Linux 6.6)',
  cpus: 2,
  invariants: PTRACE_INVARIANTS,
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'child: traceme; exec; run — gdb: waitpid; ptrace(CONT); waitpid',
      source: 'linux-6.6 kernel/ptrace.c ptrace_traceme, ptrace_resume; fs/exec.c exec_binprm; kernel/signal.c ptrace_stop',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the SIGTRAP stop is reported once, the CONT resumes it, the child is reaped, with a tick on each CPU too (23,871 executions)',
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
          why: 'the same with a tick on each CPU (372k executions, 710k states, 1.4M steps; 24 s under nice -n 19 at load 14-17)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick: 821k states explored (3.2× the same search on sc, 256k)',
        },
      ],
    },
    'pre-5.19': {
      summary: 'ptrace_stop in the 5.18 order: TASK_TRACED first, ->ptrace tested under tasklist_lock only',
      source: 'linux-5.18 kernel/signal.c ptrace_stop (history.ts ptrace_stop_5_18)',
      expect: [
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'holds',
          why: "5.18's stop notifies gdb under tasklist_lock as 6.6's does; stop-no-notify is the same search with that notification gone",
        },
        { cpus: 2, irq: TICK_EACH, verdict: 'holds' },
      ],
    },
    'stop-no-notify': {
      summary: 'known bug put back: ptrace_stop does not notify the tracer (no do_notify_parent_cldstop)',
      expect: onOneToThreeCpus({
        verdict: 'violated',
        invariant: 'no-lost-wakeup',
        why: 'gdb sleeps in waitpid while the stop is ready',
      }),
    },
    'wait-task-inactive-no-sleep': {
      summary:
        'bug put back: wait_task_inactive retries at once for a child still queued, without its one-tick sleep (core.c:2366-2370)',
      expect: [
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: 'livelock',
          why: "the tick preempts the child in ptrace_stop before its schedule(): still queued on gdb's CPU, it never runs again while gdb's PTRACE_CONT retries wait_task_inactive",
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: 'no tick: the child always reaches schedule() in ptrace_stop and leaves the runqueue before gdb looks at it',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    let child = null as unknown as ReturnType<typeof k.spawn>;
    const gdb = k.spawn(
      'gdb',
      0,
      script(function* (u) {
        yield* u.waitpid(child);
        yield* u.ptrace(PTRACE.CONT, child, 0);
        yield* u.waitpid(child);
      }),
    );
    child = k.spawn(
      'child',
      1,
      script(function* (u) {
        yield* u.traceme();
        yield* u.exec();
        yield* u.run('the program runs');
      }),
      { parent: gdb },
    );
    const pt = setupPtrace(k);
    if (variant === 'stop-no-notify' || variant === 'wait-task-inactive-no-sleep') putBack(k, variant);
    if (variant === 'pre-5.19') usePtraceStop5_18(k);
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(gdb, child)] });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [child]) });
    return b.build();
  },
});
