/**
 * ipc/signal.rs: sending a signal to one thread (kill(pid, sig) with
 * PidType::PID), prepare_sianal's SIGCONT branch, complete_signal,
 * recalc_sigpending, wants_signal, signal_wake_up, and the dequeue used by
 * do_signal.
 *
 * Abstracted: the target's thread group has one thread and every signal is
 * thread-directed, so shared_pending stays empty and its sighand-locked
 * reads and flushes are left out; siginfo contents are not modelled; SIGCHLD
 * to the parent and waking its waiters touch no modelled task and are left
 * out where prepare_sianal/sig_stop do them; the handler table never changes,
 * so a handler lookup reads no shared cell; the thread-group leader lookup
 * (threads_read_irqsave) is left out.
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
  store,
  writeLock,
  writeUnlock,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG, sigmask } from '../common/bits.ts';
import { PF, SF, ST } from './consts.ts';
import type { DragonKernel, Pcb } from './kernel.ts';

const FILE = 'ipc/signal.rs';
export const STOP_MASK = sigmask(SIG.SIGSTOP) | sigmask(SIG.SIGTSTP) | sigmask(21) | sigmask(22);

/** Signal::send_signal_info_to_pcb(None, target, PidType::PID) → send_signal. */
export function* sendSignal(k: DragonKernel, sig: number, t: Pcb, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number | string>) => k.src.at(FILE, l, 'Signal::send_signal');
  const bit = sigmask(sig);
  const ok: boolean = yield* k.fn.prepareSianal(k, sig, t, ctx);
  if (!ok) {
    yield nop(at({ pr1663: 146, head: 174, master: 320 }), 'prepare_sianal false: not queued');
    return;
  }
  const irq: number = yield irqSave(at({ pr1663: 149, head: 177, master: 323 }), 'pcb.sig_info_irqsave(): irq save');
  yield readLock(t.sigInfo, at({ pr1663: 149, head: 177, master: 323 }), 'pcb.sig_info_irqsave(): read lock');
  const queued: number = yield load(
    t.sigqueue,
    at({ pr1663: 164, head: 192, master: 338 }),
    'non-RT: already in the thread queue?',
  );
  if (queued & bit) {
    yield readUnlock(t.sigInfo, at({ pr1663: 166, head: 194, master: 340 }), 'return Ok(0): dropped as a duplicate');
    yield irqRestore(irq, at({ pr1663: 166, head: 194, master: 340 }), 'irq restore');
    return;
  }
  yield readUnlock(t.sigInfo, at({ pr1663: 191, head: 219, master: 365 }), 'drop(pcb_info)');
  yield irqRestore(irq, at({ pr1663: 191, head: 219, master: 365 }), 'irq restore');
  const w: number = yield* k.fn.siginfoMut(k, t, at({ pr1663: 195, head: 223, master: 369 }));
  yield rmw(
    t.sigqueue,
    (q) => q | bit,
    at({ pr1663: 199, head: 227, master: 373 }),
    'sig_pending_mut().queue_mut().q.push(info)',
  );
  yield* k.fn.siginfoMutDrop(k, t, w, at({ pr1663: 199, head: 227, master: 373 }));
  yield* k.fn.completeSignal(k, sig, t, ctx);
}

/** prepare_sianal: the SIGCONT branch in full; other non-stop signals return !sig_ignored. Stop signals are not sent by any scenario. */
export function* prepareSianal(k: DragonKernel, sig: number, t: Pcb, ctx: TaskContext): Program<boolean> {
  if (STOP_MASK & sigmask(sig)) throw new Error('dragonos model: sending a stop signal (sender-side stop) is not modelled');
  if (sig === SIG.SIGCONT) {
    if (k.v === 'master') {
      const me = k.pcb(ctx.self);
      yield* k.fn.prepareSigcontMaster(
        k,
        me,
        t,
        () => k.fn.flushStopSignals(k, t, k.src.at(FILE, { master: 779 }, 'Signal::prepare_sianal')),
        ctx,
      );
      return !(yield* k.fn.sigIgnored(k, sig, t));
    }
    const at = (l: Record<string, number>) => k.src.at(FILE, l, 'Signal::prepare_sianal');
    yield* k.fn.flushStopSignals(k, t, at({ pr1663: 542, head: 583 }));
    const irq: number = yield irqSave(at({ pr1663: 547, head: 588 }), 'inner_lock_read_irqsave(): irq save');
    yield readLock(t.schedInfo, at({ pr1663: 547, head: 588 }), 'inner_lock_read_irqsave()');
    const st: number = yield load(t.state, at({ pr1663: 548, head: 589 }), 'was_stopped: state.is_stopped()');
    yield readUnlock(t.schedInfo, at({ pr1663: 548, head: 589 }), 'read guard dropped');
    yield irqRestore(irq, at({ pr1663: 548, head: 589 }), 'irq restore');
    let wasStopped = st === ST.Stopped || st === ST.TracedStopped;
    if (!wasStopped) wasStopped = yield* k.fn.sighandHas(k, k.pcb(ctx.self), SF.STOP_STOPPED, at({ pr1663: 549, head: 590 }));
    if (!wasStopped) wasStopped = yield* k.fn.sighandHas(k, k.pcb(ctx.self), SF.CLD_STOPPED, at({ pr1663: 550, head: 591 }));
    if (wasStopped) {
      yield* k.fn.wakeupStop(k, t);
      yield* k.fn.sighandUpdate(
        k,
        k.pcb(ctx.self),
        (f) => f | SF.CLD_CONTINUED,
        'flags_insert(CLD_CONTINUED)',
        at({ pr1663: 561, head: 608 }),
      );
      yield* k.fn.sighandUpdate(
        k,
        k.pcb(ctx.self),
        (f) => f | SF.STOP_CONTINUED,
        'flags_insert(STOP_CONTINUED)',
        at({ pr1663: 564, head: 611 }),
      );
      yield* k.fn.sighandUpdate(
        k,
        k.pcb(ctx.self),
        (f) => f & ~SF.CLD_STOPPED,
        'flags_remove(CLD_STOPPED)',
        at({ pr1663: 568, head: 615 }),
      );
      yield* k.fn.sighandUpdate(
        k,
        k.pcb(ctx.self),
        (f) => f & ~SF.STOP_STOPPED,
        'flags_remove(STOP_STOPPED)',
        at({ pr1663: 571, head: 618 }),
      );
      // 572-584: SIGCHLD to the parent and waking waiters (no modelled task waits there)
    }
  }
  return !(yield* k.fn.sigIgnored(k, sig, t));
}

/** SIGCONT: t.sig_info_mut().sig_pending_mut().flush_by_mask(stop signals). */
export function* flushStopSignals(k: DragonKernel, t: Pcb, ref: string): Program<void> {
  const w: number = yield* k.fn.siginfoMut(k, t, ref);
  yield rmw(t.pending, (p) => p & ~STOP_MASK, ref, 'SIGCONT: sig_pending_mut().flush_by_mask(stop signals)');
  yield* k.fn.siginfoMutDrop(k, t, w, ref);
}

/** pcb.sig_info_mut(): sig_info.write_irqsave(); returns the saved irq flags. */
export function* siginfoMut(_k: DragonKernel, t: Pcb, ref: string): Program<number> {
  const irq: number = yield irqSave(ref, 'sig_info_mut(): write_irqsave: irq save');
  yield writeLock(t.sigInfo, ref, 'sig_info_mut(): write lock');
  return irq;
}

export function* siginfoMutDrop(_k: DragonKernel, t: Pcb, irq: number, ref: string): Program<void> {
  yield writeUnlock(t.sigInfo, ref, 'sig_info write guard dropped');
  yield irqRestore(irq, ref, 'irq restore');
}

/** sighand().flags_contains(f): a read under sighand.inner. */
export function* sighandHas(k: DragonKernel, me: Pcb, f: number, ref: string): Program<boolean> {
  yield* k.fn.lockNoPreempt(k, me, readLock(k.sighand.lock, ref, 'sighand.inner_read()'));
  const v: number = yield load(k.sighand.flags, ref, 'flags_contains');
  yield* k.fn.unlockPreempt(k, me, readUnlock(k.sighand.lock, ref, 'read guard dropped'));
  return (v & f) !== 0;
}

/** sighand().flags_insert/remove: one write-locked section each. */
export function* sighandUpdate(k: DragonKernel, me: Pcb, fn: (f: number) => number, what: string, ref: string): Program<void> {
  yield* k.fn.lockNoPreempt(k, me, writeLock(k.sighand.lock, ref, 'sighand.inner_write()'));
  yield rmw(k.sighand.flags, fn, ref, what);
  yield* k.fn.unlockPreempt(k, me, writeUnlock(k.sighand.lock, ref, 'write guard dropped'));
}

/** sig_ignored: blocked signals are never ignored; a ptraced target ignores nothing but SIGKILL (pr1663/head); else the handler. */
export function* sigIgnored(k: DragonKernel, sig: number, t: Pcb): Program<boolean> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'Signal::sig_ignored');
  const irq: number = yield irqSave(at({ pr1663: 414, head: 445, master: 665 }), 'pcb.sig_info_irqsave(): irq save');
  yield readLock(t.sigInfo, at({ pr1663: 414, head: 445, master: 665 }), 'pcb.sig_info_irqsave(): read lock');
  const blocked: number = yield load(t.blocked, at({ pr1663: 415, head: 446, master: 666 }), 'sig_blocked().contains(sig)');
  yield readUnlock(t.sigInfo, at({ pr1663: 427, head: 458, master: 678 }), 'drop(sig_info)');
  yield irqRestore(irq, at({ pr1663: 427, head: 458, master: 678 }), 'irq restore');
  if (blocked & sigmask(sig)) return false;
  if (k.v !== 'master') {
    const f: number = yield load(t.flags, at({ pr1663: 430, head: 461 }), 'flags().contains(PTRACED) && sig != SIGKILL');
    if (f & PF.PTRACED) return false;
  }
  yield nop(at({ pr1663: 434, head: 465, master: 684 }), 'sig_task_ignored: handler lookup');
  const a = k.action(sig);
  return a === 'ignore' || (a === 'default' && (sig === SIG.SIGCONT || sig === SIG.SIGCHLD));
}

/** complete_signal: set the pending bit, recalc_sigpending, wants_signal, signal_wake_up. */
export function* completeSignal(k: DragonKernel, sig: number, t: Pcb, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'Signal::complete_signal');
  const bit = sigmask(sig);
  let wants = false;
  if (k.v === 'master') wants = yield* k.fn.wantsSignal(k, sig, t);
  const w: number = yield* k.fn.siginfoMut(k, t, at({ pr1663: 267, head: 295, master: 456 }));
  yield rmw(t.pending, (p) => p | bit, at({ pr1663: 270, head: 298, master: 459 }), 'sig_pending_mut().signal_mut().insert(sig)');
  yield* k.fn.siginfoMutDrop(k, t, w, at({ pr1663: 270, head: 298, master: 459 }));
  yield* k.fn.recalcSigpending(k, t, at({ pr1663: 280, head: 303, master: 479 }));
  if (k.v !== 'master') {
    wants = yield* k.fn.wantsSignal(k, sig, t);
    const f: number = yield load(t.flags, at({ pr1663: 289, head: 317 }), 'is_ptrace_sigstop: flags().contains(PTRACED)');
    if (f & PF.PTRACED && sig === SIG.SIGSTOP) wants = true;
  }
  if (!wants) {
    yield nop(at({ pr1663: 304, head: 328, master: 470 }), 'no wake needed: return');
    return;
  }
  yield* k.fn.signalWakeUp(k, t, sig === SIG.SIGKILL, ctx);
}

/** wants_signal (pr1663 327-369, head 355-397; master 591-): EXITING, the target's state, its blocked set. */
export function* wantsSignal(k: DragonKernel, sig: number, t: Pcb): Program<boolean> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'Signal::wants_signal');
  let blocked = 0;
  if (k.v === 'master') {
    const irq: number = yield irqSave(at({ master: 592 }), 'pcb.sig_info_irqsave(): irq save');
    yield readLock(t.sigInfo, at({ master: 592 }), 'pcb.sig_info_irqsave(): read lock');
    blocked = yield load(t.blocked, at({ master: 592 }), 'sig_blocked()');
    yield readUnlock(t.sigInfo, at({ master: 592 }), 'read guard dropped');
    yield irqRestore(irq, at({ master: 592 }), 'irq restore');
    if (blocked & sigmask(sig)) return false;
  }
  yield load(t.flags, at({ pr1663: 329, head: 357, master: 598 }), 'flags().contains(EXITING)');
  if (sig === SIG.SIGKILL) return true;
  let st: number;
  if (k.v === 'master') {
    st = yield load(t.state, at({ master: 610 }), 'sched_info().state()');
  } else {
    const irq: number = yield irqSave(at({ pr1663: 340, head: 371 }), 'inner_lock_read_irqsave(): irq save');
    yield readLock(t.schedInfo, at({ pr1663: 340, head: 371 }), 'inner_lock_read_irqsave()');
    st = yield load(t.state, at({ pr1663: 340, head: 371 }), 'state()');
    yield readUnlock(t.schedInfo, at({ pr1663: 340, head: 371 }), 'read guard dropped');
    yield irqRestore(irq, at({ pr1663: 340, head: 371 }), 'irq restore');
    if (sig === SIG.SIGCONT && (st === ST.Stopped || st === ST.TracedStopped)) return true;
    yield load(t.flags, at({ pr1663: 346, head: 377 }), 'flags().contains(RESTORE_SIG_MASK)');
    const irq2: number = yield irqSave(at({ pr1663: 354, head: 385 }), 'pcb.sig_info_irqsave(): irq save');
    yield readLock(t.sigInfo, at({ pr1663: 354, head: 385 }), 'pcb.sig_info_irqsave(): read lock');
    blocked = yield load(t.blocked, at({ pr1663: 354, head: 385 }), 'sig_blocked()');
    yield readUnlock(t.sigInfo, at({ pr1663: 354, head: 385 }), 'read guard dropped');
    yield irqRestore(irq2, at({ pr1663: 354, head: 385 }), 'irq restore');
    if (blocked & sigmask(sig)) return false;
  }
  return st !== ST.Stopped;
}

/**
 * recalc_sigpending: under R(sig_info), HAS_PENDING_SIGNAL |= (pending &
 * ~blocked) — the insert happens while the read guard is held — and the
 * caller-side remove when nothing is pending.
 */
export function* recalcSigpending(k: DragonKernel, t: Pcb, ref: string): Program<void> {
  const irq: number = yield irqSave(ref, 'recalc_sigpending: sig_info_irqsave(): irq save');
  yield readLock(t.sigInfo, ref, 'recalc_sigpending: sig_info read lock');
  const pending: number = yield load(t.pending, ref, 'has_pending_signals(sig_pending)');
  const blocked: number = yield load(t.blocked, ref, 'sig_blocked()');
  const any = (pending & ~blocked) !== 0;
  if (any) yield* k.fn.flagsInsert(k, t, PF.HAS_PENDING_SIGNAL, ref);
  yield readUnlock(t.sigInfo, ref, 'recalc_sigpending: read guard dropped');
  yield irqRestore(irq, ref, 'irq restore');
  if (!any) yield* k.fn.flagsRemove(k, t, PF.HAS_PENDING_SIGNAL, ref);
  void k;
}

/** recalc_sigpending(Some(guard)): the caller already holds W(sig_info); insert or remove HAS_PENDING_SIGNAL. */
export function* recalcLocked(k: DragonKernel, t: Pcb, ref: string): Program<void> {
  const pending: number = yield load(t.pending, ref, 'recalc_sigpending(Some(self)): sig_pending');
  const blocked: number = yield load(t.blocked, ref, 'sig_blocked()');
  if ((pending & ~blocked) !== 0) yield* k.fn.flagsInsert(k, t, PF.HAS_PENDING_SIGNAL, ref);
  else yield* k.fn.flagsRemove(k, t, PF.HAS_PENDING_SIGNAL, ref);
}

/** signal_wake_up(pcb, fatal): wake an interruptible sleeper, else kick a running target. */
export function* signalWakeUp(k: DragonKernel, t: Pcb, fatal: boolean, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'signal_wake_up');
  let st: number;
  if (k.v === 'master') {
    st = yield load(t.state, at({ master: 828 }), 'pcb.sched_info().state()');
  } else {
    const irq: number = yield irqSave(at({ pr1663: 609, head: 666 }), 'inner_lock_read_irqsave(): irq save');
    yield readLock(t.schedInfo, at({ pr1663: 609, head: 666 }), 'inner_lock_read_irqsave()');
    st = yield load(t.state, at({ pr1663: 609, head: 666 }), 'state()');
    yield readUnlock(t.schedInfo, at({ pr1663: 609, head: 666 }), 'read guard dropped');
    yield irqRestore(irq, at({ pr1663: 609, head: 666 }), 'irq restore');
  }
  if (st === ST.BlockedInterruptible) {
    if (k.v === 'master') throw new Error("dragonos model: master's wakeup of a blocked target is not modelled");
    const woke: boolean = yield* k.fn.wakeup(k, t);
    if (woke) yield* k.fn.kick(k, t, ctx);
    return;
  }
  const stopped = st === ST.Stopped || st === ST.TracedStopped;
  if (fatal) throw new Error('dragonos model: fatal signal wake-up is not modelled');
  if (!stopped) yield* k.fn.kick(k, t, ctx);
  else yield nop(at({ pr1663: 656, head: 713, master: 884 }), 'stopped: no kick');
}

/**
 * dequeue_signal under the caller's W(sig_info): the lowest pending,
 * unblocked signal leaves the pending set and the queue (two writes in the
 * same locked section). Returns 0 when none.
 */
export function* dequeueLocked(_k: DragonKernel, t: Pcb, sigBlock: number, ref: string): Program<number> {
  const pending: number = yield load(t.pending, ref, 'dequeue_signal: sig_pending');
  const ready = pending & ~sigBlock;
  if (ready === 0) return 0;
  const sig = 31 - Math.clz32(ready & -ready) + 1;
  const bit = sigmask(sig);
  yield store(t.pending, pending & ~bit, ref, `dequeue_signal: ${sig} leaves sig_pending`);
  yield rmw(t.sigqueue, (q) => q & ~bit, ref, `collect_signal: its siginfo leaves the queue`);
  return sig;
}
