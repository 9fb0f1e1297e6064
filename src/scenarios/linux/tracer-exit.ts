/**
 * linux/tracer-exit — the tracer exits while its tracee is entering a ptrace
 * stop on another CPU (Linux 6.6). The tracee (a TRACEME child) takes its
 * exec SIGTRAP: get_signal → ptrace_signal → ptrace_stop. The tracer exits
 * at any point of that: exit_notify →
 * forget_original_parent → exit_ptrace → __ptrace_unlink under
 * tasklist_lock (write) and the tracee's siglock. In 6.6 the tracee tests
 * current->ptrace under its siglock before set_special_state(TASK_TRACED)
 * (signal.c:2266), and __ptrace_unlink tests JOBCTL_TRACED under the same
 * lock before waking it: either the stop is skipped or the unlink wakes
 * it. The tracee then takes SIGTRAP untraced and dies of it.
 *
 * Variant pre-5.19: ptrace_stop in the 5.18 order — set_special_state
 * first, the only ->ptrace test under tasklist_lock (read), and when the
 * tracer is gone, back to TASK_RUNNING without sleeping (kernel/signal.c
 * before the 5.19 ptrace series; see signal-ptrace.ts). 5.18 had no
 * BUG_ON there (it went in 2005), so the variant has no assertion of its
 * own; the invariants judge it.
 */

import { usePtraceStop5_18 } from '../../kernel/linux/history.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, stoppedAtEnd, TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';

export default defineScenario({
  name: 'linux/tracer-exit',
  summary: 'the tracer exits while its tracee enters ptrace_stop on another CPU (Linux 6.6, and the 5.18 order)',
  cpus: 2,
  invariants: PTRACE_INVARIANTS,
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'ptrace_stop bails out under siglock when ->ptrace is gone; __ptrace_unlink wakes a traced tracee',
      source: 'linux-6.6 kernel/signal.c:2266-2341 ptrace_stop; kernel/ptrace.c:117-172 __ptrace_unlink',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'every window ends with the tracee running: the bail-out under siglock, or the unlink waking it; a tick on either CPU changes nothing',
        },
        {
          cpus: 3,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'as on two CPUs, with the tracer and the tracee each on a CPU of their own, and a tick on each CPU (37,852 executions)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'x86-TSO store buffers on both CPUs, and a tick on each: the same answer (8,707 executions)',
        },
      ],
    },
    'pre-5.19': {
      summary: 'ptrace_stop in the 5.18 order: TASK_TRACED first, ->ptrace tested under tasklist_lock only',
      source: 'linux-5.18 kernel/signal.c ptrace_stop',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'TASK_TRACED is set before the ->ptrace test under tasklist_lock (read); the unlink holds it for writing: either the test sees the unlink, or the unlink sees TASK_TRACED and wakes the tracee (with a tick on each CPU too)',
        },
        { cpus: 3, irq: TICK_EACH, verdict: 'holds', why: 'as on two CPUs, with a tick on each CPU (43,435 executions)' },
      ],
    },
    'unlink-no-wake': {
      summary: 'known bug put back: __ptrace_unlink does not wake the traced tracee',
      expect: [
        { cpus: 2, verdict: 'violated', invariant: 'no-stuck-traced', why: 'the tracee stops for good after its tracer is gone' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const tracer = k.spawn(
      'tracer',
      0,
      script(function* (u) {
        yield* u.run('the debugger quits');
      }),
    );
    const child = k.spawn(
      'child',
      1,
      script(function* (u) {
        yield* u.traceme();
        yield* u.exec();
        yield* u.run();
      }),
      { parent: tracer },
    );
    const pt = setupPtrace(k);
    if (variant === 'unlink-no-wake') putBack(k, 'unlink-no-wake');
    if (variant === 'pre-5.19') usePtraceStop5_18(k);
    k.finish();
    registerLinuxInvariants(b, k);
    registerPtraceInvariants(b, k, pt);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [child]) });
    return b.build();
  },
});
