/**
 * dragonos/tracer-injects-stop — the tracer resumes its tracee with a stop
 * signal (DragonOS PR #1663). T is parked in ptrace_stop, reporting SIGUSR1
 * it dequeued; P, its tracer, resumes it with PTRACE_CONT(T, SIGTSTP), then
 * waits. ptrace_signal hands SIGTSTP back to do_signal, whose default action
 * is sig_stop — which returns at once for a ptraced task
 * (ipc/generic_signal.rs pr1663 441, head 467-469: the tracer controls a
 * tracee's stops; it decided, by injecting SIGTSTP, that T runs and handles
 * it, "not that the tracee stops again").
 *
 * - tracee-not-group-stopped (terminal): T does not end Stopped, and the
 *   group stop is not published (no STOP_STOPPED in the sighand flags).
 * - guard-held (common.ts).
 *
 * Variant pr1663-traced-group-stop puts a bug back: sig_stop without its
 * PTRACED test.
 *
 * master: no ptrace stop to resume from (sys_ptrace.rs:37-53): no variant.
 */
import { irqRestore, irqSave, nop, type Program } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { SF } from '../../kernel/dragonos/consts.ts';
import type { StopHooks } from '../../kernel/dragonos/generic-signal.ts';
import { type DragonKernel, type Pcb, PF, ST } from '../../kernel/dragonos/kernel.ts';
import { SM_NONE } from '../../kernel/dragonos/sched.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { BOUNDS, COMMITS, finishKernel, GUARD_HELD, NO_LEDGER, newKernel, simpleHandler, TICK_EACH } from './common.ts';

const NOT_STOPPED = 'tracee-not-group-stopped';
const CHECKED = [NOT_STOPPED, GUARD_HELD];
const BUG = 'pr1663-traced-group-stop';

export default defineScenario({
  name: 'dragonos/tracer-injects-stop',
  summary: 'the tracer resumes its tracee with SIGTSTP: sig_stop returns for a ptraced task, which runs on',
  cpus: 2,
  invariants: CHECKED,
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary: 'P: PTRACE_CONT(T, SIGTSTP) — T parked in ptrace_stop reporting SIGUSR1',
      source: `${COMMITS.pr1663}: ipc/generic_signal.rs sig_stop 433-481; process/ptrace.rs ptrace_signal 22-89`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          only: CHECKED,
          verdict: 'holds',
          why: 'ptrace_signal returns SIGTSTP (88); do_signal runs its default action, sig_stop, which returns for a PTRACED task (441) — with a tick on each CPU',
        },
        { cpus: 1, only: CHECKED, verdict: 'holds', why: 'as on two CPUs, with two timer ticks' },
      ],
    },
    head: {
      summary: 'the same on the PR head',
      source: `${COMMITS.head}: ipc/generic_signal.rs sig_stop 459-510; process/ptrace.rs ptrace_signal 312-378`,
      expect: [
        { cpus: 2, irq: TICK_EACH, only: CHECKED, verdict: 'holds', why: 'sig_stop returns at 467-469, with a tick on each CPU' },
        { cpus: 1, only: CHECKED, verdict: 'holds', why: 'as on two CPUs, with two timer ticks' },
      ],
    },
    [BUG]: {
      summary: 'pr1663 with sig_stop publishing the group stop and calling mark_stop for a ptraced task (441 taken out)',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          only: [NOT_STOPPED],
          verdict: 'violated',
          invariant: NOT_STOPPED,
          why: 'T, resumed by its tracer, sets STOP_STOPPED and marks itself Stopped',
        },
        { cpus: 1, only: [NOT_STOPPED], verdict: 'violated', invariant: NOT_STOPPED, why: 'the same on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, variant === BUG ? 'pr1663' : variant);
    if (variant === BUG) k.override('sigStop', sigStopWithoutPtracedTest);
    k.actions.set(SIG.SIGUSR1, 'custom');
    const hooks: StopHooks = { stopPublished() {} };
    let T: Pcb | null = null;
    const envOf = (p: Pcb): DoSignalEnv => ({
      ledger: NO_LEDGER,
      handle: function* (sig, ctx) {
        if (p === T && sig === SIG.SIGTSTP) yield* k.fn.sigStop(k, p, hooks, ctx);
        else yield* simpleHandler(k)(sig, ctx);
      },
    });
    // T, P: ids 0, 1 (tracer and parent cells hold id + 1)
    const t = k.spawn(
      'T',
      { cpu: 0, start: 'parked', state: ST.TracedStopped, sleep: true, flags: PF.PTRACED, tracer: 1, parent: 1 },
      (ctx) => k.fn.returnToUserAndRun(k, t, envOf(t), ctx, { sig: SIG.SIGUSR1, sigBlock: 0 }),
    );
    T = t;
    const P = k.spawn('P', { cpu: 1, start: 'current' }, function* (ctx) {
      yield* k.fn.ptraceCont(k, t, SIG.SIGTSTP, ctx);
      yield* k.fn.syscallReturnAndRun(k, P, envOf(P), ctx, () => k.fn.blockForever(k, P, 'waitpid(T)', ctx));
    });
    finishKernel(k, envOf);
    b.atEnd({
      name: NOT_STOPPED,
      check: (w) => {
        const st = w.mem[t.state] as number;
        const flags = w.mem[k.sighand.flags] as number;
        if (st !== ST.Stopped && (flags & SF.STOP_STOPPED) === 0) return null;
        return `T, resumed by its tracer with SIGTSTP injected, is ${w.layout.format(t.state, st)} with sighand flags ${w.layout.format(k.sighand.flags, flags)}: sig_stop put a ptraced task into a group stop`;
      },
    });
    return b.build();
  },
});

/** sig_stop (pr1663 433-481) with the PTRACED return (441) taken out. */
function* sigStopWithoutPtracedTest(k: DragonKernel, me: Pcb, hooks: StopHooks, ctx: TaskContext): Program<void> {
  yield* k.fn.sighandUpdate(k, me, (x) => x | SF.CLD_STOPPED, 'flags_insert(CLD_STOPPED)', here`sig_stop`);
  hooks.stopPublished(ctx);
  yield* k.fn.sighandUpdate(k, me, (x) => x | SF.STOP_STOPPED, 'flags_insert(STOP_STOPPED)', here`sig_stop`);
  const irq: number = yield irqSave(here`sig_stop`, 'save_and_disable_irq');
  yield* k.fn.markStop(k, me);
  yield irqRestore(irq, here`sig_stop`, 'drop(guard)');
  yield nop(here`sig_stop`, 'SIGCHLD to the parent, wake its waiters (not modelled)');
  yield* k.fn.schedule(k, SM_NONE, ctx);
}
