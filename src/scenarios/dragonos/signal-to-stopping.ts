/**
 * dragonos/signal-to-stopping — a signal other than SIGCONT or SIGKILL
 * reaches a task that is stopping (DragonOS master f64a0d56). T returns to
 * user mode with SIGTSTP pending (SIG_DFL): do_signal dequeues it and
 * sig_stop makes the group stop (transition_group_stop with mark_stop
 * inside, ipc/sighand.rs:410-427), then schedule(). S, on the other CPU,
 * sends kill(T, SIGUSR1) (a user handler) at any moment. Before T is
 * Stopped, complete_signal sets HAS_PENDING_SIGNAL; __schedule_inner then
 * asks signal_pending_state (ipc/signal.rs:186-204) whether the stop is
 * undone: for a stopped task only by SIGKILL, read from sig_pending under
 * the sig_info lock (fatal_signal_pending).
 *
 * - stopped-stays-stopped (safety): once T has published its stop, it does
 *   not return to user mode: no SIGCONT or SIGKILL is sent.
 * - guard-held (common.ts): fatal_signal_pending reads sig_pending under
 *   R(sig_info).
 *
 * Variant master-stop-wakes-on-signal puts a bug back: signal_pending_state
 * taking a stopped task for an interruptible one (any pending signal undoes
 * the stop).
 *
 * pr1663 and head: mark_stop does not dequeue (c4's stopped-never-runs
 * finding), so the question does not arise there: no variant.
 */
import { load, nop, type Program, store } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import type { StopHooks } from '../../kernel/dragonos/generic-signal.ts';
import type { Rq } from '../../kernel/dragonos/kernel.ts';
import { type DragonKernel, type Pcb, PF, ST } from '../../kernel/dragonos/kernel.ts';
import { SM_PREEMPT } from '../../kernel/dragonos/sched.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import { BOUNDS, COMMITS, finishKernel, GUARD_HELD, NO_LEDGER, newKernel, simpleHandler, TICK_EACH } from './common.ts';

const STAYS = 'stopped-stays-stopped';
const CHECKED = [STAYS, GUARD_HELD];
const BUG = 'master-stop-wakes-on-signal';

export default defineScenario({
  name: 'dragonos/signal-to-stopping',
  summary: 'kill(T, SIGUSR1) while T makes its group stop: the stop holds (only SIGCONT or SIGKILL undoes it)',
  cpus: 2,
  invariants: CHECKED,
  bounds: BOUNDS,
  variants: {
    master: {
      summary: 'T: SIGTSTP pending, sig_stop → transition_group_stop → schedule; S: kill(T, SIGUSR1)',
      source: `${COMMITS.master}: sched/mod.rs __schedule_inner 1156-1190; ipc/signal.rs signal_pending_state 186-204`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          only: CHECKED,
          verdict: 'holds',
          why: 'signal_pending_state undoes a stop only for SIGKILL, read from sig_pending under R(sig_info) (204): T is dequeued Stopped — with a tick on each CPU',
        },
        { cpus: 1, only: CHECKED, verdict: 'holds', why: 'as on two CPUs, with two timer ticks' },
      ],
    },
    [BUG]: {
      summary: 'master with signal_pending_state undoing a stop for any pending signal',
      source: COMMITS.master,
      expect: [
        {
          cpus: 2,
          only: [STAYS],
          verdict: 'violated',
          invariant: STAYS,
          why: 'S’s SIGUSR1 sets HAS_PENDING_SIGNAL before T’s schedule(): __schedule_inner makes T Runnable again (1170) and T returns to user mode to handle it',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, variant === BUG ? 'master' : variant);
    if (variant === BUG) k.override('dequeueNotRunnableMaster', stopUndoneByAnySignal);
    k.actions.set(SIG.SIGUSR1, 'custom');
    const published = b.layout.ghost('ghost.T.stop_published', 0, (v) => (v ? 'yes' : 'no'));
    const hooks: StopHooks = { stopPublished: (ctx) => ctx.ghost.set(published, 1) };
    let T: Pcb | null = null;
    const envOf = (p: Pcb): DoSignalEnv => ({
      ledger: NO_LEDGER,
      handle: function* (sig, ctx) {
        if (p === T && sig === SIG.SIGTSTP) yield* k.fn.sigStop(k, p, hooks, ctx);
        else yield* simpleHandler(k)(sig, ctx);
      },
    });
    const t = k.spawn('T', { cpu: 0, start: 'current', flags: PF.HAS_PENDING_SIGNAL, pending: sigmask(SIG.SIGTSTP) }, (ctx) =>
      k.fn.returnToUserAndRun(k, t, envOf(t), ctx),
    );
    T = t;
    const S = k.spawn('S', { cpu: 1, start: 'current' }, function* (ctx) {
      yield nop(k.src.at('ipc/kill.rs', { master: 37 }, 'send_signal_to_pid'), 'kill(T, SIGUSR1)');
      yield* k.fn.sendSignal(k, SIG.SIGUSR1, t, ctx);
      yield* k.fn.syscallReturnAndRun(k, S, envOf(S), ctx);
    });
    finishKernel(k, envOf);
    b.onChange({
      name: STAYS,
      watch: [t.inUser],
      reads: [published, t.state],
      check: (_a, _from, to, w) =>
        to === 1 && w.mem[published] === 1
          ? `T returns to user mode (${w.layout.format(t.state, w.mem[t.state] as number)}) after publishing its group stop, though no SIGCONT or SIGKILL was sent`
          : null,
    });
    return b.build();
  },
});

/** __schedule_inner 1157-1190 with signal_pending_state(interruptible = true) for a stopped prev: any pending signal undoes the stop. */
function* stopUndoneByAnySignal(k: DragonKernel, rq: Rq, prev: Pcb, st: number, mode: number): Program<void> {
  if (mode !== SM_PREEMPT) {
    const f: number = yield load(prev.flags, here`signal_pending_state`, 'has_pending_signal_fast()');
    if (f & PF.HAS_PENDING_SIGNAL) {
      yield store(prev.state, ST.Runnable, here`__schedule_inner`, 'signal_wake: set_state(Runnable) (any signal)');
      return;
    }
  }
  yield* k.base.dequeueNotRunnableMaster(k, rq, prev, st, SM_PREEMPT);
}
