/**
 * arch/x86_64/ipc/signal.rs do_signal, per variant.
 *
 * pr1663 591-735: R(sig_info) by try_siginfo_irqsave(5), then W by
 * try_siginfo_mut(5); dequeue under W; for a ptraced task the guard is
 * dropped around ptrace_signal and re-taken with try_siginfo_mut(5) — if
 * those five attempts fail, `return` at 645 drops the signal in hand.
 * head 594-776: a blocking sig_info_mut() per dequeue; no lock is held
 * across ptrace_signal and nothing is re-taken.
 * master 749-890: no ptrace branch; dequeue_pending_signal; the bare
 * interrupt_enable() at 853 before the handler is set up.
 *
 * `check('lock-discipline')` at every return compares the irq flag with the
 * one do_signal was entered with: do_signal's bare interrupt_enable() calls
 * must leave the state its caller had.
 */
import {
  check,
  irqEnable,
  irqRestore,
  irqSave,
  load,
  nop,
  type Program,
  readLock,
  readTrylock,
  readUnlock,
  store,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG, sigmask } from '../common/bits.ts';
import { PF } from './consts.ts';
import type { DragonKernel, Pcb } from './kernel.ts';
import type { SignalLedger } from './ptrace.ts';
import type { Dequeued } from './signal.ts';

const FILE = 'arch/x86_64/ipc/signal.rs';

/**
 * What a do_signal body reports: it executed a bare interrupt_enable(), or it
 * returned at a sig_info try-lock that failed before anything was dequeued,
 * or (pr1663, 606) it found nothing pending and left HAS_PENDING_SIGNAL set.
 * In the second case exit_to_user_mode_loop goes round and repeats exactly
 * the same failing attempts — they write nothing — until the holder lets go:
 * that spin is one blocking wait in the model (see entry.ts), not a loop of
 * steps an unfair schedule could run for ever.
 */
export const RET = { ENABLED: 1, RETRY_READ: 2, RETRY_WRITE: 4, RETRY_EMPTY: 8 } as const;

/** What the handler of a dequeued signal does; the scenario supplies it (sig_stop for a default stop signal). */
export type HandleFn = (sig: number, ctx: TaskContext) => Program<void>;

/** Where a task parked inside do_signal → ptrace_signal → ptrace_stop → schedule() resumes: the signal it reported. */
export interface Resume {
  readonly sig: number;
  /** the sig_block do_signal read before it parked */
  readonly sigBlock: number;
  /** whether its dequeue found a siginfo (`info` is Some; default true) */
  readonly info?: boolean;
}

export interface DoSignalEnv {
  readonly ledger: SignalLedger;
  /** handle_signal / handle_default for `sig` (setup_frame, or the default action) */
  readonly handle: HandleFn;
}

/** try_siginfo_irqsave(5): five try_read_irqsave attempts; returns saved irq flags or -1. */
export function* trySiginfoIrqsave(_k: DragonKernel, me: Pcb, ref: string): Program<number> {
  for (let i = 1; i <= 5; i++) {
    const irq: number = yield irqSave(ref, `try_siginfo_irqsave(5) attempt ${i}: irq save`);
    const ok: number = yield readTrylock(me.sigInfo, ref, `try_siginfo_irqsave(5) attempt ${i}: try_read`);
    if (ok) return irq;
    yield irqRestore(irq, ref, `attempt ${i} failed: irq restore`);
  }
  return -1;
}

function irqCheck(entryIrqOn: boolean, ref: string): ReturnType<typeof check> {
  return check(
    'lock-discipline',
    [],
    (_m, cpu) =>
      cpu.irqsOn === entryIrqOn
        ? null
        : `do_signal returns with irqs ${cpu.irqsOn ? 'on' : 'off'} but was entered with irqs ${entryIrqOn ? 'on' : 'off'}: the irq state is not restored on the path that changed it`,
    ref,
    'irq state on return == irq state on entry?',
  );
}

/** do_signal(frame). `entryIrqOn` is the irq state its caller enters it with (known to the caller's program). */
export function* doSignal(
  k: DragonKernel,
  me: Pcb,
  entryIrqOn: boolean,
  env: DoSignalEnv,
  ctx: TaskContext,
  resume: Resume | null = null,
): Program<number> {
  let r: number;
  if (resume && k.v === 'master') throw new Error('dragonos model: master has no ptrace stop to resume from');
  if (k.v === 'pr1663') r = yield* k.fn.doSignalPr1663(k, me, env, ctx, resume);
  else if (k.v === 'head') r = yield* k.fn.doSignalHead(k, me, env, ctx, resume);
  else r = yield* k.fn.doSignalMaster(k, me, env, ctx);
  yield irqCheck(entryIrqOn, k.src.at(FILE, { pr1663: 735, head: 776, master: 890 }, 'do_signal'));
  // bit 0: the irq state do_signal leaves (a bare interrupt_enable() turned them on, every guard restores what it found)
  return (entryIrqOn || (r & RET.ENABLED) !== 0 ? 1 : 0) | (r & (RET.RETRY_READ | RET.RETRY_WRITE | RET.RETRY_EMPTY));
}

export function* doSignalPr1663(
  k: DragonKernel,
  me: Pcb,
  env: DoSignalEnv,
  ctx: TaskContext,
  resume: Resume | null,
): Program<number> {
  const at = (l: number) => k.src.at(FILE, { pr1663: l }, 'do_signal');
  if (resume) {
    // parked in ptrace_signal (640) with irqs enabled at 638
    return yield* k.fn.doSignalPr1663Loop(k, me, env, ctx, resume.sigBlock, -1, resume.sig, true, resume.info ?? true);
  }
  const r: number = yield* k.fn.trySiginfoIrqsave(k, me, at(594));
  if (r < 0) return RET.RETRY_READ;
  const pending: number = yield load(me.pending, at(602), 'thread_pending = sig_pending().signal()');
  const shared: number = yield* k.fn.sharedPendingSignal(k, me, at(603));
  if (pending === 0 && shared === 0) {
    yield readUnlock(me.sigInfo, at(606), 'no pending signal: return (guard dropped), HAS_PENDING_SIGNAL left as it is');
    yield irqRestore(r, at(606), 'irq restore');
    return RET.RETRY_EMPTY;
  }
  const sigBlock: number = yield load(me.blocked, at(612), 'sig_block = *sig_blocked()');
  yield readUnlock(me.sigInfo, at(613), 'drop(siginfo_read_guard)');
  yield irqRestore(r, at(613), 'irq restore');
  const w: number = yield* k.fn.trySiginfoMut(k, me, 5, at(616));
  if (w < 0) return RET.RETRY_WRITE;
  return yield* k.fn.doSignalPr1663Loop(k, me, env, ctx, sigBlock, w, 0, false, true);
}

/** The dequeue loop of do_signal (625-713) and its tail (718-730); `resumeSig` re-enters it right after ptrace_signal (640). */
export function* doSignalPr1663Loop(
  k: DragonKernel,
  me: Pcb,
  env: DoSignalEnv,
  ctx: TaskContext,
  sigBlock: number,
  w0: number,
  resumeSig: number,
  enabled0: boolean,
  resumeInfo: boolean,
): Program<number> {
  const at = (l: number) => k.src.at(FILE, { pr1663: l }, 'do_signal');
  let enabled = enabled0;
  let w = w0;
  let sig = 0;
  let info = resumeInfo;
  let resuming = resumeSig !== 0;
  for (;;) {
    if (!resuming) {
      // ProcessSignalInfo::dequeue_signal (process/mod.rs): the thread's set, recalc under the same
      // guard; none there: the shared set (sighand.shared_pending_dequeue), recalc again
      const dq = k.src.at('process/mod.rs', { pr1663: '' }, 'ProcessSignalInfo::dequeue_signal');
      let got: Dequeued = yield* k.fn.dequeueLocked(k, me, sigBlock, at(625));
      yield* k.fn.recalcLocked(k, me, dq);
      if (got.sig === 0) {
        got = yield* k.fn.sharedPendingDequeue(k, me, sigBlock, dq);
        yield* k.fn.recalcLocked(k, me, dq);
      }
      sig = got.sig;
      info = got.info;
      if (sig === 0) {
        yield* k.fn.siginfoMutDrop(k, me, w, at(629));
        return enabled ? RET.ENABLED : 0;
      }
      env.ledger.owe(sig, ctx);
    }
    const f: number = resuming ? PF.PTRACED : yield load(me.flags, at(633), 'is_ptraced = flags().contains(PTRACED)');
    if (f & PF.PTRACED) {
      if (!resuming) {
        yield* k.fn.siginfoMutDrop(k, me, w, at(637));
        yield irqEnable(at(638), 'CurrentIrqArch::interrupt_enable()');
        enabled = true;
      }
      const result: number = yield* k.fn.ptraceSignal(k, me, resuming ? resumeSig : sig, env.ledger, ctx, resuming, info);
      resuming = false;
      w = yield* k.fn.trySiginfoMut(k, me, 5, at(643));
      if (w < 0) {
        yield nop(at(645), `try_siginfo_mut(5) failed: return${result ? ` — signal ${result} is dropped` : ''}`);
        return enabled ? RET.ENABLED : 0;
      }
      if (result === 0) continue;
      sig = result;
    }
    if (sig === SIG.SIGKILL || sig === SIG.SIGSTOP) throw new Error('dragonos model: kernel_only signals are not modelled');
    yield nop(at(675), `sighand().handler(${sig})`);
    const a = k.action(sig);
    if (a === 'ignore') {
      env.ledger.settle(sig, ctx, true);
      continue;
    }
    break;
  }
  yield* k.fn.siginfoMutDrop(k, me, w, at(719));
  yield irqEnable(at(723), 'CurrentIrqArch::interrupt_enable()');
  enabled = true;
  env.ledger.settle(sig, ctx, true);
  yield* env.handle(sig, ctx);
  return enabled ? RET.ENABLED : 0;
}

export function* doSignalHead(
  k: DragonKernel,
  me: Pcb,
  env: DoSignalEnv,
  ctx: TaskContext,
  resume: Resume | null,
): Program<number> {
  const at = (l: number) => k.src.at(FILE, { head: l }, 'do_signal');
  if (resume) return yield* k.fn.doSignalHeadLoop(k, me, env, ctx, resume.sig, resume.info ?? true);
  yield load(me.flags, at(599), 'flags().contains(PENDING_PTRACE_STOP)');
  const r: number = yield* k.fn.trySiginfoIrqsave(k, me, at(608));
  if (r < 0) {
    yield* k.fn.recalcSigpending(k, me, me, at(610));
    return RET.RETRY_READ;
  }
  const pending: number = yield load(me.pending, at(617), 'thread_pending = sig_pending().signal()');
  const shared: number = yield* k.fn.sharedPendingSignal(k, me, at(618));
  const none = pending === 0 && shared === 0;
  yield readUnlock(me.sigInfo, at(none ? 621 : 629), 'drop(siginfo_read_guard)');
  yield irqRestore(r, at(none ? 621 : 629), 'irq restore');
  if (none) {
    yield* k.fn.recalcSigpending(k, me, me, at(622));
    return 0;
  }
  return yield* k.fn.doSignalHeadLoop(k, me, env, ctx, 0, true);
}

/** The dequeue loop of head's do_signal (631-776); `resumeSig` re-enters it inside ptrace_signal (658). */
export function* doSignalHeadLoop(
  k: DragonKernel,
  me: Pcb,
  env: DoSignalEnv,
  ctx: TaskContext,
  resumeSig: number,
  resumeInfo: boolean,
): Program<number> {
  const at = (l: number) => k.src.at(FILE, { head: l }, 'do_signal');
  let resuming = resumeSig !== 0;
  for (;;) {
    let sig = resumeSig;
    let info = resumeInfo;
    let f: number = PF.PTRACED;
    if (!resuming) {
      const w: number = yield* k.fn.siginfoMut(k, me, at(634));
      const sigBlock: number = yield load(me.blocked, at(636), 'sig_block = *sig_blocked()');
      let got: Dequeued = yield* k.fn.dequeueLocked(k, me, sigBlock, at(639));
      // 641-647: found, the guard drops at the end of the block; none, it drops first and the shared set is tried
      yield* k.fn.siginfoMutDrop(k, me, w, at(got.sig === 0 ? 644 : 647));
      if (got.sig === 0) got = yield* k.fn.sharedPendingDequeue(k, me, sigBlock, at(645));
      yield* k.fn.recalcSigpending(k, me, me, at(648));
      sig = got.sig;
      info = got.info;
      if (sig === 0) return 0;
      env.ledger.owe(sig, ctx);
      f = yield load(me.flags, at(657), 'flags().contains(PTRACED) && sig != SIGKILL');
    }
    if (f & PF.PTRACED) {
      const result: number = yield* k.fn.ptraceSignal(k, me, sig, env.ledger, ctx, resuming, info);
      resuming = false;
      if (result === 0) continue;
      sig = result;
    }
    if (sig === SIG.SIGKILL || sig === SIG.SIGSTOP) throw new Error('dragonos model: kernel_only signals are not modelled');
    yield nop(at(706), `sighand().handler(${sig})`);
    const a = k.action(sig);
    if (a === 'ignore' || (a === 'default' && (sig === SIG.SIGCONT || sig === SIG.SIGCHLD))) {
      // 727 Ignore => continue; 729 Default && kernel_ignore => continue
      env.ledger.settle(sig, ctx, true);
      continue;
    }
    if (a === 'default') {
      env.ledger.settle(sig, ctx, true);
      yield* env.handle(sig, ctx);
      if (sig === SIG.SIGTSTP) continue; // 732-734: a stop signal's default, then look again
      return 0;
    }
    const w2: number = yield* k.fn.siginfoMut(k, me, at(747));
    yield load(me.blocked, at(747), 'oldset = *sig_blocked()');
    yield* k.fn.siginfoMutDrop(k, me, w2, at(747));
    env.ledger.settle(sig, ctx, true);
    yield* env.handle(sig, ctx);
    return 0;
  }
}

/** master ipc/signal.rs set_current_blocked → __set_current_blocked (1012-1022) → __set_task_blocked (998-1010). */
export function* setCurrentBlocked(k: DragonKernel, me: Pcb, newSet: number): Program<void> {
  const at = (l: number, fn: string) => k.src.at('ipc/signal.rs', { master: l }, fn);
  let irq: number = yield irqSave(at(1018, '__set_current_blocked'), 'sig_info_irqsave(): irq save');
  yield readLock(me.sigInfo, at(1018, '__set_current_blocked'), 'sig_info read lock');
  const old: number = yield load(me.blocked, at(1018, '__set_current_blocked'), 'sig_blocked() == new_set?');
  yield readUnlock(me.sigInfo, at(1018, '__set_current_blocked'), 'read guard dropped');
  yield irqRestore(irq, at(1018, '__set_current_blocked'), 'irq restore');
  if (old === newSet) return;
  const f: number = yield load(me.flags, at(1000, '__set_task_blocked'), 'has_pending_signal()');
  if (f & PF.HAS_PENDING_SIGNAL) {
    irq = yield irqSave(at(1002, '__set_task_blocked'), 'sig_info_irqsave(): irq save');
    yield readLock(me.sigInfo, at(1002, '__set_task_blocked'), 'sig_info read lock');
    yield load(me.blocked, at(1003, '__set_task_blocked'), 'newblocked.remove(sig_blocked)');
    yield readUnlock(me.sigInfo, at(1004, '__set_task_blocked'), 'drop(guard)');
    yield irqRestore(irq, at(1004, '__set_task_blocked'), 'irq restore');
    // 1006 retarget_shared_pending: shared_pending is empty in these scenarios
  }
  const w: number = yield* k.fn.siginfoMut(k, me, at(1008, '__set_task_blocked'));
  yield store(me.blocked, newSet, at(1008, '__set_task_blocked'), 'sig_block_mut() = new_set');
  yield* k.fn.siginfoMutDrop(k, me, w, at(1008, '__set_task_blocked'));
  yield* k.fn.recalcSigpending(k, me, me, at(1009, '__set_task_blocked'));
}

export function* doSignalMaster(k: DragonKernel, me: Pcb, env: DoSignalEnv, ctx: TaskContext): Program<number> {
  const at = (l: number) => k.src.at(FILE, { master: l }, 'do_signal');
  const r: number = yield* k.fn.trySiginfoIrqsave(k, me, at(752));
  if (r < 0) {
    yield* k.fn.recalcSigpending(k, me, me, at(755));
    return RET.RETRY_READ;
  }
  const pending: number = yield load(me.pending, at(762), 'thread_pending = sig_pending().signal()');
  const shared: number = yield* k.fn.sharedPendingSignal(k, me, at(763));
  if (pending === 0 && shared === 0) {
    yield readUnlock(me.sigInfo, at(766), 'drop(siginfo_read_guard)');
    yield irqRestore(r, at(766), 'irq restore');
    yield* k.fn.recalcSigpending(k, me, me, at(767));
    return 0;
  }
  const sigBlock: number = yield load(me.blocked, at(774), 'sig_block = *sig_blocked()');
  yield load(me.flags, at(775), 'flags().contains(RESTORE_SIG_MASK)');
  yield readUnlock(me.sigInfo, at(780), 'drop(siginfo_read_guard)');
  yield irqRestore(r, at(780), 'irq restore');
  let sig = 0;
  for (;;) {
    // dequeue_pending_signal (ipc/signal.rs:902-915): sig_info_mut, the thread's set; none there: drop
    // the guard (909) and try the shared set (910); found: the guard drops at the block's end (912); recalc
    const dq = (l: number) => k.src.at('ipc/signal.rs', { master: l }, 'dequeue_pending_signal');
    const w: number = yield* k.fn.siginfoMut(k, me, dq(904));
    let got: Dequeued = yield* k.fn.dequeueLocked(k, me, sigBlock, dq(905));
    yield* k.fn.siginfoMutDrop(k, me, w, dq(got.sig === 0 ? 909 : 912));
    if (got.sig === 0) got = yield* k.fn.sharedPendingDequeue(k, me, sigBlock, dq(910));
    yield* k.fn.recalcSigpending(k, me, me, dq(913));
    sig = got.sig;
    if (sig === 0) return 0;
    env.ledger.owe(sig, ctx);
    if (sig === SIG.SIGKILL || sig === SIG.SIGSTOP) throw new Error('dragonos model: kernel_only signals are not modelled');
    yield nop(at(804), `sighand().handler(${sig})`);
    const a = k.action(sig);
    if (a === 'ignore' || (a === 'default' && (sig === SIG.SIGCONT || sig === SIG.SIGCHLD))) {
      env.ledger.settle(sig, ctx, true);
      continue;
    }
    break;
  }
  yield* k.fn.flagsRemove(k, me, PF.RESTORE_SIG_MASK, at(850));
  yield irqEnable(at(853), 'CurrentIrqArch::interrupt_enable()');
  if (k.action(sig) === 'default') {
    env.ledger.settle(sig, ctx, true);
    yield* env.handle(sig, ctx);
    return RET.ENABLED;
  }
  yield* k.fn.setCurrentBlocked(k, me, sigBlock | sigmask(sig));
  env.ledger.settle(sig, ctx, true);
  yield* env.handle(sig, ctx);
  return RET.ENABLED;
}
