/**
 * linux/attach-stopped-returns — PTRACE_ATTACH to a task in a group stop
 * returns, and the tracer has the stop reported (Linux 6.6).
 *
 * C (CPU0) takes a pending SIGSTOP and stops (do_signal_stop: TASK_STOPPED,
 * JOBCTL_STOPPED); the rows start once it sleeps there (a prologue).
 * T (CPU1) attaches it: ptrace_attach finds it stopped, sets
 * JOBCTL_TRAP_STOP | JOBCTL_TRAPPING, clears JOBCTL_STOPPED and wakes it
 * from __TASK_STOPPED (signal_wake_up_state, ptrace.c:472-476), then sleeps
 * in wait_on_bit(JOBCTL_TRAPPING) (ptrace.c:494). C re-traps
 * (do_jobctl_trap → ptrace_stop), whose task_clear_jobctl_trapping wakes T.
 * ptrace(2), "Attaching and detaching": the tracee is stopped by the
 * attach; waitpid reports the stop (status 0x137f: its group stop's
 * SIGSTOP, do_jobctl_trap's signr, signal.c:2540-2551). linux/attach-stopped
 * searches the same attach for the barrier of task_clear_jobctl_trapping;
 * this scenario checks what the tracer gets back.
 *
 * - ptrace-returns: ATTACH returns 0 and waitpid reports C stopped by
 *   SIGSTOP; at the end T's program has run to its end (it is not asleep in
 *   the attach or the wait).
 *
 * Variant attach-no-wake-stopped (a bug put back): ptrace_attach without
 * the signal_wake_up_state of the stopped task: C sleeps on in
 * TASK_STOPPED, never traps (no-lost-wakeup: JOBCTL_STOPPED is clear), and
 * T's attach never returns (ptrace-returns).
 */
import { type Program, store } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { __TASK_STOPPED } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, TICK_BOUNDS, TICK_EACH, TICK_ONE, waitReportReady } from './ptrace-common.ts';
import { expectCall, expectReturn, PTRACE_RETURNS } from './refusal-common.ts';

const STOPPING = 'C has taken its pending SIGSTOP and sleeps in TASK_STOPPED (do_signal_stop); T has not run';
const STOPPED_BY_SIGSTOP = (SIG.SIGSTOP << 8) | 0x7f;

export default defineScenario({
  name: 'linux/attach-stopped-returns',
  summary: 'PTRACE_ATTACH to a stopped task returns, and waitpid reports the stop (Linux 6.6)',
  cpus: 2,
  invariants: [PTRACE_RETURNS, ...PTRACE_INVARIANTS],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'T: ATTACH C; waitpid(C) — C: a pending SIGSTOP (group stop)',
      source: 'linux-6.6 kernel/ptrace.c:472-494 ptrace_attach; kernel/signal.c:2537-2553 do_jobctl_trap',
      prologue: STOPPING,
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'from C’s stop on: the attach wakes C, C traps and wakes T, whatever the order of T’s wait_on_bit and C’s trap, with a tick on each CPU (8,926 executions; 6.2 s under nice -n 19 at load 13)',
        },
      ],
    },
    'attach-no-wake-stopped': {
      summary: 'ptrace_attach without "signal_wake_up_state(task, __TASK_STOPPED)" (ptrace.c:475)',
      prologue: STOPPING,
      expect: [
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'C sleeps on in TASK_STOPPED with JOBCTL_STOPPED cleared by the attach',
        },
        { cpus: 2, irq: TICK_EACH, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'as on one CPU' },
        {
          cpus: 2,
          irq: TICK_EACH,
          only: [PTRACE_RETURNS],
          verdict: 'violated',
          invariant: PTRACE_RETURNS,
          why: 'what the user sees of it: T’s PTRACE_ATTACH never returns',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'attach-no-wake-stopped') {
      k.override(
        'signal_wake_up_state',
        function* (): Program<void> {}, // the wake-up that is not made takes no step
        { within: 'ptrace_attach' },
      );
    }
    const done = b.layout.cell('T.done', 0);
    // C first: on one CPU it runs ahead of T, into its stop
    const c = k.spawn(
      'C',
      0,
      script((u) => u.returnToUser()),
      { pending: sigmask(SIG.SIGSTOP) },
    );
    const t = k.spawn(
      'T',
      1,
      script(function* (u) {
        yield* expectCall(
          'T',
          'ptrace(PTRACE_ATTACH, C)',
          u.ptrace(PTRACE.ATTACH, c),
          0,
          'linux-6.6 kernel/ptrace.c:480 ptrace_attach',
        );
        const st = yield* u.waitpid(c);
        yield expectReturn(
          'T',
          'waitpid(C): status',
          st.status,
          STOPPED_BY_SIGSTOP,
          'linux-6.6 kernel/exit.c:1310 wait_task_stopped',
        );
        yield store(done, 1, 'user T', 'the program goes on past its waitpid');
        yield* u.idle();
      }),
    );
    const pt = setupPtrace(k);
    b.prologue(STOPPING, (w) => ((w.mem[c.state] as number) & __TASK_STOPPED) !== 0 && w.mem[c.on_cpu] === 0);
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(t, c)] });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({
      name: PTRACE_RETURNS,
      check: (w) => (w.mem[done] ? null : "T's program never got past its PTRACE_ATTACH and waitpid of the stopped C"),
    });
    return b.build();
  },
});
