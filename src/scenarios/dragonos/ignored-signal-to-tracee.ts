/**
 * dragonos/ignored-signal-to-tracee — a signal whose handler is SIG_IGN,
 * sent to a ptraced task, still reaches the tracer (DragonOS PR #1663).
 * T, traced by P, sleeps in pause() (Blocked(true), parked in schedule());
 * P sleeps in waitpid. S sends kill(T, SIGUSR2); T's SIGUSR2 handler is
 * SIG_IGN and T does not block it. sig_ignored answers "not ignored" for a
 * ptraced target (ipc/signal.rs pr1663 430, head 461: "ptrace intercepts
 * ignored signals"), so SIGUSR2 is queued, T is woken, dequeues it and
 * stops in ptrace_stop to report it.
 *
 * - tracer-sees-ignored (terminal): once S has sent it and T has settled (in
 *   user mode, or asleep in pause() or in its ptrace stop), SIGUSR2 is still
 *   pending, or T dequeued it (to report it to P): it was not dropped at the
 *   sender.
 * - guard-held (common.ts).
 *
 * Variant pr1663-no-ptraced-test puts a bug back: sig_ignored
 * without its PTRACED test.
 *
 * master: no ptrace (sys_ptrace.rs:37-53): no variant.
 */
import { irqRestore, irqSave, load, nop, type Program, readLock, readUnlock } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { type DragonKernel, type Pcb, PF, ST } from '../../kernel/dragonos/kernel.ts';
import type { SignalLedger } from '../../kernel/dragonos/ptrace.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import { BOUNDS, COMMITS, finishKernel, GUARD_HELD, NO_LEDGER, newKernel, simpleHandler, TICK_EACH } from './common.ts';

const SEES = 'tracer-sees-ignored';
const CHECKED = [SEES, GUARD_HELD];
const BUG = 'pr1663-no-ptraced-test';

export default defineScenario({
  name: 'dragonos/ignored-signal-to-tracee',
  summary: 'kill() of a signal whose handler is SIG_IGN to a ptraced task asleep in pause(): queued for the tracer, not dropped',
  cpus: 2,
  invariants: CHECKED,
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary: 'S: kill(T, SIGUSR2) — T: traced by P, SIGUSR2 at SIG_IGN, Blocked(true) in pause()',
      source: `${COMMITS.pr1663}: ipc/signal.rs sig_ignored 414-434`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          only: CHECKED,
          verdict: 'holds',
          why: 'sig_ignored returns false for a PTRACED target (430): SIGUSR2 is queued, T is woken and stops to report it — with a tick on each CPU',
        },
        { cpus: 1, only: CHECKED, verdict: 'holds', why: 'as on two CPUs, with two timer ticks' },
      ],
    },
    head: {
      summary: 'the same on the PR head',
      source: `${COMMITS.head}: ipc/signal.rs sig_ignored 445-465`,
      expect: [
        { cpus: 2, irq: TICK_EACH, only: CHECKED, verdict: 'holds', why: 'sig_ignored 461, with a tick on each CPU' },
        { cpus: 1, only: CHECKED, verdict: 'holds', why: 'as on two CPUs, with two timer ticks' },
      ],
    },
    [BUG]: {
      summary: 'pr1663 with sig_ignored going from the blocked test to the handler (430 taken out)',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          only: [SEES],
          verdict: 'violated',
          invariant: SEES,
          why: 'the handler is SIG_IGN: prepare_sianal drops SIGUSR2, and the tracer never sees it',
        },
        { cpus: 1, only: [SEES], verdict: 'violated', invariant: SEES, why: 'the same on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, variant === BUG ? 'pr1663' : variant);
    if (variant === BUG) k.override('sigIgnored', sigIgnoredWithoutPtraced);
    k.actions.set(SIG.SIGUSR2, 'ignore');
    const sent = b.layout.ghost('ghost.SIGUSR2_sent', 0, (v) => (v ? 'yes' : 'no'));
    const dequeued = b.layout.ghost('ghost.T.dequeued_SIGUSR2', 0, (v) => (v ? 'yes' : 'no'));
    const tLedger: SignalLedger = {
      owe(sig, ctx) {
        if (sig === SIG.SIGUSR2) ctx.ghost.set(dequeued, 1);
      },
      settle() {},
    };
    // T, P, S: ids 0, 1, 2 (tracer and parent cells hold id + 1)
    const envOf = (p: Pcb): DoSignalEnv => ({ ledger: p.id === 0 ? tLedger : NO_LEDGER, handle: simpleHandler(k) });
    const T = k.spawn(
      'T',
      { cpu: 0, start: 'parked', state: ST.BlockedInterruptible, sleep: true, flags: PF.PTRACED, tracer: 1, parent: 1 },
      (ctx) => k.fn.syscallReturnAndRun(k, T, envOf(T), ctx),
    );
    const P = k.spawn('P', { cpu: 1, start: 'parked', state: ST.BlockedInterruptible, sleep: true }, (ctx) =>
      k.fn.blockForever(k, P, 'waitpid(T)', ctx),
    );
    const S = k.spawn('S', { cpu: 1, start: 'current' }, function* (ctx) {
      yield nop(k.src.at('ipc/kill.rs', { pr1663: 41, head: 43 }, 'send_signal_to_pid'), 'kill(T, SIGUSR2)');
      ctx.ghost.set(sent, 1);
      yield* k.fn.sendSignal(k, SIG.SIGUSR2, T, ctx, 'TGID');
      yield* k.fn.syscallReturnAndRun(k, S, envOf(S), ctx);
    });
    finishKernel(k, envOf);
    b.atEnd({
      name: SEES,
      check: (w) => {
        // judged once T has settled: back in user mode, or asleep (in pause() or its ptrace stop); a T
        // preempted in the kernel may hold SIGUSR2 between its dequeue and its report
        const st = w.mem[T.state] as number;
        const settled = w.mem[T.inUser] === 1 || st === ST.BlockedInterruptible || st === ST.TracedStopped;
        if (w.mem[sent] !== 1 || !settled) return null;
        const pending = (w.mem[T.pending] as number) | (w.mem[k.sighand.sharedPending] as number);
        if (pending & sigmask(SIG.SIGUSR2) || w.mem[dequeued] === 1) return null;
        return 'SIGUSR2, sent to the ptraced T, is neither pending nor dequeued: it was dropped as ignored, and the tracer never sees it';
      },
    });
    return b.build();
  },
});

/** sig_ignored (pr1663 414-434) without the PTRACED test (430). */
function* sigIgnoredWithoutPtraced(k: DragonKernel, sig: number, t: Pcb): Program<boolean> {
  const irq: number = yield irqSave(here`sig_ignored`, 'pcb.sig_info_irqsave(): irq save');
  yield readLock(t.sigInfo, here`sig_ignored`, 'pcb.sig_info_irqsave(): read lock');
  const blocked: number = yield load(t.blocked, here`sig_ignored`, 'sig_blocked().contains(sig)');
  yield readUnlock(t.sigInfo, here`sig_ignored`, 'drop(sig_info)');
  yield irqRestore(irq, here`sig_ignored`, 'irq restore');
  if (blocked & sigmask(sig)) return false;
  yield nop(here`sig_ignored`, 'sig_task_ignored: handler lookup (PTRACED not tested)');
  const a = k.action(sig);
  return a === 'ignore' || (a === 'default' && (sig === SIG.SIGCONT || sig === SIG.SIGCHLD));
}
