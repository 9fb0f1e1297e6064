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
 * Variant real-parent: C's real parent P is in the model (on C's CPU,
 * ahead of it), with SIGCHLD blocked so that a SIGCHLD sent to it stays
 * pending (sig_ignored: a blocked signal is never ignored, signal.c:110).
 * P calls ptrace(PTRACE_KILL, C) while T seizes C and exits, then stays
 * in pause(). Two readers of T's link under tasklist_lock (read), against
 * T's exit_ptrace → __ptrace_unlink, which sets C->parent back to
 * C->real_parent = P under the write side (ptrace.c:117-172):
 * - ptrace-returns: P's PTRACE_KILL returns -ESRCH. ptrace_check_attach
 *   tests `child->ptrace && child->parent == current` under
 *   read_lock(&tasklist_lock) "to close a possible race where someone else
 *   was tracing our child and detached between these two checks"
 *   (ptrace.c:252-270): P is never C's tracer, so no interleaving lets it
 *   through.
 * - sigchld-only-on-exit: C never stops for a group stop, so its real
 *   parent hears from it once only, when it exits (exit_notify's
 *   do_notify_parent, with tsk->exit_state = EXIT_ZOMBIE in the same
 *   tasklist_lock section, exit.c:730-760). ptrace_stop tests
 *   current->ptrace and sends the CLD_TRAPPED notification to
 *   current->parent under read_lock(&tasklist_lock) (signal.c:2315-2338):
 *   it goes to T, or not at all when T unlinked C first — never to P.
 *   Checked whenever tasklist_lock is free: P has SIGCHLD pending only if
 *   C is a zombie.
 * Variants check-attach-unlocked and stop-notify-unlocked (bugs put back)
 * take read_lock(&tasklist_lock) out of ptrace_check_attach and out of
 * ptrace_stop. P's PTRACE_KILL reads C->ptrace between T's
 * `task->ptrace = flags` and its ptrace_link (ptrace_attach stores both
 * under the write side, ptrace.c:445-447), finds C->parent still P, and the
 * request goes through (0, and C is killed). C reads current->ptrace still
 * set, T's unlink makes P C->parent, and P gets C's CLD_TRAPPED SIGCHLD.
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
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { PT_PTRACED, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { ESRCH, PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, stoppedAtEnd, TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { expectCall, PTRACE_RETURNS } from './refusal-common.ts';
import { withoutReadLock } from './tasklist-unlocked.ts';

/** C's real parent hears from it only when it exits (see the header) */
const SIGCHLD_ONLY_ON_EXIT = 'sigchld-only-on-exit';

/** The variants with C's real parent P in the model, and which function each runs without read_lock(&tasklist_lock). */
const WITH_PARENT: Readonly<Record<string, 'ptrace_check_attach' | 'ptrace_stop' | null>> = {
  'real-parent': null,
  'check-attach-unlocked': 'ptrace_check_attach',
  'stop-notify-unlocked': 'ptrace_stop',
};

/** include/uapi/linux/ptrace.h:151 PTRACE_O_TRACEEXEC (1 << PTRACE_EVENT_EXEC) */
const PTRACE_O_TRACEEXEC = 1 << 4;

export default defineScenario({
  name: 'linux/exec-event-tracer-exit',
  summary: 'the tracer exits while its tracee enters a PTRACE_EVENT_EXEC stop: the stop is skipped or ended (Linux 6.6)',
  cpus: 2,
  invariants: [...PTRACE_INVARIANTS, 'tracee-finished', PTRACE_RETURNS, SIGCHLD_ONLY_ON_EXIT],
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
    'real-parent': {
      summary: 'as linux-6.6, with C’s real parent P (SIGCHLD blocked) calling ptrace(PTRACE_KILL, C) as T seizes C and exits',
      source:
        'linux-6.6 kernel/ptrace.c:250-277 ptrace_check_attach, 117-172 __ptrace_unlink; kernel/signal.c:2315-2338 ptrace_stop; kernel/exit.c:730-760 exit_notify',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'T’s link and unlink are ordered against both readers by tasklist_lock: P’s PTRACE_KILL finds C untraced or traced by T (-ESRCH), C’s stop is told to T or to nobody (3,656 executions; the next row adds a tick on each CPU)',
        },
        { cpus: 2, irq: TICK_EACH, verdict: 'holds', why: 'the same with a tick on each CPU (26,184 executions)' },
      ],
    },
    'check-attach-unlocked': {
      summary: 'ptrace_check_attach without read_lock(&tasklist_lock) around its two tests (ptrace.c:261-270)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: PTRACE_RETURNS,
          why: 'P reads C->ptrace just set by T’s SEIZE (ptrace.c:445) and C->parent before T’s ptrace_link (447), still P: PTRACE_KILL returns 0 to a task that is not C’s tracer (20 executions)',
        },
      ],
    },
    'stop-notify-unlocked': {
      summary: 'ptrace_stop without read_lock(&tasklist_lock) around its notifications (signal.c:2315-2338)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: SIGCHLD_ONLY_ON_EXIT,
          why: 'C reads current->ptrace still set, T exits and its unlink makes P C->parent, C sends its CLD_TRAPPED SIGCHLD to P (55 executions)',
        },
      ],
    },
    'wait-flag-no-barrier': {
      summary: "C's wait for the flag with __set_current_state (no barrier) before its load of the flag",
      expect: [
        {
          cpus: 2,
          verdict: 'holds',
          why: 'sequentially consistent model, no ticks: the row only shows that the missing fence reorders nothing without x86-TSO',
        },
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
    const unlocked = WITH_PARENT[variant] ?? null;
    if (unlocked === 'ptrace_check_attach') {
      k.override('ptrace_check_attach', (kk, ctx, child, ignoreState) =>
        withoutReadLock(kk.tasklist_lock, kk.base.ptrace_check_attach(kk, ctx, child, ignoreState)),
      );
    }
    if (unlocked === 'ptrace_stop') {
      k.override('ptrace_stop', (kk, ctx, exitCode, why, message, siCode, clearCode) =>
        withoutReadLock(kk.tasklist_lock, kk.base.ptrace_stop(kk, ctx, exitCode, why, message, siCode, clearCode)),
      );
    }
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
    const withParent = variant in WITH_PARENT;
    const p = withParent
      ? k.spawn(
          'P',
          1,
          script(function* (u) {
            const ref = 'kernel/ptrace.c:261-270 ptrace_check_attach: P is not C’s tracer';
            yield* expectCall('P', 'ptrace(PTRACE_KILL, C)', u.ptrace(PTRACE.KILL, c), -ESRCH, ref);
            yield* u.idle();
          }),
          { blocked: sigmask(SIG.SIGCHLD) },
        )
      : null;
    c = k.spawn(
      'C',
      1,
      script(function* (u) {
        yield* u.waitFlag(seized);
        yield* u.exec();
      }),
      p ? { parent: p } : {},
    );
    const pt = setupPtrace(k);
    k.finish();
    if (p) {
      const cells = [k.tasklist_lock, p.signal.shared_pending, p.pending, c.exit_state];
      b.invariant({
        name: SIGCHLD_ONLY_ON_EXIT,
        watch: cells,
        reads: cells,
        check: (w) => {
          if (w.mem[k.tasklist_lock] !== 0 || w.mem[c.exit_state] !== 0) return null;
          const got = ((w.mem[p.signal.shared_pending] as number) | (w.mem[p.pending] as number)) & sigmask(SIG.SIGCHLD);
          return got
            ? 'P, C’s real parent, has a SIGCHLD pending while C has neither group-stopped nor exited: C’s ptrace stop was told to P'
            : null;
        },
      });
    }
    registerLinuxInvariants(b, k, {
      sleepsFor: [{ task: c, states: TASK_UNINTERRUPTIBLE, what: 'its flag is set', holds: (m) => m[seized] !== 0 }],
    });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [c]) });
    return b.build();
  },
});
