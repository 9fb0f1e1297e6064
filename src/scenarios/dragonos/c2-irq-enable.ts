/**
 * dragonos/c2-irq-enable — review concern 2 on PR #1663: do_signal ends
 * with a bare interrupt_enable() (arch/x86_64/ipc/signal.rs:638/666/723 in
 * pr1663, 699 in head, 800/853 in master). The concern: irqs are not
 * restored to what the caller had, the last pending-work check before the
 * return to user then runs with irqs on, a kick IPI from another CPU lands
 * on a kernel frame and is lost, and the task returns to user mode with
 * work pending.
 *
 * T returns to user mode from an interrupt with SIGUSR1 pending (a user
 * handler) and runs exit_to_user_mode_loop → do_signal. S, on the other CPU,
 * sends T SIGUSR2 (also a user handler, not blocked) and kicks it. Two
 * invariants, reported separately: `lock-discipline` (do_signal returns
 * with an irq state other than the one it was entered with — checked at
 * its return) and `no-return-with-pending-work` (T in user mode with an
 * unblocked pending signal and no kick IPI on its way).
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
  noReturnWithPendingWork,
  simpleHandler,
  TICK_EACH,
} from './common.ts';

const LOST = ['no-return-with-pending-work', GUARD_HELD];
const IRQ = ['lock-discipline'];

export default defineScenario({
  name: 'dragonos/c2-irq-enable',
  summary:
    'the bare interrupt_enable() in do_signal: is the irq state restored, and can a kick be lost before the return to user?',
  cpus: 2,
  invariants: ['lock-discipline', 'no-return-with-pending-work', GUARD_HELD],
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary:
        'exit_to_user_mode_loop enables irqs (entry.rs:32) before do_signal and disables them (17) before every flag check; do_signal leaves them on, as it found them',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          only: LOST,
          verdict: 'holds',
          why: 'without a timer tick the kick is never lost: every flag check before the iret runs with irqs off (entry.rs:17-20), so a kick sent after it stays pending (with a tick, see the next row)',
        },
        {
          cpus: 2,
          irq: { 'timer@cpu0': 1 },
          only: LOST,
          verdict: 'violated',
          invariant: 'no-return-with-pending-work',
          why: "a tick preempts T in do_signal; its __schedule clears NEED_SCHEDULE (sched/mod.rs:912) by a plain read-modify-write of LockFreeFlags while S sets HAS_PENDING_SIGNAL (complete_signal): S's flag is lost and T returns to user mode with SIGUSR2 pending, the kick already taken",
        },
        {
          cpus: 2,
          only: ['runqueue-sane', 'lock-discipline', 'deadlock'],
          verdict: 'holds',
          irq: TICK_EACH,
          long: true,
          why: 'the lost flag update is the only fault: the runqueues, locks and irq state stay sound (7.1M executions, 62M states, 150M steps; 11 min under nice -n 19 at load 9-20)',
        },
        { cpus: 1, irq: NO_TICK, only: LOST, verdict: 'holds', why: 'one core, no timer tick: nothing can interleave' },
        { cpus: 1, irq: NO_TICK, only: IRQ, verdict: 'holds', why: 'one core, no timer tick: nothing can interleave' },
        {
          cpus: 1,
          only: LOST,
          verdict: 'holds',
          why: 'the last flag check (20) and the iret run with irqs off: a kick sent after it stays pending and re-enters the kernel from user mode',
        },
        {
          cpus: 1,
          only: IRQ,
          verdict: 'holds',
          why: 'do_signal is entered with irqs on (entry.rs:32), so the bare enables leave the state it had',
        },
      ],
    },
    head: {
      summary:
        'same exit loop as pr1663; do_signal keeps one bare enable (699, kernel_only signals) and calls recalc_sigpending (648) outside the sig_info guard',
      source: COMMITS.head,
      expect: [
        {
          cpus: 2,
          only: ['runqueue-sane', 'lock-discipline', 'deadlock', GUARD_HELD],
          verdict: 'holds',
          irq: TICK_EACH,
          long: true,
          why: 'the lost flag update is the only fault: the runqueues, locks and irq state stay sound (23 s wall, 11.4 s of CPU at load 4)',
        },
        {
          cpus: 2,
          only: LOST,
          verdict: 'violated',
          invariant: 'no-return-with-pending-work',
          why: "not a lost kick: T's recalc_sigpending (648) reads T.flags, S sets HAS_PENDING_SIGNAL, T writes its stale copy back (LockFreeFlags is not atomic) and returns with SIGUSR2 pending",
        },
        {
          cpus: 1,
          irq: NO_TICK,
          only: LOST,
          verdict: 'holds',
          why: 'one core, no timer tick: nothing runs between the read and the write of T.flags',
        },
        {
          cpus: 1,
          only: LOST,
          verdict: 'violated',
          invariant: 'no-return-with-pending-work',
          why: 'the same lost flag update, with a timer tick preempting T between the read and the write of T.flags',
        },
        {
          cpus: 1,
          irq: NO_TICK,
          only: IRQ,
          verdict: 'holds',
          why: 'do_signal is entered with irqs on (one core without a timer tick; the next row has them)',
        },
        { cpus: 1, only: IRQ, verdict: 'holds', why: 'do_signal is entered with irqs on' },
      ],
    },
    master: {
      summary:
        'the exit loop never disables irqs (entry.rs:43-62); do_signal is entered with irqs off and enables them at 853, so the re-read at 61 and the way to the asm cli run with irqs on',
      source: COMMITS.master,
      expect: [
        {
          cpus: 2,
          only: LOST,
          verdict: 'violated',
          invariant: 'no-return-with-pending-work',
          why: "S's kick lands after the re-read at entry.rs:61, on a kernel frame: it only reschedules, and T returns to user mode with SIGUSR2 pending",
        },
        {
          cpus: 1,
          only: LOST,
          verdict: 'violated',
          invariant: 'no-return-with-pending-work',
          why: 'a timer tick after the re-read at 61 preempts T (irqs are on); S sends SIGUSR2 on the same CPU (no kick); T comes back and returns to user with it pending',
        },
        {
          cpus: 2,
          only: IRQ,
          verdict: 'violated',
          invariant: 'lock-discipline',
          why: 'do_signal entered with irqs off returns with them on (853)',
        },
        { cpus: 1, only: IRQ, verdict: 'violated', invariant: 'lock-discipline', why: 'the same on any number of CPUs' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, variant);
    k.actions.set(SIG.SIGUSR1, 'custom');
    k.actions.set(SIG.SIGUSR2, 'custom');
    const envOf = (_p: Pcb): DoSignalEnv => ({ ledger: NO_LEDGER, handle: simpleHandler(k) });
    const T = k.spawn('T', { cpu: 0, start: 'current', flags: PF.HAS_PENDING_SIGNAL, pending: sigmask(SIG.SIGUSR1) }, (ctx) =>
      k.fn.returnToUserAndRun(k, T, envOf(T), ctx),
    );
    const inflight = b.layout.ghost('ghost.sends_in_flight');
    const S = k.spawn('S', { cpu: 1, start: 'current' }, function* (ctx) {
      yield nop(k.src.at('ipc/kill.rs', { pr1663: 41, head: 43, master: 37 }, 'send_signal_to_pid'), 'kill(T, SIGUSR2)');
      ctx.ghost.add(inflight, 1);
      yield* k.fn.sendSignal(k, SIG.SIGUSR2, T, ctx);
      ctx.ghost.add(inflight, -1);
      yield* k.fn.syscallReturnAndRun(k, S, envOf(S), ctx);
    });
    finishKernel(k, envOf);
    noReturnWithPendingWork(b, k, T, inflight);
    return b.build();
  },
});
