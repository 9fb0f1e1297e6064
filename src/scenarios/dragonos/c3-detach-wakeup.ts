/**
 * dragonos/c3-detach-wakeup — review concern 3 on PR #1663: detach wakes
 * the tracee by hand (process/ptrace.rs:732-762: Runnable or just
 * sleep := false, then activate_task with no on_rq check).
 *
 * T, traced by P, returns to user mode from an interrupt with SIGUSR1
 * pending: do_signal dequeues it and, T being ptraced, heads into
 * ptrace_signal → ptrace_stop. P issues PTRACE_DETACH(T, 0) at any moment
 * (pr1663 checks neither the attach nor the stop; head's
 * ptrace_check_attach requires TracedStopped, else ESRCH). Two shapes:
 * detach before T publishes TracedStopped (T then stops with no tracer:
 * stuck), and detach between TracedStopped and T's schedule() (T is still
 * on the runqueue: enqueued twice, nr_running drifts).
 *
 * master: PTRACE_DETACH does not exist (sys_ptrace.rs:37-53 returns EIO
 * for everything but PTRACE_TRACEME); T handles SIGUSR1 normally.
 */
import { nop } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { type Pcb, PF } from '../../kernel/dragonos/kernel.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import {
  BOUNDS,
  COMMITS,
  finishKernel,
  GUARD_HELD,
  NO_LEDGER,
  NO_TICK,
  newKernel,
  noStuckTraced,
  runqueueSane,
  simpleHandler,
  stoppedNeverRuns,
  TICK_EACH,
} from './common.ts';

const MINE = ['no-stuck-traced', 'runqueue-sane', GUARD_HELD];
const SNR = ['stopped-never-runs', GUARD_HELD];

export default defineScenario({
  name: 'dragonos/c3-detach-wakeup',
  summary: 'PTRACE_DETACH while the tracee heads into ptrace_stop: stuck in TracedStopped, or enqueued twice?',
  cpus: 2,
  invariants: [...MINE, 'stopped-never-runs'],
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary:
        'detach: ptrace_unlink, inject SIGCONT, Runnable (or only sleep := false), activate_task — no attach, stop or on_rq check',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'runqueue-sane',
          why: 'detach activate_task()s T while T is still on rq0 (between ptrace_stop:384 and its schedule, or before it): CFS adds 1 to nr_running for an entity already queued',
        },
        {
          cpus: 1,
          irq: NO_TICK,
          verdict: 'holds',
          why: 'one core, no timer tick: nothing preempts T inside ptrace_stop, so the window never opens (a single execution)',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'runqueue-sane',
          why: 'ptrace_stop runs with irqs on and preempt_count 0: a timer tick hands the CPU to P, which detaches — one CPU is enough',
        },
        {
          cpus: 2,
          only: SNR,
          verdict: 'violated',
          invariant: 'stopped-never-runs',
          why: 'detach before T publishes TracedStopped only clears sleep (742): T then sets TracedStopped, stays queued, is picked again and returns to user mode still TracedStopped',
        },
        {
          cpus: 2,
          only: ['no-stuck-traced', GUARD_HELD],
          verdict: 'violated',
          invariant: 'no-stuck-traced',
          why: 'the detach unlinks T (527-540) and finds it Runnable (734) before ptrace_stop:384 sets TracedStopped: T then sleeps TracedStopped with no tracer (its parent_pcb() is None at 396)',
        },
      ],
    },
    head: {
      summary:
        'check_attach (traced by me and TracedStopped), then ptrace_unlink → ProcessManager::wakeup, which has no on_rq check',
      source: COMMITS.head,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'runqueue-sane',
          why: 'T publishes TracedStopped (685) before notify_tracer and schedule (704, 712); P passes check_attach and ptrace_unlink → wakeup → activate_task on the still-queued T',
        },
        {
          cpus: 1,
          irq: NO_TICK,
          verdict: 'holds',
          why: 'one core, no timer tick: nothing opens the window between 685 and 712',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'runqueue-sane',
          why: 'the same window with a timer tick between 700 and 712 (irqs on)',
        },
        {
          cpus: 2,
          only: [...SNR, 'no-stuck-traced'],
          verdict: 'holds',
          irq: TICK_EACH,
          why: 'check_attach requires TracedStopped, and the wakeup makes T Runnable before it can run again; the detach never leaves T stuck in TracedStopped',
        },
        {
          cpus: 2,
          only: ['lock-discipline', 'deadlock', GUARD_HELD],
          verdict: 'holds',
          irq: TICK_EACH,
          why: 'the locks and irq state stay sound and nothing blocks for good (the double enqueue is runqueue-sane’s row above)',
        },
        { cpus: 1, only: SNR, verdict: 'holds', why: 'as on two CPUs' },
      ],
    },
    master: {
      summary: 'not applicable: master has no PTRACE_DETACH (EIO) and no ptrace stop; T handles its signal normally',
      source: COMMITS.master,
      expect: [
        { cpus: 2, verdict: 'holds', only: MINE, irq: TICK_EACH, why: 'no ptrace stop exists to get stuck in' },
        { cpus: 1, verdict: 'holds', only: MINE, why: 'as on two CPUs' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, variant);
    const master = variant === 'master';
    k.actions.set(SIG.SIGUSR1, 'custom');
    const envOf = (_p: Pcb): DoSignalEnv => ({ ledger: NO_LEDGER, handle: simpleHandler(k) });
    // T is task 0, P task 1
    const T = k.spawn(
      'T',
      {
        cpu: 0,
        start: 'current',
        flags: PF.HAS_PENDING_SIGNAL | (master ? 0 : PF.PTRACED),
        pending: sigmask(SIG.SIGUSR1),
        ...(master ? {} : { tracer: 1, parent: 1 }),
      },
      (ctx) => k.fn.returnToUserAndRun(k, T, envOf(T), ctx),
    );
    const P = k.spawn('P', { cpu: 1, start: 'current' }, function* (ctx) {
      if (master)
        yield nop(
          k.src.at('process/syscall/sys_ptrace.rs', { master: 53 }, 'SysPtrace::handle'),
          'PTRACE_DETACH: EIO (only TRACEME exists)',
        );
      else yield* k.fn.ptraceDetach(k, T, ctx);
      yield* k.fn.syscallReturnAndRun(k, P, envOf(P), ctx);
    });
    finishKernel(k, envOf);
    noStuckTraced(b, T);
    stoppedNeverRuns(b, [T]);
    runqueueSane(b, k);
    return b.build();
  },
});
