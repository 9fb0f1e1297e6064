/**
 * linux/seize-interrupt-listen — PTRACE_SEIZE, PTRACE_INTERRUPT and
 * PTRACE_LISTEN against a SIGCONT from a third task (Linux 6.6). The
 * tracee sits in pause(). The tracer seizes it (no SIGSTOP), interrupts it
 * (JOBCTL_TRAP_STOP and a wake: do_jobctl_trap → PTRACE_EVENT_STOP trap),
 * waits for that stop — resuming with signal 0 any signal-delivery stop
 * that comes first (a SIGCONT queued while traced), at most twice — puts the
 * tracee in LISTEN, and quits (exit_ptrace unlinks the listening tracee and
 * wakes it). The sender's SIGCONT may land at any point: before the seize
 * (ignored), in pause (ptrace_trap_notify: a TRAP_NOTIFY trap, itself an
 * EVENT_STOP), at the stop, or during LISTEN (ptrace_trap_notify wakes the
 * listening tracee with resume = true, and it traps again).
 *
 * Variant listen-race starts from the reported INTERRUPT stop — a
 * prologue, run in one order, takes the tracer and the tracee there while
 * the sender waits for a flag — and searches the rest: the tracer lets the
 * sender go, LISTENs and quits while the SIGCONT lands.
 *
 * Variant listen-notify, from the same stop: the tracer LISTENs and waits
 * again. ptrace(2) on PTRACE_LISTEN: the tracee stays stopped, but a
 * SIGCONT notifies the tracer. Whether the SIGCONT lands before the LISTEN
 * (the LISTEN finds JOBCTL_TRAP_NOTIFY and wakes it, ptrace.c:1164-1165) or
 * during it (ptrace_trap_notify wakes the listening tracee, signal.c:899),
 * the tracee traps again and waitpid reports the PTRACE_EVENT_STOP
 * (ptrace-returns). Variant listen-notify-no-wake puts a bug back:
 * ptrace_trap_notify sets JOBCTL_TRAP_NOTIFY without the wake, so a SIGCONT
 * that lands during the LISTEN never reaches the tracer.
 */
import { store } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { JOBCTL_TRAP_NOTIFY } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { PTRACE_EVENT_STOP } from '../../kernel/linux/ptrace-state.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, stoppedAtEnd, TICK_BOUNDS, TICK_EACH, TICK_ONE, waitReportReady } from './ptrace-common.ts';
import { expectReturn, PTRACE_RETURNS } from './refusal-common.ts';

const LISTEN_PROLOGUE =
  'the tracer SEIZEs and INTERRUPTs the tracee in pause(), which stops in PTRACE_EVENT_STOP; the tracer has it reported (the sender waits for that)';

/** waitpid status of a PTRACE_EVENT_STOP: status >> 16 == PTRACE_EVENT_STOP */
const isEventStop = (st: { stopped: boolean; status: number }) => st.stopped && st.status >> 16 === PTRACE_EVENT_STOP;
/** waitpid's status for a PTRACE_EVENT_STOP of a seized tracee outside a group stop (signal.c:2545-2548) */
const EVENT_STOP_STATUS = (PTRACE_EVENT_STOP << 16) | (SIG.SIGTRAP << 8) | 0x7f;

export default defineScenario({
  name: 'linux/seize-interrupt-listen',
  summary: 'PTRACE_SEIZE, INTERRUPT, LISTEN with a SIGCONT from a third task, then the tracer quits (Linux 6.6)',
  cpus: 2,
  invariants: [PTRACE_RETURNS, ...PTRACE_INVARIANTS],
  bounds: `${TICK_BOUNDS}; the tracer resumes at most two signal-delivery stops`,
  variants: {
    'linux-6.6': {
      summary: 'tracer: SEIZE; INTERRUPT; waitpid; LISTEN; exit — sender: kill(tracee, SIGCONT) — tracee: pause()',
      source: 'linux-6.6 kernel/ptrace.c:1126-1177 ptrace_request; kernel/signal.c ptrace_trap_notify, do_jobctl_trap',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'the INTERRUPT trap is reported once, LISTEN keeps the tracee stopped until SIGCONT, which wakes it. No tick: with tick@cpuN=1 the search had not ended after 240 s (63,506 executions, nice -n 19 at load 21; 205,816 executions without ticks); the race after the INTERRUPT stop is searched with a tick on each CPU by listen-race',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick: 10.6M states explored (2.6× the same search on sc, 4.06M); 64 s under nice -n 19 at load 10-14 on the 2-core machine',
        },
      ],
    },
    'listen-race': {
      summary:
        'the same from the INTERRUPT stop on: tracer: LISTEN; exit — sender: kill(tracee, SIGCONT) once the stop is reported',
      prologue: LISTEN_PROLOGUE,
      source:
        'linux-6.6 kernel/ptrace.c:1155-1177 PTRACE_LISTEN; kernel/signal.c ptrace_trap_notify; kernel/ptrace.c exit_ptrace',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'LISTEN, the SIGCONT and the unlink in every order, from the reported stop, with a tick on each CPU (33,291 executions)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO store buffers on both CPUs, no tick: the same answer (394k states, 2.2× the same search on sc)',
        },
        {
          cpus: 3,
          verdict: 'holds',
          long: true,
          why: 'each task on its own CPU: 4.18M executions, 15.0M states, 126M steps; 744 s at load 10-16 on the 2-core machine. No tick: at 15M states without one, a tick on each of three CPUs is out of reach (listen-race on 2 CPUs has one each). The whole linux-6.6 run on 3 CPUs had not ended after 240 s (4.61M executions, 136M steps)',
        },
      ],
    },
    'listen-race-unlink-no-wake': {
      summary: 'listen-race with the known bug put back: __ptrace_unlink does not wake the traced tracee',
      prologue: LISTEN_PROLOGUE,
      expect: [
        { cpus: 1, verdict: 'violated', invariant: 'no-stuck-traced', why: 'the tracer quits while the tracee listens' },
        { cpus: 2, verdict: 'violated', invariant: 'no-stuck-traced', why: 'as on one CPU' },
        { cpus: 3, verdict: 'violated', invariant: 'no-stuck-traced', why: 'the 3-CPU search of listen-race finds it at once' },
      ],
    },
    'listen-notify': {
      summary:
        'from the INTERRUPT stop on: tracer: LISTEN; waitpid; exit — sender: kill(tracee, SIGCONT) once the stop is reported',
      prologue: LISTEN_PROLOGUE,
      source: 'linux-6.6 kernel/signal.c:893-900 ptrace_trap_notify; kernel/ptrace.c:1153-1177 PTRACE_LISTEN',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          long: true,
          why: 'the SIGCONT before, during or after the LISTEN: the tracee traps again and the second waitpid reports it, with a tick on each CPU (451,068 executions; 192 s under nice at load 15 on the 2-core machine)',
        },
      ],
    },
    'listen-notify-no-wake': {
      summary: 'listen-notify with ptrace_trap_notify setting JOBCTL_TRAP_NOTIFY without ptrace_signal_wake_up (signal.c:899)',
      prologue: LISTEN_PROLOGUE,
      expect: [
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: PTRACE_RETURNS,
          why: 'the SIGCONT lands while the tracee listens and nothing wakes it: the tracer waits for ever',
        },
        { cpus: 2, irq: TICK_EACH, verdict: 'violated', invariant: PTRACE_RETURNS, why: 'as on one CPU' },
      ],
    },
    'unlink-no-wake': {
      summary: 'known bug put back: __ptrace_unlink does not wake the traced tracee',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'the listening tracee stays TASK_TRACED after its tracer quits',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const notify = variant.startsWith('listen-notify');
    const race = variant.startsWith('listen-race') || notify;
    // only the listen-notify variants have the flag: the others' traces keep their memory
    const done = notify ? b.layout.cell('tracer.done', 0) : -1;
    if (variant === 'listen-notify-no-wake') {
      k.override('ptrace_trap_notify', function* (k, ctx, t) {
        // the bug: no "ptrace_signal_wake_up(t, t->jobctl & JOBCTL_LISTENING)" (signal.c:899), nor its read of jobctl
        yield* k.fn.task_set_jobctl_pending(k, ctx, t, JOBCTL_TRAP_NOTIFY);
      });
    }
    const go = b.layout.cell('user.go');
    let tracee = null as unknown as ReturnType<typeof k.spawn>;
    let sender = null as unknown as ReturnType<typeof k.spawn>;
    const tracer = k.spawn(
      'tracer',
      0,
      script(function* (u) {
        if ((yield* u.ptrace(PTRACE.SEIZE, tracee)) < 0) return;
        yield* u.ptrace(PTRACE.INTERRUPT, tracee);
        let st = yield* u.waitpid(tracee);
        if (race) yield* u.setFlag(go, sender);
        for (let i = 0; i < 2 && st.stopped && !isEventStop(st); i++) {
          yield* u.ptrace(PTRACE.CONT, tracee, 0);
          st = yield* u.waitpid(tracee);
        }
        if (isEventStop(st)) yield* u.ptrace(PTRACE.LISTEN, tracee);
        if (notify) {
          const again = yield* u.waitpid(tracee);
          yield expectReturn(
            'tracer',
            'waitpid(tracee) after LISTEN and the SIGCONT: status',
            again.status,
            EVENT_STOP_STATUS,
            'linux-6.6 kernel/signal.c:893-900 ptrace_trap_notify, 2545-2548 do_jobctl_trap',
          );
          yield store(done, 1, 'user tracer', 'the program goes on past its second waitpid');
        }
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
    sender = k.spawn(
      'sender',
      2,
      script(function* (u) {
        if (race) yield* u.waitFlag(go);
        yield* u.kill(tracee, SIG.SIGCONT);
      }),
    );
    const pt = setupPtrace(k);
    if (variant.endsWith('unlink-no-wake')) putBack(k, 'unlink-no-wake');
    if (race) b.prologue('the INTERRUPT stop is reported', (w) => (w.mem[pt.of(tracee).g_reports] as number) > 0);
    k.finish();
    registerLinuxInvariants(b, k, {
      sleepsFor: [waitReportReady(tracer, tracee), { task: sender, what: 'its flag is set', holds: (m) => m[go] !== 0 }],
    });
    registerPtraceInvariants(b, k, pt);
    // what the tracer's program sees first: its wait that never returns
    if (notify) {
      b.atEnd({
        name: PTRACE_RETURNS,
        check: (w) => (w.mem[done] ? null : 'the tracer never got past its waitpid for the SIGCONT notification'),
      });
    }
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [tracee]) });
    return b.build();
  },
});
