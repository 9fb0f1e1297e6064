/**
 * dragonos/signal-to-sleeper — the sender's side of a signal to a task
 * asleep in an interruptible syscall (DragonOS PR #1663). T sleeps in
 * pause() (Blocked(true), off its runqueue, parked in schedule()) and blocks
 * SIGUSR2, whose handler is SIG_IGN; its SIGUSR1 handler is a user handler.
 * S, on the other CPU, sends kill(T, SIGUSR2) — process-directed
 * (PidType::TGID: shared_pending) — then tkill(T, SIGUSR1) — thread-directed
 * (sys_tkill.rs:130, PidType::PID: T's own sig_pending and queue, each
 * written under W(sig_info)).
 *
 * - blocked-signal-no-wake (safety): T leaves Blocked only once S has begun
 *   sending SIGUSR1: wants_signal refuses a signal the target blocks
 *   (ipc/signal.rs pr1663 354-356, head 385-390), so complete_signal does not
 *   call signal_wake_up for SIGUSR2.
 * - blocked-signal-kept (terminal): SIGUSR2 stays pending. sig_ignored
 *   answers "not ignored" for a blocked signal before it looks at the
 *   handler (pr1663 414-427, head 445-458: "even if the handler is IGN, a
 *   blocked signal must stay queued until it is unblocked").
 * - signal-wakes-sleeper (terminal): once S is done, T is no longer asleep:
 *   complete_signal → signal_wake_up → ProcessManager::wakeup (pr1663 609-
 *   656, head 666-713) reaches a sleeping target.
 * - guard-held: the thread-directed send reads and writes T's sig_pending
 *   and queue only under T's sig_info lock (common.ts).
 *
 * Variants putting a bug back, one per invariant (each a line of the source
 * taken out or moved):
 * - pr1663-wake-blocked: wants_signal without its blocked-set test.
 * - pr1663-ignore-blocked: sig_ignored without its blocked-set test.
 * - pr1663-no-wake-up: complete_signal without signal_wake_up.
 * - pr1663-pending-after-unlock: complete_signal inserts the thread-directed
 *   signal into sig_pending after the sig_info write guard is dropped.
 *
 * master: its signal_wake_up of a blocked target (ProcessManager::wakeup in
 * process/manager/sched.rs) is not modelled, so the scenario has no master
 * variant.
 */
import {
  irqRestore,
  irqSave,
  load,
  nop,
  type Program,
  readLock,
  readUnlock,
  rmw,
  writeLock,
  writeUnlock,
} from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { type DragonKernel, type Pcb, PF, ST } from '../../kernel/dragonos/kernel.ts';
import type { PidType } from '../../kernel/dragonos/signal.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { BOUNDS, COMMITS, finishKernel, GUARD_HELD, NO_LEDGER, newKernel, simpleHandler, TICK_EACH } from './common.ts';

const NO_WAKE = 'blocked-signal-no-wake';
const KEPT = 'blocked-signal-kept';
const WAKES = 'signal-wakes-sleeper';
const INVARIANTS = [NO_WAKE, KEPT, WAKES, GUARD_HELD];

const BUGS = ['pr1663-wake-blocked', 'pr1663-ignore-blocked', 'pr1663-no-wake-up', 'pr1663-pending-after-unlock'] as const;
type Bug = (typeof BUGS)[number];
const isBug = (v: string): v is Bug => (BUGS as readonly string[]).includes(v);

export default defineScenario({
  name: 'dragonos/signal-to-sleeper',
  summary:
    'kill() of a blocked signal, then tkill() of an unblocked one, to a task asleep in pause(): only the second wakes it, and the first stays queued',
  cpus: 2,
  invariants: INVARIANTS,
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary: 'S: kill(T, SIGUSR2) (blocked by T, SIG_IGN), then tkill(T, SIGUSR1) — T: Blocked(true) in pause()',
      source: `${COMMITS.pr1663}: ipc/signal.rs send_signal, complete_signal, wants_signal, sig_ignored, signal_wake_up`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'wants_signal refuses the blocked SIGUSR2 (354-356) and sig_ignored keeps it (414-427); the tkill queues SIGUSR1 under W(sig_info) (195-199, 267-270) and signal_wake_up wakes T (609-616) — with a tick on each CPU',
        },
        { cpus: 1, verdict: 'holds', why: 'as on two CPUs, S preempted by the timer (two ticks) anywhere irqs are on' },
      ],
    },
    head: {
      summary: 'the same on the PR head',
      source: `${COMMITS.head}: ipc/signal.rs (wants_signal 355-397, sig_ignored 445-465, signal_wake_up 666-713)`,
      expect: [
        { cpus: 2, irq: TICK_EACH, verdict: 'holds', why: 'as on pr1663, with a tick on each CPU' },
        { cpus: 1, verdict: 'holds', why: 'as on pr1663, with two timer ticks' },
      ],
    },
    'pr1663-wake-blocked': {
      summary: 'pr1663 with wants_signal going on past the target’s blocked set (354-356 taken out)',
      expect: [
        {
          cpus: 2,
          only: [NO_WAKE],
          verdict: 'violated',
          invariant: NO_WAKE,
          why: 'the blocked SIGUSR2 reaches signal_wake_up, which finds T Blocked(true) and wakes it',
        },
        { cpus: 1, only: [NO_WAKE], verdict: 'violated', invariant: NO_WAKE, why: 'the same on one CPU' },
      ],
    },
    'pr1663-ignore-blocked': {
      summary: 'pr1663 with sig_ignored looking at the handler without testing the blocked set first (415-427 taken out)',
      expect: [
        {
          cpus: 2,
          only: [KEPT],
          verdict: 'violated',
          invariant: KEPT,
          why: 'SIGUSR2’s handler is SIG_IGN: prepare_sianal drops it although T blocks it',
        },
        { cpus: 1, only: [KEPT], verdict: 'violated', invariant: KEPT, why: 'the same on one CPU' },
      ],
    },
    'pr1663-no-wake-up': {
      summary: 'pr1663 with complete_signal returning before signal_wake_up',
      expect: [
        {
          cpus: 2,
          only: [WAKES],
          verdict: 'violated',
          invariant: WAKES,
          why: 'SIGUSR1 is queued and HAS_PENDING_SIGNAL set, but nothing wakes T from pause()',
        },
        { cpus: 1, only: [WAKES], verdict: 'violated', invariant: WAKES, why: 'the same on one CPU' },
      ],
    },
    'pr1663-pending-after-unlock': {
      summary:
        'pr1663 with complete_signal inserting the thread-directed signal after dropping W(sig_info) (270 after 270’s guard)',
      expect: [
        {
          cpus: 2,
          only: [GUARD_HELD],
          verdict: 'violated',
          invariant: GUARD_HELD,
          why: 'sig_pending_mut().signal_mut().insert(SIGUSR1) is made with T’s sig_info no longer held',
        },
        { cpus: 1, only: [GUARD_HELD], verdict: 'violated', invariant: GUARD_HELD, why: 'the same on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, isBug(variant) ? 'pr1663' : variant);
    if (variant === 'pr1663-wake-blocked') k.override('wantsSignal', wantsSignalIgnoringBlocked);
    if (variant === 'pr1663-ignore-blocked') k.override('sigIgnored', sigIgnoredHandlerFirst);
    if (variant === 'pr1663-no-wake-up') k.override('signalWakeUp', noSignalWakeUp);
    if (variant === 'pr1663-pending-after-unlock') k.override('completeSignal', completeSignalInsertAfterUnlock);
    k.actions.set(SIG.SIGUSR1, 'custom');
    k.actions.set(SIG.SIGUSR2, 'ignore');
    const unblockedSent = b.layout.ghost('ghost.sigusr1_send_begun', 0, (v) => (v ? 'yes' : 'no'));
    const envOf = (_p: Pcb): DoSignalEnv => ({ ledger: NO_LEDGER, handle: simpleHandler(k) });
    // pause(): woken, it returns -ERESTARTNOHAND and the way out handles the signal
    const T = k.spawn(
      'T',
      { cpu: 0, start: 'parked', state: ST.BlockedInterruptible, sleep: true, blocked: sigmask(SIG.SIGUSR2) },
      (ctx) => k.fn.syscallReturnAndRun(k, T, envOf(T), ctx),
    );
    const S = k.spawn('S', { cpu: 1, start: 'current' }, function* (ctx) {
      yield nop(k.src.at('ipc/kill.rs', { pr1663: 41, head: 43 }, 'send_signal_to_pid'), 'kill(T, SIGUSR2)');
      yield* k.fn.sendSignal(k, SIG.SIGUSR2, T, ctx, 'TGID');
      yield nop(k.src.at('ipc/syscall/sys_tkill.rs', { pr1663: '', head: 130 }, 'do_tkill'), 'tkill(T, SIGUSR1)');
      ctx.ghost.set(unblockedSent, 1);
      yield* k.fn.sendSignal(k, SIG.SIGUSR1, T, ctx, 'PID');
      yield* k.fn.syscallReturnAndRun(k, S, envOf(S), ctx);
    });
    finishKernel(k, envOf);
    b.onChange({
      name: NO_WAKE,
      watch: [T.state],
      reads: [unblockedSent],
      check: (_a, from, to, w) =>
        from === ST.BlockedInterruptible && to !== ST.BlockedInterruptible && w.mem[unblockedSent] === 0
          ? 'T, asleep in pause(), is woken by SIGUSR2, a signal it blocks'
          : null,
    });
    b.atEnd({
      name: KEPT,
      check: (w) => {
        const pending = (w.mem[T.pending] as number) | (w.mem[k.sighand.sharedPending] as number);
        return pending & sigmask(SIG.SIGUSR2)
          ? null
          : 'SIGUSR2, sent while T blocks it, is not pending: it was dropped as ignored although a blocked signal must stay queued';
      },
    });
    b.atEnd({
      name: WAKES,
      check: (w) =>
        w.mem[T.state] === ST.BlockedInterruptible
          ? `T still sleeps in pause() although S's tkill(SIGUSR1) is done and T does not block it (T.flags ${w.layout.format(T.flags, w.mem[T.flags] as number)}): the wakeup is lost`
          : null,
    });
    return b.build();
  },
});

/** wants_signal (pr1663 327-369) with the blocked-set test (354-356) taken out. */
function* wantsSignalIgnoringBlocked(_k: DragonKernel, sig: number, t: Pcb): Program<boolean> {
  yield load(t.flags, here`wants_signal`, 'flags().contains(EXITING)');
  if (sig === SIG.SIGKILL) return true;
  const irq: number = yield irqSave(here`wants_signal`, 'inner_lock_read_irqsave(): irq save');
  yield readLock(t.schedInfo, here`wants_signal`, 'inner_lock_read_irqsave()');
  const st: number = yield load(t.state, here`wants_signal`, 'state()');
  yield readUnlock(t.schedInfo, here`wants_signal`, 'read guard dropped');
  yield irqRestore(irq, here`wants_signal`, 'irq restore');
  if (sig === SIG.SIGCONT && (st === ST.Stopped || st === ST.TracedStopped)) return true;
  yield load(t.flags, here`wants_signal`, 'flags().contains(RESTORE_SIG_MASK)');
  return st !== ST.Stopped; // the blocked set is never read
}

/** sig_ignored (pr1663 414-434) with the blocked-set test taken out: the handler decides. */
function* sigIgnoredHandlerFirst(k: DragonKernel, sig: number, t: Pcb): Program<boolean> {
  const f: number = yield load(t.flags, here`sig_ignored`, 'flags().contains(PTRACED) && sig != SIGKILL');
  if (f & PF.PTRACED) return false;
  yield nop(here`sig_ignored`, 'sig_task_ignored: handler lookup (the blocked set never read)');
  const a = k.action(sig);
  return a === 'ignore' || (a === 'default' && (sig === SIG.SIGCONT || sig === SIG.SIGCHLD));
}

/** complete_signal with signal_wake_up left out. */
function* noSignalWakeUp(_k: DragonKernel, _t: Pcb, _fatal: boolean, _ctx: TaskContext): Program<void> {
  yield nop(here`complete_signal`, 'signal_wake_up(target) left out');
}

/** complete_signal (pr1663 258-304) with the PID insert (270) made after the sig_info guard drops. */
function* completeSignalInsertAfterUnlock(
  k: DragonKernel,
  sig: number,
  t: Pcb,
  ctx: TaskContext,
  pt: PidType = 'TGID',
): Program<void> {
  if (pt !== 'PID') {
    yield* k.base.completeSignal(k, sig, t, ctx, pt);
    return;
  }
  const me = k.pcb(ctx.self);
  const irq: number = yield irqSave(here`complete_signal`, 'sig_info_mut(): write_irqsave: irq save');
  yield writeLock(t.sigInfo, here`complete_signal`, 'sig_info_mut(): write lock');
  yield writeUnlock(t.sigInfo, here`complete_signal`, 'sig_info write guard dropped');
  yield irqRestore(irq, here`complete_signal`, 'irq restore');
  yield rmw(
    t.pending,
    (p) => p | sigmask(sig),
    here`complete_signal`,
    'sig_pending_mut().signal_mut().insert(sig), the guard dropped',
  );
  yield* k.fn.recalcSigpending(k, me, t, here`complete_signal`);
  const wants: boolean = yield* k.fn.wantsSignal(k, sig, t);
  yield load(t.flags, here`complete_signal`, 'is_ptrace_sigstop: flags().contains(PTRACED)');
  if (wants) yield* k.fn.signalWakeUp(k, t, sig === SIG.SIGKILL, ctx);
}
