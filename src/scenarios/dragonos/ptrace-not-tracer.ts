/**
 * dragonos/ptrace-not-tracer — who may resume a stopped tracee, and a
 * discard that must be honoured (DragonOS PR #1663).
 *
 * T is parked in ptrace_stop, reporting SIGUSR1 it dequeued (do_signal →
 * ptrace_signal → ptrace_stop → schedule; its SIGUSR1 handler is a user
 * handler). P, its tracer, resumes it with PTRACE_CONT and data 0, which
 * discards SIGUSR1. Q, another process of the same user that does not trace
 * T, calls PTRACE_CONT(T, SIGUSR2) (head only) and then PTRACE_DETACH(T) at
 * the same time, then pause()s.
 *
 * - ptrace-only-tracer: each of Q's requests fails — head: sys_ptrace's
 *   ptrace_check_attach (sys_ptrace.rs:682-695, called at 724) gives ESRCH
 *   to a caller that is not the tracer; pr1663 and head: detach gives EPERM
 *   (process/ptrace.rs pr1663 691, head 1052; head handle_detach 401-405 as
 *   well). A check step of Q's program on the value it got.
 * - discard-honoured (terminal): T handles no signal. ptrace_signal returns
 *   None when the tracer resumed with no signal (pr1663 32, head 329) and
 *   do_signal goes on to the next signal (pr1663 x86_64 signal.rs 641,
 *   head 660): there is none.
 * - guard-held (common.ts).
 *
 * pr1663's PTRACE_CONT (ptrace_resume 770-820) is modelled without a tracer
 * check, so Q asks it only for PTRACE_DETACH there.
 *
 * Variants putting a bug back:
 * - head-cont-ignores-check: sys_ptrace goes on to ptrace_resume when
 *   ptrace_check_attach fails (its `?` at 724 dropped).
 * - pr1663-detach-any-caller: detach without its is_traced_by test (691).
 * - pr1663-discard-delivered: ptrace_signal hands back the original signal
 *   when the tracer injected none, instead of None (32).
 *
 * Finding (head): KickCpuIpiHandler::handle calls __schedule(SM_PREEMPT)
 * itself (exception/ipi.rs:55-58), and x86_64_do_irq tests preempt_count
 * only after the handler returns (arch/x86_64/interrupt/handle.rs:40-42): a
 * kick IPI preempts a task that holds a spinlock. Here P's wakeup of T
 * sends it (resched_current, sched/mod.rs:680) while Q holds
 * T.ptrace_state in ptrace_check_attach; T then spins on that lock on the
 * CPU Q needs to release it (lock-discipline and deadlock rows; the head rows that hold check the
 * invariants above only).
 *
 * master: no PTRACE_CONT or PTRACE_DETACH (sys_ptrace.rs:37-53): no variant.
 */
import { check, nop, type Program } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { type DragonKernel, type Pcb, PF, ST } from '../../kernel/dragonos/kernel.ts';
import type { SignalLedger } from '../../kernel/dragonos/ptrace.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { BOUNDS, COMMITS, finishKernel, GUARD_HELD, NO_LEDGER, newKernel, simpleHandler, TICK_EACH } from './common.ts';

const ONLY_TRACER = 'ptrace-only-tracer';
const DISCARD = 'discard-honoured';
const INVARIANTS = [ONLY_TRACER, DISCARD, GUARD_HELD];
const ESRCH = -3;
const EPERM = -1;

const BUGS = { 'head-cont-ignores-check': 'head', 'pr1663-detach-any-caller': 'pr1663', 'pr1663-discard-delivered': 'pr1663' };
type Bug = keyof typeof BUGS;
const isBug = (v: string): v is Bug => Object.hasOwn(BUGS, v);

export default defineScenario({
  name: 'dragonos/ptrace-not-tracer',
  summary:
    'the tracer discards the reported signal while another process tries PTRACE_CONT and PTRACE_DETACH on the tracee: refused, and nothing is delivered',
  cpus: 2,
  invariants: INVARIANTS,
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary: 'P: PTRACE_CONT(T, 0); Q (not the tracer): PTRACE_DETACH(T) — T parked in ptrace_stop reporting SIGUSR1',
      source: `${COMMITS.pr1663}: process/ptrace.rs detach 688-767, ptrace_resume 770-820, ptrace_signal 22-89`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'detach refuses a caller that is not the tracer (691: EPERM), and ptrace_signal turns the discard into None (32) — with a tick on each CPU',
        },
        { cpus: 1, verdict: 'holds', why: 'as on two CPUs, with two timer ticks' },
      ],
    },
    head: {
      summary: 'P: PTRACE_CONT(T, 0); Q: PTRACE_CONT(T, SIGUSR2), then PTRACE_DETACH(T)',
      source: `${COMMITS.head}: process/syscall/sys_ptrace.rs ptrace_check_attach 682-695; process/ptrace.rs 1048-1170`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          only: INVARIANTS,
          verdict: 'holds',
          why: 'ptrace_check_attach gives Q ESRCH for both requests (is_traced_by, 688), and the discard is honoured (329) — with a tick on each CPU',
        },
        { cpus: 1, only: INVARIANTS, verdict: 'holds', why: 'as on two CPUs, with two timer ticks' },
        {
          cpus: 2,
          only: ['lock-discipline'],
          verdict: 'violated',
          invariant: 'lock-discipline',
          why: 'P wakes T on rq0 while Q runs there inside ptrace_check_attach, holding T.ptrace_state (684): resched_current sends the kick IPI (680), whose handler calls __schedule(SM_PREEMPT) before any preempt_count test (exception/ipi.rs:55-58; x86_64_do_irq tests it only after the handler): Q is switched out holding the spinlock',
        },
        {
          cpus: 2,
          only: ['deadlock'],
          verdict: 'violated',
          invariant: 'deadlock',
          why: 'the same preemption; T, switched in on CPU0, leaves ptrace_stop through ptrace_state.lock() (716) and spins on the lock Q holds, and Q can run only on CPU0',
        },
      ],
    },
    'head-cont-ignores-check': {
      summary: 'head with sys_ptrace going on to ptrace_resume although ptrace_check_attach failed',
      source: COMMITS.head,
      expect: [
        {
          cpus: 2,
          only: [ONLY_TRACER],
          verdict: 'violated',
          invariant: ONLY_TRACER,
          why: 'Q’s PTRACE_CONT stores SIGUSR2 in T’s injected_signal and returns 0',
        },
        { cpus: 1, only: [ONLY_TRACER], verdict: 'violated', invariant: ONLY_TRACER, why: 'the same on one CPU' },
      ],
    },
    'pr1663-detach-any-caller': {
      summary: 'pr1663 with detach not testing that the caller is the tracer',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          only: [ONLY_TRACER],
          verdict: 'violated',
          invariant: ONLY_TRACER,
          why: 'Q unlinks T from P and returns 0',
        },
        { cpus: 1, only: [ONLY_TRACER], verdict: 'violated', invariant: ONLY_TRACER, why: 'the same on one CPU' },
      ],
    },
    'pr1663-discard-delivered': {
      summary: 'pr1663 with ptrace_signal returning the reported signal when the tracer injected none',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          only: [DISCARD],
          verdict: 'violated',
          invariant: DISCARD,
          why: 'T runs its SIGUSR1 handler although P discarded SIGUSR1',
        },
        { cpus: 1, only: [DISCARD], verdict: 'violated', invariant: DISCARD, why: 'the same on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const v = isBug(variant) ? BUGS[variant] : variant;
    const k = newKernel(b, v);
    if (variant === 'head-cont-ignores-check') k.override('ptraceCheckAttach', checkAttachIgnored, { within: 'ptraceCont' });
    if (variant === 'pr1663-detach-any-caller') k.override('tracerOf', anyCallerIsTracer);
    if (variant === 'pr1663-discard-delivered') k.override('ptraceSignal', ptraceSignalDeliveringDiscard);
    k.actions.set(SIG.SIGUSR1, 'custom');
    k.actions.set(SIG.SIGUSR2, 'custom');
    const handled = b.layout.ghost('ghost.T.handled', 0);
    const tLedger: SignalLedger = {
      owe() {},
      settle(_sig, ctx, h) {
        if (h) ctx.ghost.add(handled, 1);
      },
    };
    // T, P, Q: ids 0, 1, 2 (tracer and parent cells hold id + 1)
    const envOf = (p: Pcb): DoSignalEnv => ({ ledger: p.id === 0 ? tLedger : NO_LEDGER, handle: simpleHandler(k) });
    const T = k.spawn(
      'T',
      { cpu: 0, start: 'parked', state: ST.TracedStopped, sleep: true, flags: PF.PTRACED, tracer: 1, parent: 1 },
      (ctx) => k.fn.returnToUserAndRun(k, T, envOf(T), ctx, { sig: SIG.SIGUSR1, sigBlock: 0 }),
    );
    const P = k.spawn('P', { cpu: 1, start: 'current' }, function* (ctx) {
      yield* k.fn.ptraceCont(k, T, 0, ctx);
      yield* k.fn.syscallReturnAndRun(k, P, envOf(P), ctx, () => k.fn.blockForever(k, P, 'waitpid(T)', ctx));
    });
    const refused = (call: string, got: number, want: number, why: string) =>
      check(
        ONLY_TRACER,
        [],
        () => (got === want ? null : `Q, which does not trace T, got ${got} from ${call}; ${why}`),
        'user Q',
        `${call} == ${want === ESRCH ? 'ESRCH' : 'EPERM'}`,
      );
    const detach = function* (ctx: TaskContext): Program<void> {
      const r: number = yield* k.fn.ptraceDetach(k, T, ctx);
      yield refused(
        'PTRACE_DETACH(T)',
        r,
        k.v === 'head' ? ESRCH : EPERM,
        k.v === 'head' ? 'ptrace_check_attach returns ESRCH (sys_ptrace.rs:688-689)' : 'detach returns EPERM (ptrace.rs:691)',
      );
      yield* k.fn.syscallReturnAndRun(k, Q, envOf(Q), ctx, () => k.fn.blockForever(k, Q, 'pause()', ctx));
    };
    const Q: Pcb = k.spawn('Q', { cpu: 0, start: 'current' }, function* (ctx) {
      if (k.v !== 'head') {
        yield* detach(ctx);
        return;
      }
      const r: number = yield* k.fn.ptraceCont(k, T, SIG.SIGUSR2, ctx);
      yield refused('PTRACE_CONT(T, SIGUSR2)', r, ESRCH, 'ptrace_check_attach returns ESRCH (sys_ptrace.rs:688-689)');
      yield* k.fn.syscallReturnAndRun(k, Q, envOf(Q), ctx, () => detach(ctx));
    });
    finishKernel(k, envOf);
    b.atEnd({
      name: DISCARD,
      check: (w) =>
        (w.mem[handled] as number) > 0
          ? 'T ran a signal handler although P resumed it with no signal (PTRACE_CONT data 0), discarding the SIGUSR1 it reported, and nothing else was sent to it'
          : null,
    });
    return b.build();
  },
});

/** head ptrace_check_attach whose failure sys_ptrace does not return (the `?` of sys_ptrace.rs:724 dropped) before ptrace_resume. */
function* checkAttachIgnored(k: DragonKernel, t: Pcb, me: Pcb, ctx: TaskContext): Program<boolean> {
  const ok: boolean = yield* k.base.ptraceCheckAttach(k, t, me, ctx);
  if (!ok) yield nop(here`sys_ptrace`, 'ptrace_check_attach failed: its error is not returned');
  return true;
}

/** detach's tracer test (pr1663 691) answering yes for any caller of a traced task. */
function* anyCallerIsTracer(k: DragonKernel, me: Pcb, t: Pcb, ref: string): Program<number> {
  const tr: number = yield* k.base.tracerOf(k, me, t, ref);
  return tr === 0 ? 0 : me.id + 1;
}

/** ptrace_signal handing back the reported signal when the tracer resumed with none (pr1663 32 returns None). */
function* ptraceSignalDeliveringDiscard(
  k: DragonKernel,
  me: Pcb,
  sig: number,
  ledger: SignalLedger,
  ctx: TaskContext,
  resumed = false,
  info = true,
): Program<number> {
  const r: number = yield* k.base.ptraceSignal(k, me, sig, ledger, ctx, resumed, info);
  if (r !== 0) return r;
  yield nop(here`ptrace_signal`, 'the tracer injected nothing: the reported signal is returned instead of None');
  ledger.owe(sig, ctx);
  return sig;
}
