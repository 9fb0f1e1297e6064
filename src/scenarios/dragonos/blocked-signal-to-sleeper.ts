/**
 * dragonos/blocked-signal-to-sleeper — on master (f64a0d56), kill() of a
 * signal the target blocks, the target asleep in pause() (Blocked(true), off
 * its runqueue, parked in schedule()). S, on the other CPU, sends
 * kill(T, SIGUSR2); T blocks SIGUSR2 and has a user handler for it.
 *
 * prepare_sianal queues it (sig_ignored: a blocked signal is never ignored,
 * ipc/signal.rs 665-678); complete_signal asks wants_signal, which answers
 * false at once for a blocked signal (592-595), so no thread is chosen
 * (select_group_signal_target 551-584) and complete_signal returns without
 * signal_wake_up (472-477).
 *
 * - blocked-signal-no-wake (safety): T never leaves Blocked: pause() returns
 *   only for a signal that is delivered.
 * - blocked-signal-kept (terminal): SIGUSR2 stays pending.
 * - guard-held (common.ts).
 *
 * The kernel model leaves out master's wake-up of a blocked task; this
 * scenario supplies it, as signal_wake_up (ipc/signal.rs 823-886) with
 * ProcessManager::wakeup (process/manager/sched.rs 19-91) for a task off
 * its runqueue, so that a wake-up reaching T is seen as one.
 *
 * Variant master-wake-blocked puts a bug back: wants_signal without its
 * blocked-set test (592-595).
 */
import { fence, irqRestore, irqSave, load, nop, type Program, spinLock, spinUnlock, store } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { type DragonKernel, type Pcb, ST } from '../../kernel/dragonos/kernel.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import type { TaskContext } from '../../model/types.ts';
import { BOUNDS, COMMITS, finishKernel, GUARD_HELD, NO_LEDGER, newKernel, simpleHandler, TICK_EACH } from './common.ts';

const NO_WAKE = 'blocked-signal-no-wake';
const KEPT = 'blocked-signal-kept';
const INVARIANTS = [NO_WAKE, KEPT, GUARD_HELD];
const BUG = 'master-wake-blocked';

export default defineScenario({
  name: 'dragonos/blocked-signal-to-sleeper',
  summary:
    'kill() of a signal the target blocks, the target asleep in pause() (master): it is not woken, and the signal stays queued',
  cpus: 2,
  invariants: INVARIANTS,
  bounds: BOUNDS,
  variants: {
    master: {
      summary: 'S: kill(T, SIGUSR2) — T: Blocked(true) in pause(), blocking SIGUSR2',
      source: `${COMMITS.master}: ipc/signal.rs complete_signal 430-481, wants_signal 591-595, sig_ignored 665-678`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'wants_signal answers false for the blocked SIGUSR2 (592-595): no target, complete_signal returns before signal_wake_up (476); sig_ignored keeps it queued (666) — with a tick on each CPU',
        },
        { cpus: 1, verdict: 'holds', why: 'as on two CPUs, S preempted by the timer (two ticks) anywhere irqs are on' },
      ],
    },
    [BUG]: {
      summary: 'master with wants_signal going on past the target’s blocked set (592-595 taken out)',
      source: COMMITS.master,
      expect: [
        {
          cpus: 2,
          only: [NO_WAKE],
          verdict: 'violated',
          invariant: NO_WAKE,
          why: 'the blocked SIGUSR2 reaches signal_wake_up, which finds T Blocked(true) and wakes it (828-831)',
        },
        { cpus: 1, only: [NO_WAKE], verdict: 'violated', invariant: NO_WAKE, why: 'the same on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, 'master');
    k.override('signalWakeUp', signalWakeUpMaster);
    if (variant === BUG) k.override('wantsSignal', wantsSignalIgnoringBlocked);
    k.actions.set(SIG.SIGUSR2, 'custom');
    const envOf = (_p: Pcb): DoSignalEnv => ({ ledger: NO_LEDGER, handle: simpleHandler(k) });
    // pause(): woken, it returns EINTR and the way out handles what is deliverable
    const T = k.spawn('T', { cpu: 0, start: 'parked', state: ST.BlockedInterruptible, blocked: sigmask(SIG.SIGUSR2) }, (ctx) =>
      k.fn.syscallReturnAndRun(k, T, envOf(T), ctx),
    );
    const S = k.spawn('S', { cpu: 1, start: 'current' }, function* (ctx) {
      yield nop(k.src.at('ipc/kill.rs', { master: 37 }, 'send_signal_to_pid'), 'kill(T, SIGUSR2)');
      yield* k.fn.sendSignal(k, SIG.SIGUSR2, T, ctx, 'TGID');
      yield* k.fn.syscallReturnAndRun(k, S, envOf(S), ctx);
    });
    finishKernel(k, envOf);
    b.onChange({
      name: NO_WAKE,
      watch: [T.state],
      reads: [],
      check: (_a, from, to) =>
        from === ST.BlockedInterruptible && to !== ST.BlockedInterruptible
          ? 'T, asleep in pause(), is woken by SIGUSR2, a signal it blocks'
          : null,
    });
    b.atEnd({
      name: KEPT,
      check: (w) => {
        const pending = (w.mem[T.pending] as number) | (w.mem[k.sighand.sharedPending] as number);
        return pending & sigmask(SIG.SIGUSR2) ? null : 'SIGUSR2, sent while T blocks it, is not pending';
      },
    });
    return b.build();
  },
});

/**
 * master signal_wake_up(pcb, fatal) (ipc/signal.rs 823-886) for a target
 * asleep in an interruptible wait: ProcessManager::wakeup, then kick; the
 * other states go to the kernel model's own signal_wake_up.
 */
function* signalWakeUpMaster(k: DragonKernel, t: Pcb, fatal: boolean, ctx: TaskContext): Program<void> {
  const at = (l: number) => k.src.at('ipc/signal.rs', { master: l }, 'signal_wake_up');
  const st: number = yield load(t.state, at(828), 'state().is_blocked_interruptable()');
  if (st !== ST.BlockedInterruptible) {
    yield* k.base.signalWakeUp(k, t, fatal, ctx);
    return;
  }
  const ok: boolean = yield* wakeupMaster(k, t);
  if (ok) yield* k.fn.kick(k, t, ctx);
  else yield nop(at(832), 'wakeup failed: no kick');
}

/**
 * ProcessManager::wakeup (process/manager/sched.rs 19-91) of a task off its
 * runqueue (its on_rq None): the state tested twice, the second time under
 * pi_lock, set Runnable, then enqueue_task_on_cpu. Returns Ok (true).
 */
function* wakeupMaster(k: DragonKernel, p: Pcb): Program<boolean> {
  const at = (l: number) => k.src.at('process/manager/sched.rs', { master: l }, 'ProcessManager::wakeup');
  const irq: number = yield irqSave(at(20), 'save_and_disable_irq');
  const st: number = yield load(p.state, at(21), 'state().is_blocked()');
  if (st !== ST.BlockedInterruptible) {
    yield irqRestore(irq, at(26), 'not blocked: return Ok');
    return true;
  }
  yield spinLock(p.piLock, at(31), 'pi_lock_irqsave()');
  yield fence(at(32), 'fence(SeqCst): smp_mb__after_spinlock');
  const st2: number = yield load(p.state, at(33), 're-check state().is_blocked()');
  if (st2 !== ST.BlockedInterruptible) {
    yield spinUnlock(p.piLock, at(38), 'return Ok: pi guard dropped');
    yield irqRestore(irq, at(38), 'irq restore');
    return true;
  }
  yield store(p.state, ST.Runnable, at(42), 'set_state(Runnable)');
  yield fence(at(43), 'fence(SeqCst)');
  if ((yield* k.fn.readOnRq(k, p, at(47))) === 1) {
    throw new Error('blocked-signal-to-sleeper: a wakeup of a task still queued is not modelled');
  }
  const prevCpu: number = yield load(p.onCpu, at(66), 'prev_cpu = on_cpu()');
  yield nop(at(72), 'wait_until_not_running() (ordered by the rq lock in this model)');
  yield nop(at(75), `select_task_rq → CPU${prevCpu} (no migration in the model)`);
  yield* k.fn.enqueueTaskOnCpu(k, p, prevCpu);
  yield spinUnlock(p.piLock, at(90), 'Ok: pi guard dropped');
  yield irqRestore(irq, at(90), 'irq restore');
  return true;
}

/** master wants_signal (ipc/signal.rs 591-615) with the blocked-set test (592-595) taken out. */
function* wantsSignalIgnoringBlocked(k: DragonKernel, sig: number, t: Pcb): Program<boolean> {
  const at = (l: number) => k.src.at('ipc/signal.rs', { master: l }, 'Signal::wants_signal');
  yield load(t.flags, at(598), 'flags().contains(EXITING)');
  if (sig === SIG.SIGKILL) return true;
  const st: number = yield load(t.state, at(610), 'sched_info().state()');
  return st !== ST.Stopped;
}
