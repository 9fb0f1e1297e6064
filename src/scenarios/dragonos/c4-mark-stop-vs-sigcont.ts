/**
 * dragonos/c4-mark-stop-vs-sigcont — review concern 4 on PR #1663: sig_stop
 * publishes the group stop (ipc/generic_signal.rs:447-448, irqs on) and only
 * then, irqs off, sets the task Stopped (mark_stop, 451). A SIGCONT from
 * another CPU in between finds the task Runnable, so wakeup_stop does
 * nothing (process/mod.rs:302/335), clears the stop flags, and the task
 * stops afterwards: stopped for good although SIGCONT came last.
 *
 * Precondition: T runs sig_stop while Runnable. pr1663 stops non-traced
 * targets sender-side (prepare_sianal 503-513), so T gets here only by a
 * special path — e.g. PTRACE_DETACH(T, SIGTSTP) (detach sends SIGTSTP after
 * unlinking and makes T Runnable) or a SIGCONT between another sender's
 * stop_task and its enqueue. The scenario starts T returning to user mode
 * with SIGTSTP pending (SIG_DFL), not traced, Runnable. S sends SIGCONT.
 *
 * no-lost-wakeup: the last job-control event (ghost: T publishing its stop at
 * 447, S generating SIGCONT) was SIGCONT, yet T's state is Stopped.
 *
 * no-stop-after-sigcont (stricter, reported separately): T's SIGTSTP is
 * pending from the start, so S's SIGCONT is always generated after it; T
 * must not end Stopped. This also counts a SIGCONT that lands between T
 * dequeuing SIGTSTP and publishing the stop — the window Linux closes with
 * JOBCTL_STOP_DEQUEUED (linux-6.6 kernel/signal.c: dequeue_signal sets it,
 * 694; prepare_signal's SIGCONT clears it through
 * task_clear_jobctl_pending, 942 and 342-343; do_signal_stop declines to
 * stop without it, 2429).
 *
 * master (f64a0d56) replaced this path by transition_group_stop /
 * transition_group_continue under sighand's write lock
 * (src/kernel/dragonos/job-control-master.ts). The same start state arises
 * there by the second special path: master's sender stops T (stop_task)
 * before it queues SIGTSTP, and a SIGCONT in between makes T Runnable again.
 */
import { fence, irqRestore, irqSave, load, nop, type Program, spinLock, spinUnlock, store } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { type DragonKernel, type Pcb, PF, ST } from '../../kernel/dragonos/kernel.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario, type Expectation } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import {
  BOUNDS,
  COMMITS,
  finishKernel,
  GUARD_HELD,
  NO_LEDGER,
  NO_TICK,
  newKernel,
  runnableIsQueued,
  simpleHandler,
  stoppedNeverRuns,
  TICK_EACH,
} from './common.ts';

const STOP = 1;
const CONT = 2;
const LOST = ['no-lost-wakeup', GUARD_HELD];
const AFTER = ['no-stop-after-sigcont', GUARD_HELD];
const SNR = ['stopped-never-runs', GUARD_HELD];
const QUEUED = ['runnable-is-queued', GUARD_HELD];
/** why a row that checks the lock rules alone holds */
const GUARDED = 'every field DragonOS keeps inside a lock is accessed under it, with a tick on each CPU';
/** pr1663 and head: mark_stop never marks the task sleeping, and __schedule dequeues only a task marked sleeping */
const NOT_DEQUEUED =
  'mark_stop sets Stopped and NEED_SCHEDULE but not set_sleep(); __schedule deactivates prev only when is_mark_sleep(): T stays queued, is picked again and returns to user mode Stopped — no interleaving needed';

/** pr1663 and head alike: one core without and with a tick for no-stop-after-sigcont, and T never dequeued */
const AFTER_ON_ONE_CPU_AND_NOT_DEQUEUED: readonly Expectation[] = [
  { cpus: 1, irq: NO_TICK, only: AFTER, verdict: 'holds', why: 'one core, no timer tick: nothing can interleave' },
  {
    cpus: 1,
    only: AFTER,
    verdict: 'violated',
    invariant: 'no-stop-after-sigcont',
    why: 'a timer tick opens the window',
  },
  { cpus: 2, only: SNR, verdict: 'violated', invariant: 'stopped-never-runs', why: NOT_DEQUEUED },
  { cpus: 1, only: SNR, verdict: 'violated', invariant: 'stopped-never-runs', why: NOT_DEQUEUED },
];

export default defineScenario({
  name: 'dragonos/c4-mark-stop-vs-sigcont',
  summary: 'SIGCONT from another CPU between sig_stop publishing the stop and mark_stop: does the task stay stopped?',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'no-stop-after-sigcont', ...SNR, 'runnable-is-queued'],
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary: 'sig_stop: flags_insert(CLD_STOPPED), flags_insert(STOP_STOPPED) with irqs on, then irqs off and mark_stop',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          only: LOST,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'S runs SIGCONT between 447 and 451: wakeup_stop finds T Runnable (no-op), clears STOP_STOPPED; T then mark_stop()s itself Stopped',
        },
        {
          cpus: 1,
          irq: NO_TICK,
          only: LOST,
          verdict: 'holds',
          why: 'one core, no timer tick: nothing preempts T between 447 and 451, so the window never opens (a single execution)',
        },
        {
          cpus: 1,
          only: LOST,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'irqs are on between 447 and 450: a timer tick runs S on the same CPU in the window',
        },
        {
          cpus: 2,
          only: AFTER,
          verdict: 'violated',
          invariant: 'no-stop-after-sigcont',
          why: 'the window above, and also a SIGCONT between the dequeue of SIGTSTP and 447',
        },
        ...AFTER_ON_ONE_CPU_AND_NOT_DEQUEUED,
        {
          cpus: 2,
          only: ['runqueue-sane', 'lock-discipline'],
          verdict: 'holds',
          irq: TICK_EACH,
          why: 'the runqueues and locks stay sound (T, never dequeued, is never enqueued twice); deadlock is left out: a Stopped T that is picked again spins in do_signal with nothing pending',
        },
        { cpus: 2, only: [GUARD_HELD], verdict: 'holds', irq: TICK_EACH, why: GUARDED },
      ],
    },
    head: {
      summary: 'sig_stop unchanged in logic (459-510); prepare_signal SIGCONT unchanged',
      source: COMMITS.head,
      expect: [
        { cpus: 2, only: LOST, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'the same window (473-478)' },
        {
          cpus: 1,
          irq: NO_TICK,
          only: LOST,
          verdict: 'holds',
          why: 'one core, no timer tick: nothing opens the window (473-478)',
        },
        {
          cpus: 1,
          only: LOST,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the same window, opened by a timer tick',
        },
        {
          cpus: 2,
          only: AFTER,
          verdict: 'violated',
          invariant: 'no-stop-after-sigcont',
          why: 'as pr1663',
        },
        ...AFTER_ON_ONE_CPU_AND_NOT_DEQUEUED,
        {
          cpus: 2,
          only: ['runqueue-sane', 'lock-discipline', 'deadlock'],
          verdict: 'holds',
          irq: TICK_EACH,
          why: 'the runqueues, locks and irq state stay sound: the faults are the lost stop and continue above',
        },
        { cpus: 2, only: [GUARD_HELD], verdict: 'holds', irq: TICK_EACH, why: GUARDED },
      ],
    },
    master: {
      summary:
        'sig_stop: transition_group_stop (sighand write lock) with mark_stop (pi_lock) inside; SIGCONT: transition_group_continue with wakeup_stop inside, under the same lock',
      source: COMMITS.master,
      expect: [
        {
          cpus: 2,
          only: LOST,
          verdict: 'holds',
          irq: TICK_EACH,
          why: 'the stop (mark_stop + STOP_STOPPED) and the continue (wakeup_stop + flags) are each one transition under the sighand write lock: a SIGCONT either comes before the stop is published or finds it and wakes T',
        },
        { cpus: 1, irq: NO_TICK, only: LOST, verdict: 'holds', why: 'one core, no timer tick: nothing can interleave' },
        {
          cpus: 1,
          only: LOST,
          verdict: 'holds',
          why: 'as on two CPUs (its lock-discipline finding, do_signal returning with irqs on, is c2’s)',
        },
        {
          cpus: 2,
          only: AFTER,
          verdict: 'violated',
          invariant: 'no-stop-after-sigcont',
          why: "S's SIGCONT between T dequeuing SIGTSTP (ipc/signal.rs:905) and transition_group_stop (sighand.rs:414): the flush finds nothing, STOP_STOPPED is not set yet and wakeup_stop finds T Runnable; T then makes a fresh stop. Linux closes this window with JOBCTL_STOP_DEQUEUED",
        },
        { cpus: 1, irq: NO_TICK, only: AFTER, verdict: 'holds', why: 'one core, no timer tick: nothing can interleave' },
        {
          cpus: 1,
          only: AFTER,
          verdict: 'violated',
          invariant: 'no-stop-after-sigcont',
          why: 'the same window, opened by a timer tick (irqs are on from do_signal:853 to sig_stop:450)',
        },
        {
          cpus: 2,
          only: SNR,
          verdict: 'holds',
          irq: TICK_EACH,
          why: '__schedule_inner dequeues a prev that is not Runnable (1156): the Stopped task leaves the runqueue',
        },
        { cpus: 1, only: SNR, verdict: 'holds', why: 'as on two CPUs' },
        {
          cpus: 2,
          only: ['runqueue-sane', 'deadlock', GUARD_HELD],
          verdict: 'holds',
          irq: TICK_EACH,
          why: 'the runqueues stay sound and nothing blocks for good (the irq state on return is c2’s lock-discipline finding)',
        },
        {
          cpus: 2,
          only: QUEUED,
          verdict: 'holds',
          irq: TICK_EACH,
          why: 'wakeup_stop re-checks on_rq under the rq lock (sched.rs:264-265), which T holds from reading its Stopped state (sched/mod.rs:1156) to switching out: a T still queued there is either seen Runnable by __schedule or already dequeued, then enqueued (281-289) — with a tick on each CPU',
        },
        { cpus: 1, only: QUEUED, verdict: 'holds', why: 'as on two CPUs, with two timer ticks' },
      ],
    },
    'master-recheck-unlocked': {
      summary: 'master with wakeup_stop re-checking on_rq without the rq lock (264 and its drops taken out)',
      source: COMMITS.master,
      expect: [
        {
          cpus: 2,
          only: QUEUED,
          verdict: 'violated',
          invariant: 'runnable-is-queued',
          why: 'T’s __schedule reads Stopped (1156) and is about to dequeue it; S makes T Runnable, finds it still queued at 262 and 265 and returns; T then dequeues itself: Runnable on no runqueue',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, variant === 'master-recheck-unlocked' ? 'master' : variant);
    if (variant === 'master-recheck-unlocked') k.override('wakeupStopMaster', wakeupStopRecheckUnlocked);
    const lastEvent = b.layout.ghost(
      'ghost.last_job_control_event',
      0,
      (v) => ['none', 'stop published', 'SIGCONT'][v] ?? String(v),
    );
    const sigcontSent = b.layout.ghost('ghost.sigcont_generated', 0, (v) => (v ? 'yes' : 'no'));
    const hooks = { stopPublished: (ctx: { ghost: { set(a: number, v: number): void } }) => ctx.ghost.set(lastEvent, STOP) };
    let T: Pcb | null = null;
    const envOf = (_p: Pcb): DoSignalEnv => ({
      ledger: NO_LEDGER,
      handle: function* (sig, ctx) {
        if (sig !== SIG.SIGTSTP) throw new Error(`c4: unexpected signal ${sig}`);
        yield* k.fn.sigStop(k, T as Pcb, hooks, ctx);
      },
    });
    void simpleHandler;
    const t = k.spawn('T', { cpu: 0, start: 'current', flags: PF.HAS_PENDING_SIGNAL, pending: sigmask(SIG.SIGTSTP) }, (ctx) =>
      k.fn.returnToUserAndRun(k, t, envOf(t), ctx),
    );
    T = t;
    const S = k.spawn('S', { cpu: 1, start: 'current' }, function* (ctx) {
      yield nop(k.src.at('ipc/kill.rs', { pr1663: 41, head: 43, master: 37 }, 'send_signal_to_pid'), 'kill(T, SIGCONT)');
      // SIGCONT is generated at this step
      ctx.ghost.set(lastEvent, CONT);
      ctx.ghost.set(sigcontSent, 1);
      yield* k.fn.sendSignal(k, SIG.SIGCONT, t, ctx);
      yield* k.fn.syscallReturnAndRun(k, S, envOf(S), ctx);
    });
    finishKernel(k, envOf);
    stoppedNeverRuns(b, [t]);
    runnableIsQueued(b, k, [t]);
    b.atEnd({
      name: 'no-lost-wakeup',
      check: (w) =>
        w.mem[lastEvent] === CONT && w.mem[t.state] === ST.Stopped
          ? `T is Stopped although the last job-control event was SIGCONT (sent after T published its stop): nothing will continue it`
          : null,
    });
    b.atEnd({
      name: 'no-stop-after-sigcont',
      check: (w) =>
        w.mem[sigcontSent] === 1 && w.mem[t.state] === ST.Stopped
          ? `T is Stopped although SIGCONT was generated after the SIGTSTP that stopped it (SIGCONT came between T dequeuing SIGTSTP and stopping): the SIGCONT is lost`
          : null,
    });
    return b.build();
  },
});

/**
 * master ProcessManager::wakeup_stop (process/manager/sched.rs:233-293) with
 * the rq lock of 264 taken out: the on_rq re-check (265) no longer waits for
 * a __schedule of the task that holds that lock.
 */
function* wakeupStopRecheckUnlocked(k: DragonKernel, p: Pcb, ctx: TaskContext): Program<void> {
  const irq: number = yield irqSave(here`wakeup_stop`, 'save_and_disable_irq');
  const st: number = yield load(p.state, here`wakeup_stop`, 'state().is_stopped()');
  if (st !== ST.Stopped) {
    yield irqRestore(irq, here`wakeup_stop`, 'not Stopped: return');
    return;
  }
  yield spinLock(p.piLock, here`wakeup_stop`, 'pi_lock_irqsave()');
  const st2: number = yield load(p.state, here`wakeup_stop`, 're-check state().is_stopped()');
  if (st2 !== ST.Stopped) {
    yield spinUnlock(p.piLock, here`wakeup_stop`, 'return: pi guard dropped');
    yield irqRestore(irq, here`wakeup_stop`, 'irq restore');
    return;
  }
  yield store(p.state, ST.Runnable, here`wakeup_stop`, 'set_state(Runnable)');
  yield fence(here`wakeup_stop`, 'fence(SeqCst)');
  const prevCpu: number = yield load(p.onCpu, here`wakeup_stop`, 'prev_cpu = on_cpu()');
  if ((yield* k.fn.readOnRq(k, p, here`wakeup_stop`)) === 1 && (yield* k.fn.readOnRq(k, p, here`wakeup_stop`)) === 1) {
    const rq = k.rq(prevCpu);
    const curr: number = yield load(rq.curr, here`wakeup_stop`, 'rq.current() == pcb, without the rq lock');
    if (curr === p.id && prevCpu !== ctx.cpu()) yield store(rq.ipi, 1, here`wakeup_stop`, `kick_cpu(CPU${prevCpu})`);
    yield spinUnlock(p.piLock, here`wakeup_stop`, 'return Ok: pi guard dropped');
    yield irqRestore(irq, here`wakeup_stop`, 'irq restore');
    return;
  }
  if ((yield* k.fn.readOnRq(k, p, here`wakeup_stop`)) === 0) yield* k.fn.enqueueTaskOnCpu(k, p, prevCpu);
  yield spinUnlock(p.piLock, here`wakeup_stop`, 'pi guard dropped');
  yield irqRestore(irq, here`wakeup_stop`, 'irq restore');
}
