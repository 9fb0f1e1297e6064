/**
 * linux/exec-event-tracer-exit — the tracer exits while its tracee is on
 * its way into a PTRACE_EVENT_EXEC stop (Linux 6.6).
 *
 * T (CPU0) PTRACE_SEIZEs C with PTRACE_O_TRACEEXEC, tells C so (a flag in
 * user memory, futex-style) and exits. C (CPU1) then execs: ptrace_event
 * tests ptrace_event_enabled(current, PTRACE_EVENT_EXEC) without a lock
 * (include/linux/ptrace.h:150) and calls ptrace_notify, which takes the
 * siglock and enters ptrace_stop (signal.c:2381-2393). T's exit can land
 * between the two: exit_ptrace → __ptrace_unlink clears C->ptrace under C's
 * siglock (ptrace.c:133-134). ptrace_stop is written for that: "Handle
 * previous ptrace_unlinks and fatal signals here to prevent ptrace_stop
 * sleeping in schedule" — `if (!current->ptrace || __fatal_signal_pending(current))
 * return exit_code` (signal.c:2260-2267). A later unlink finds C
 * JOBCTL_TRACED and wakes it (ptrace.c:168-169). Either way C goes on and
 * exits. Unlike linux/tracer-exit (a signal's stop: get_signal holds the
 * siglock from its decision to ptrace_stop), here the test at 2266 is the
 * only thing between an untraced C and a stop nobody will end.
 *
 * Variant ptrace-stop-keeps-untraced (a bug put back): ptrace_stop reads
 * current->ptrace at 2266 and does not test it: C, untraced, sleeps in
 * TASK_TRACED for good (no-stuck-traced).
 *
 * Variant wait-flag-no-barrier (a bug put back): C's wait for the flag marks
 * itself sleeping with __set_current_state (no barrier) where futex_wait
 * uses set_current_state (kernel/futex/waitwake.c futex_wait_queue ->
 * futex_wait_setup's test, include/linux/sched.h:228 smp_store_mb). Under
 * x86-TSO the state store waits in C's store buffer while C reads the flag
 * = 0, and T's wake_up_process reads TASK_RUNNING and wakes nobody: C
 * sleeps for good (no-lost-wakeup), as in linux/sleep-wake [no-barrier].
 */
import type { Program } from '../../cpu/ops.ts';
import { PT_PTRACED, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, stoppedAtEnd, TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';

/** include/uapi/linux/ptrace.h:151 PTRACE_O_TRACEEXEC (1 << PTRACE_EVENT_EXEC) */
const PTRACE_O_TRACEEXEC = 1 << 4;

export default defineScenario({
  name: 'linux/exec-event-tracer-exit',
  summary: 'the tracer exits while its tracee enters a PTRACE_EVENT_EXEC stop: the stop is skipped or ended (Linux 6.6)',
  cpus: 2,
  invariants: [...PTRACE_INVARIANTS, 'tracee-finished'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'T: SEIZE(C, TRACEEXEC); tells C; exit — C: waits for the flag; execve; exit',
      source:
        'linux-6.6 include/linux/ptrace.h:148-157 ptrace_event; kernel/signal.c:2260-2267 ptrace_stop; kernel/ptrace.c:614-625 exit_ptrace',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the unlink before ptrace_notify takes the siglock is seen at signal.c:2266, one after it wakes C: C exits every time, with a tick on each CPU (2,443 executions; 4.2 s under nice -n 19 at load 10)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          why: "x86-TSO, no tick: set_current_state's smp_store_mb drains C's state store before its load of the flag, so T's wake_up_process sees C sleeping or C sees the flag (10,395 executions, 54,557 states; 2 s)",
        },
      ],
    },
    'ptrace-stop-keeps-untraced': {
      summary: 'ptrace_stop without the "!current->ptrace" test (signal.c:2266)',
      expect: [
        {
          cpus: 1,
          irq: { 'tick@cpu0': 2 },
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'two ticks on one CPU: one stops T before its exit so that C runs, the other stops C between ptrace_event’s test and ptrace_notify (with one tick the 1-CPU search holds: T has always exited or C has always passed)',
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'T exits between ptrace_event’s test and ptrace_notify: C stops with no tracer',
        },
      ],
    },
    'wait-flag-no-barrier': {
      summary: "C's wait for the flag with __set_current_state (no barrier) before its load of the flag",
      expect: [
        { cpus: 2, verdict: 'holds', why: 'sequentially consistent model: the missing fence reorders nothing' },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: "C's state store waits in its store buffer while C reads the flag = 0 and T's wake_up_process reads TASK_RUNNING",
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'ptrace-stop-keeps-untraced') {
      // 6.6's ptrace_stop, whose first step is the load of current->ptrace (2266): the variant hands it back
      // as if still traced, so the test never returns; everything else runs as it is
      k.override('ptrace_stop', function* (kk, ctx, exitCode, why, message, siCode, clearCode): Program<number> {
        const run = kk.base.ptrace_stop(kk, ctx, exitCode, why, message, siCode, clearCode);
        let r = run.next();
        if (!r.done) r = run.next(((yield r.value as never) as number) || PT_PTRACED);
        while (!r.done) r = run.next(yield r.value as never);
        return r.value;
      });
    }
    const seized = b.layout.cell('user.seized', 0);
    let c = null as unknown as LinuxTask;
    if (variant === 'wait-flag-no-barrier') {
      // C's TASK_UNINTERRUPTIBLE sleeps are its waits for the flag (UserProc.waitFlag; its exec's mutex sleeps are interruptible)
      k.override('set_current_state', (kk, ctx, state) =>
        ctx.self === c.id && state === TASK_UNINTERRUPTIBLE
          ? kk.fn.__set_current_state(kk, ctx, state)
          : kk.base.set_current_state(kk, ctx, state),
      );
    }
    k.spawn(
      'T',
      0,
      script(function* (u) {
        yield* u.ptrace(PTRACE.SEIZE, c, PTRACE_O_TRACEEXEC);
        yield* u.setFlag(seized, c);
      }),
    );
    c = k.spawn(
      'C',
      1,
      script(function* (u) {
        yield* u.waitFlag(seized);
        yield* u.exec();
      }),
    );
    const pt = setupPtrace(k);
    k.finish();
    registerLinuxInvariants(b, k, {
      sleepsFor: [{ task: c, states: TASK_UNINTERRUPTIBLE, what: 'its flag is set', holds: (m) => m[seized] !== 0 }],
    });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [c]) });
    return b.build();
  },
});
