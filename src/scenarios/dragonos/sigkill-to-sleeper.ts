/**
 * dragonos/sigkill-to-sleeper — kill(T, SIGKILL) to a task asleep in an
 * interruptible syscall (DragonOS PR #1663). T sleeps in pause()
 * (Blocked(true), off its runqueue, parked in schedule()). S, on the other
 * CPU, sends it SIGKILL. send_signal takes the SIGKILL fast path (ipc/signal.rs
 * pr1663 156-158, head 184-186): the sig_info guard is dropped "to avoid a
 * deadlock" and complete_signal runs at once, without the duplicate test or
 * the queue; complete_signal pends it in shared_pending, wants_signal says
 * yes for SIGKILL before it looks at the state or the blocked set (head
 * 364-366) and signal_wake_up(fatal) wakes the sleeper (pr1663 609-616,
 * head 666-673).
 *
 * - signal-wakes-sleeper (terminal): once S is done, T is no longer asleep.
 * - guard-held (common.ts): every field DragonOS keeps inside a lock is
 *   accessed under it.
 *
 * What T does once woken — pause() returning EINTR (sched/syscall/
 * sys_pause.rs head 40-43), do_signal dequeuing SIGKILL, do_exit — is not
 * modelled: T stops there.
 *
 * Variant pr1663-no-wake-up puts a bug back: complete_signal without
 * signal_wake_up (SIGKILL pending, HAS_PENDING_SIGNAL set, T asleep).
 *
 * master: its signal_wake_up of a blocked target (ProcessManager::wakeup in
 * process/manager/sched.rs) and its fatal group exit
 * (should_start_fatal_group_exit) are not modelled, so there is no master
 * variant.
 */
import { SIG } from '../../kernel/common/bits.ts';
import type { DragonKernel, Pcb } from '../../kernel/dragonos/kernel.ts';
import { ST } from '../../kernel/dragonos/kernel.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { BOUNDS, COMMITS, finishKernel, GUARD_HELD, NO_LEDGER, newKernel, nop, simpleHandler, TICK_EACH } from './common.ts';

const WAKES = 'signal-wakes-sleeper';
const INVARIANTS = [WAKES, GUARD_HELD];
const BUG = 'pr1663-no-wake-up';

export default defineScenario({
  name: 'dragonos/sigkill-to-sleeper',
  summary: 'kill(T, SIGKILL) to a task asleep in pause(): the fast path of send_signal still wakes it',
  cpus: 2,
  invariants: INVARIANTS,
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary: 'S: kill(T, SIGKILL) — T: Blocked(true) in pause()',
      source: `${COMMITS.pr1663}: ipc/signal.rs send_signal 156-158, complete_signal, wants_signal, signal_wake_up 609-616`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the SIGKILL fast path (156-158) drops the sig_info guard and calls complete_signal, which pends SIGKILL and wakes T through signal_wake_up(fatal) (609-616) — with a tick on each CPU',
        },
        { cpus: 1, verdict: 'holds', why: 'as on two CPUs, S preempted by the timer (two ticks) anywhere irqs are on' },
      ],
    },
    head: {
      summary: 'the same on the PR head',
      source: `${COMMITS.head}: ipc/signal.rs send_signal 184-186, wants_signal 364-366, signal_wake_up 666-673`,
      expect: [
        { cpus: 2, irq: TICK_EACH, verdict: 'holds', why: 'as on pr1663, with a tick on each CPU' },
        { cpus: 1, verdict: 'holds', why: 'as on pr1663, with two timer ticks' },
      ],
    },
    [BUG]: {
      summary: 'pr1663 with complete_signal returning before signal_wake_up',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          only: [WAKES],
          verdict: 'violated',
          invariant: WAKES,
          why: 'SIGKILL is pending and HAS_PENDING_SIGNAL set, but nothing wakes T from pause()',
        },
        { cpus: 1, only: [WAKES], verdict: 'violated', invariant: WAKES, why: 'the same on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k: DragonKernel = newKernel(b, variant === BUG ? 'pr1663' : variant);
    if (variant === BUG) k.override('signalWakeUp', noSignalWakeUp);
    const envOf = (_p: Pcb): DoSignalEnv => ({ ledger: NO_LEDGER, handle: simpleHandler(k) });
    const T = k.spawn('T', { cpu: 0, start: 'parked', state: ST.BlockedInterruptible, sleep: true }, function* () {
      yield nop(
        k.src.at('sched/syscall/sys_pause.rs', { pr1663: '', head: 43 }, 'SysPauseHandle::handle'),
        'woken: pause() returns EINTR; do_signal dequeuing SIGKILL and do_exit are not modelled',
      );
    });
    const S = k.spawn('S', { cpu: 1, start: 'current' }, function* (ctx) {
      yield nop(k.src.at('ipc/kill.rs', { pr1663: 41, head: 43 }, 'send_signal_to_pid'), 'kill(T, SIGKILL)');
      yield* k.fn.sendSignal(k, SIG.SIGKILL, T, ctx, 'TGID');
      yield* k.fn.syscallReturnAndRun(k, S, envOf(S), ctx);
    });
    finishKernel(k, envOf);
    b.atEnd({
      name: WAKES,
      check: (w) =>
        w.mem[T.state] === ST.BlockedInterruptible
          ? `T still sleeps in pause() although S's kill(SIGKILL) is done (T.flags ${w.layout.format(T.flags, w.mem[T.flags] as number)}): the wakeup is lost`
          : null,
    });
    return b.build();
  },
});

/** complete_signal with signal_wake_up left out. */
function* noSignalWakeUp(_k: DragonKernel, _t: Pcb, _fatal: boolean, _ctx: TaskContext) {
  yield nop(here`complete_signal`, 'signal_wake_up(target, fatal) left out');
}
