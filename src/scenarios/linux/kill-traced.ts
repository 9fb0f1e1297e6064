/**
 * linux/kill-traced — SIGKILL from a third task while the tracer is inside a
 * request on the frozen tracee (Linux 6.6). The tracer has the exec SIGTRAP
 * stop reported, then PTRACE_PEEKDATA: ptrace_check_attach freezes the
 * tracee (JOBCTL_PTRACE_FROZEN) and wait_task_inactive waits until it is
 * off its CPU. A killer, woken by the tracer (a flag in user memory
 * and a futex-style sleep) once the stop was reported, sends SIGKILL at any
 * point of the request (before the freeze, during it, or after):
 * signal_wake_up(fatal) leaves a frozen tracee
 * alone, and ptrace_unfreeze_traced wakes it when the request ends. The
 * tracee must never run during the request, must not stay TRACED, and
 * dies; the tracer reaps it. The tracer and the killer then stay around
 * (pause()) rather than exit, which keeps the search small.
 *
 * Variant kill-race starts from the reported stop — a prologue, run in one
 * order, takes the child through PTRACE_TRACEME, exec and its SIGTRAP stop
 * and the tracer through the waitpid that reports it — and searches the
 * rest: the request on the frozen tracee against the SIGKILL, on three CPUs
 * as well (the stop and its report race as in linux/gdb-traceme).
 *
 * Variant linux-5.18 runs the same on 5.18's constants and code for this:
 * TASK_TRACED has TASK_WAKEKILL in it, a fatal signal wakes with
 * TASK_WAKEKILL, and a request freezes the tracee by taking TASK_WAKEKILL
 * out of its __state. wakekill-without-5.18-constants keeps that code with
 * 6.6's TASK_TRACED: the fatal wakeup matches nothing.
 */
import { SIG } from '../../kernel/common/bits.ts';
import { LINUX_5_18, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { useFreeze5_18 } from '../../kernel/linux/history.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, stoppedAtEnd, TICK_BOUNDS, TICK_ONE, waitReportReady } from './ptrace-common.ts';

const REPORTED_PROLOGUE =
  "the child runs PTRACE_TRACEME and exec, and stops at exec's SIGTRAP; the tracer's waitpid reports the stop (the killer waits for its flag)";

export default defineScenario({
  name: 'linux/kill-traced',
  summary: 'SIGKILL from a third task during a ptrace request on the frozen tracee (Linux 6.6)',
  cpus: 2,
  invariants: [...PTRACE_INVARIANTS, 'ptrace-frozen-stays-traced'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'tracer: waitpid; ptrace(PEEKDATA); waitpid — killer: kill(tracee, SIGKILL)',
      source:
        'linux-6.6 kernel/ptrace.c ptrace_freeze_traced, ptrace_unfreeze_traced; include/linux/sched/signal.h signal_wake_up',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'the frozen tracee never runs during the request and dies once ptrace_unfreeze_traced sees SIGKILL. No tick: with tick@cpuN=1 the search had not ended after 240 s (92,044 executions, nice -n 19 at load 21; 189,293 executions without ticks)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick: 10.4M states explored (2.8× the same search on sc, 3.71M); 17 min under nice -n 19 at load 14-21 on the 2-core machine',
        },
      ],
    },
    'kill-race': {
      summary: 'the same from the reported stop on: tracer: ptrace(PEEKDATA); waitpid — killer: kill(tracee, SIGKILL)',
      prologue: REPORTED_PROLOGUE,
      source:
        'linux-6.6 kernel/ptrace.c ptrace_check_attach, ptrace_freeze_traced, ptrace_unfreeze_traced; include/linux/sched/signal.h signal_wake_up',
      expect: [
        {
          cpus: 3,
          verdict: 'holds',
          long: true,
          why: 'each task on its own CPU: the SIGKILL lands before, during or after the freeze, and the unfreeze wakes the killed tracee (2.49M executions, 15.7M states, 68.3M steps; 324 s under nice at load 6-8 on the 2-core machine). The whole linux-6.6 run on 3 CPUs had not ended after 240 s (2.63M executions, 72M steps). No tick: the 2-CPU tick row is already out of reach',
        },
      ],
    },
    'kill-race-unfreeze-ignores-sigkill': {
      summary: 'kill-race with the known bug put back: ptrace_unfreeze_traced does not wake a tracee killed during the request',
      prologue: REPORTED_PROLOGUE,
      expect: [
        {
          cpus: 3,
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'the same search as kill-race finds the SIGKILL sent while the tracee is frozen, left TASK_TRACED by the unfreeze',
        },
      ],
    },
    'ptrace-kill': {
      summary: 'the tracer kills its stopped tracee itself: PTRACE_KILL (send_sig_info(SIGKILL), no freeze), then waitpid',
      source: 'linux-6.6 kernel/ptrace.c:1221-1223 ptrace_request PTRACE_KILL',
      expect: [{ cpus: 1, irq: TICK_ONE, verdict: 'holds' }],
    },
    'linux-5.18': {
      summary:
        "5.18's TASK_TRACED (TASK_WAKEKILL | __TASK_TRACED), fatal wakeup (TASK_WAKEKILL) and freeze (__state = __TASK_TRACED)",
      source:
        'linux-5.18 include/linux/sched.h TASK_TRACED; include/linux/sched/signal.h signal_wake_up; kernel/ptrace.c ptrace_freeze_traced',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          long: true,
          why: 'the freeze takes TASK_WAKEKILL out of __state, so the SIGKILL waits for the unfreeze, which wakes the tracee (auto: 193,841 executions, 3.8M states, 9.7M steps; 45 s under nice -n 19 at load 9-10 on the 2-core machine). No tick: the linux-6.6 row, as large without one (189,293 executions), did not end in 240 s with a tick each',
        },
      ],
    },
    'wakekill-without-5.18-constants': {
      summary: "5.18's fatal wakeup and freeze with 6.6's TASK_TRACED (no TASK_WAKEKILL in it)",
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: "SIGKILL's TASK_WAKEKILL wakeup no longer matches TASK_TRACED: the tracee sleeps on, traced, with SIGKILL pending (why 5.19 added __TASK_TRACED to signal_wake_up's state)",
        },
        { cpus: 2, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'as on one CPU' },
      ],
    },
    'unfreeze-ignores-sigkill': {
      summary: 'known bug put back: ptrace_unfreeze_traced does not wake a tracee killed during the request',
      expect: [
        {
          cpus: 1,
          verdict: 'holds',
          why: 'one CPU, no ticks: the SIGKILL never lands inside the request; two CPUs break it (traces/linux)',
        },
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'one CPU and one tick are enough: preempted after ptrace_freeze_traced, the tracer lets the killer send SIGKILL before the unfreeze',
        },
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'the killer sends SIGKILL while the tracer holds the tracee frozen; the unfreeze leaves it TASK_TRACED with SIGKILL pending',
          search: { strategy: 'bounded', preemptions: 1 },
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, variant === 'linux-5.18' ? { consts: LINUX_5_18 } : {});
    if (variant === 'linux-5.18' || variant === 'wakekill-without-5.18-constants') useFreeze5_18(k);
    const reported = b.layout.cell('user.reported', 0);
    let child = null as unknown as ReturnType<typeof k.spawn>;
    let killer = null as unknown as ReturnType<typeof k.spawn>;
    const tracer = k.spawn(
      'tracer',
      0,
      script(function* (u) {
        const st = yield* u.waitpid(child);
        if (!st.stopped) return;
        if (variant === 'ptrace-kill') {
          yield* u.ptrace(PTRACE.KILL, child);
        } else {
          yield* u.setFlag(reported, killer);
          yield* u.ptrace(PTRACE.PEEKDATA, child);
        }
        yield* u.waitpid(child);
        yield* u.idle();
      }),
    );
    child = k.spawn(
      'child',
      1,
      script(function* (u) {
        yield* u.traceme();
        yield* u.exec();
        yield* u.run();
      }),
      { parent: tracer },
    );
    killer = k.spawn(
      'killer',
      2,
      script(function* (u) {
        if (variant !== 'ptrace-kill') {
          yield* u.waitFlag(reported);
          yield* u.kill(child, SIG.SIGKILL);
        }
        yield* u.idle();
      }),
    );
    const pt = setupPtrace(k);
    if (variant.endsWith('unfreeze-ignores-sigkill')) putBack(k, 'unfreeze-ignores-sigkill');
    if (variant.startsWith('kill-race'))
      b.prologue('the exec SIGTRAP stop is reported', (w) => (w.mem[pt.of(child).g_reports] as number) > 0);
    k.finish();
    registerLinuxInvariants(b, k, {
      sleepsFor: [
        waitReportReady(tracer, child),
        { task: killer, states: TASK_UNINTERRUPTIBLE, what: 'its flag is set', holds: (m) => m[reported] !== 0 },
      ],
    });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [child]) });
    return b.build();
  },
});
