/**
 * ipc/signal.rs: kill() (sys_kill → ipc/kill.rs send_signal_to_pid →
 * send_signal_info_to_pcb with PidType::TGID, a process-directed signal that
 * queues on sighand's shared_pending), the thread-directed send (PidType::PID,
 * ptrace_signal's re-queue), prepare_sianal's SIGCONT branch, complete_signal,
 * recalc_sigpending, wants_signal, signal_wake_up, and the dequeues do_signal
 * uses; with the shared_pending helpers of ipc/sighand.rs, each under the
 * sighand lock (inner(): read_irqsave, inner_mut(): write_irqsave).
 *
 * Abstracted: the target's thread group has one thread (the group leader
 * lookups, threads_read_irqsave, touch only its own thread list, which no
 * other modelled task takes; master's select_group_signal_target finds no
 * other thread); siginfo contents are not modelled (a queue holds the set of
 * signals with an entry); SIGCHLD to the parent and waking its waiters touch
 * no modelled task and are left out where prepare_sianal/sig_stop do them;
 * the handler table never changes, so a handler lookup reads no shared cell.
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

/** Which pending set a send targets: `PidType::PID` a thread's own, `PidType::TGID` (kill()) the group's shared one. */
export type PidType = 'PID' | 'TGID';

/** What a dequeue took: the signal (0: none) and whether its queue held a siginfo entry (`Option<SigInfo>` is Some). */
export interface Dequeued {
  readonly sig: number;
  readonly info: boolean;
}

/**
 * Signal::send_signal_info_to_pcb(Some(info), target, pt) → send_signal.
 * kill(pid, sig) is `pt = 'TGID'` (ipc/kill.rs send_signal_to_pid: pr1663 41,
 * head 43, master 37); ptrace_signal re-queues with 'PID'.
 */
export function* sendSignal(k: DragonKernel, sig: number, t: Pcb, ctx: TaskContext, pt: PidType = 'TGID'): Program<void> {
  const at = (l: Record<string, number | string>) => k.src.at(FILE, l, 'Signal::send_signal');
  const me = k.pcb(ctx.self);
  const bit = sigmask(sig);
  const ok: boolean = yield* k.fn.prepareSianal(k, sig, t, ctx);
  if (!ok) {
    yield nop(at({ pr1663: 146, head: 174, master: 320 }), 'prepare_sianal false: not queued');
    return;
  }
  const irq: number = yield irqSave(at({ pr1663: 149, head: 177, master: 323 }), 'pcb.sig_info_irqsave(): irq save');
  yield readLock(t.sigInfo, at({ pr1663: 149, head: 177, master: 323 }), 'pcb.sig_info_irqsave(): read lock');
  const fast = sig === SIG.SIGKILL; // 156: matches!(self, SIGKILL) || flags().contains(KTHREAD)
  if (!fast) {
    const f: number = yield load(t.flags, at({ pr1663: 156, head: 184, master: 330 }), 'pcb.flags().contains(KTHREAD)');
    void f; // no modelled task is a kernel thread
  }
  if (fast) {
    yield readUnlock(t.sigInfo, at({ pr1663: 158, head: 186, master: 332 }), 'drop(pcb_info)');
    yield irqRestore(irq, at({ pr1663: 158, head: 186, master: 332 }), 'irq restore');
    yield* k.fn.completeSignal(k, sig, t, ctx, pt);
    return;
  }
  let dup: boolean;
  if (pt === 'TGID') {
    dup = yield* k.fn.sharedPendingQueueHas(k, me, sig, at({ pr1663: 163, head: 191, master: 337 }));
  } else {
    const queued: number = yield load(
      t.sigqueue,
      at({ pr1663: 164, head: 192, master: 338 }),
      'non-RT: already in the thread queue?',
    );
    dup = (queued & bit) !== 0;
  }
  if (dup) {
    yield readUnlock(t.sigInfo, at({ pr1663: 166, head: 194, master: 340 }), 'return Ok(0): dropped as a duplicate');
    yield irqRestore(irq, at({ pr1663: 166, head: 194, master: 340 }), 'irq restore');
    return;
  }
  yield readUnlock(t.sigInfo, at({ pr1663: 191, head: 219, master: 365 }), 'drop(pcb_info)');
  yield irqRestore(irq, at({ pr1663: 191, head: 219, master: 365 }), 'irq restore');
  if (pt === 'TGID') {
    yield* k.fn.sharedPendingPush(k, me, sig, at({ pr1663: 202, head: 230, master: 376 }));
  } else {
    const w: number = yield* k.fn.siginfoMut(k, t, at({ pr1663: 195, head: 223, master: 369 }));
    yield rmw(
      t.sigqueue,
      (q) => q | bit,
      at({ pr1663: 199, head: 227, master: 373 }),
      'sig_pending_mut().queue_mut().q.push(info)',
    );
    yield* k.fn.siginfoMutDrop(k, t, w, at({ pr1663: 199, head: 227, master: 373 }));
  }
  yield* k.fn.completeSignal(k, sig, t, ctx, pt);
}

/** sighand.inner(): read_irqsave — irq save, then the read lock (which disables preemption). */
export function* sighandRead(k: DragonKernel, me: Pcb, ref: string): Program<number> {
  const irq: number = yield irqSave(ref, 'sighand.inner(): read_irqsave: irq save');
  yield* k.fn.lockNoPreempt(k, me, readLock(k.sighand.lock, ref, 'sighand.inner(): read lock'));
  return irq;
}

export function* sighandReadDrop(k: DragonKernel, me: Pcb, irq: number, ref: string): Program<void> {
  yield* k.fn.unlockPreempt(k, me, readUnlock(k.sighand.lock, ref, 'sighand read guard dropped'));
  yield irqRestore(irq, ref, 'irq restore');
}

/** sighand().shared_pending_signal(): the shared set, read under inner(). */
export function* sharedPendingSignal(k: DragonKernel, me: Pcb, ref: string): Program<number> {
  const irq: number = yield* k.fn.sighandRead(k, me, ref);
  const v: number = yield load(k.sighand.sharedPending, ref, 'shared_pending.signal()');
  yield* k.fn.sighandReadDrop(k, me, irq, ref);
  return v;
}

/** sighand().shared_pending_queue_has(sig): is a siginfo of sig queued on shared_pending? */
export function* sharedPendingQueueHas(k: DragonKernel, me: Pcb, sig: number, ref: string): Program<boolean> {
  const irq: number = yield* k.fn.sighandRead(k, me, ref);
  const q: number = yield load(k.sighand.sharedQueue, ref, 'non-RT: shared_pending.queue().find(sig)');
  yield* k.fn.sighandReadDrop(k, me, irq, ref);
  return (q & sigmask(sig)) !== 0;
}

/** sighand().shared_pending_push(sig, info): under inner_mut(), push the siginfo, then insert the bit. */
export function* sharedPendingPush(k: DragonKernel, me: Pcb, sig: number, ref: string): Program<void> {
  const irq: number = yield* k.fn.sighandWrite(k, me, ref);
  yield rmw(k.sighand.sharedQueue, (q) => q | sigmask(sig), ref, 'shared_pending.queue_mut().q.push(info)');
  yield rmw(k.sighand.sharedPending, (p) => p | sigmask(sig), ref, 'shared_pending.signal_mut().insert(sig)');
  yield* k.fn.sighandWriteDrop(k, me, irq, ref);
}

/** sighand().shared_pending_signal_insert(sig): the bit only, under inner_mut(). */
export function* sharedPendingSignalInsert(k: DragonKernel, me: Pcb, sig: number, ref: string): Program<void> {
  const irq: number = yield* k.fn.sighandWrite(k, me, ref);
  yield rmw(k.sighand.sharedPending, (p) => p | sigmask(sig), ref, 'shared_pending.signal_mut().insert(sig)');
  yield* k.fn.sighandWriteDrop(k, me, irq, ref);
}

/** sighand().shared_pending_flush_by_mask(mask), under inner_mut(). */
export function* sharedPendingFlushByMask(k: DragonKernel, me: Pcb, mask: number, ref: string): Program<void> {
  const irq: number = yield* k.fn.sighandWrite(k, me, ref);
  yield rmw(k.sighand.sharedPending, (p) => p & ~mask, ref, 'shared_pending.flush_by_mask(mask)');
  yield* k.fn.sighandWriteDrop(k, me, irq, ref);
}

/** sighand().shared_pending_dequeue(mask): under inner_mut(), the lowest unblocked shared signal leaves the set and the queue. */
export function* sharedPendingDequeue(k: DragonKernel, me: Pcb, sigBlock: number, ref: string): Program<Dequeued> {
  const irq: number = yield* k.fn.sighandWrite(k, me, ref);
  const pending: number = yield load(k.sighand.sharedPending, ref, 'shared_pending.dequeue_signal: signal()');
  const ready = pending & ~sigBlock;
  let got: Dequeued = { sig: 0, info: false };
  if (ready !== 0) {
    const sig = 31 - Math.clz32(ready & -ready) + 1;
    const bit = sigmask(sig);
    yield store(k.sighand.sharedPending, pending & ~bit, ref, `dequeue_signal: ${sig} leaves shared_pending`);
    const q: number = yield rmw(k.sighand.sharedQueue, (x) => x & ~bit, ref, 'collect_signal: its siginfo leaves the queue');
    got = { sig, info: (q & bit) !== 0 };
  }
  yield* k.fn.sighandWriteDrop(k, me, irq, ref);
  return got;
}

/** prepare_sianal: the SIGCONT branch in full; other non-stop signals return !sig_ignored. Stop signals are not sent by any scenario. */
export function* prepareSianal(k: DragonKernel, sig: number, t: Pcb, ctx: TaskContext): Program<boolean> {
  if (STOP_MASK & sigmask(sig)) throw new Error('dragonos model: sending a stop signal (sender-side stop) is not modelled');
  if (sig === SIG.SIGCONT) {
    if (k.v === 'master') {
      const me = k.pcb(ctx.self);
      const flush = function* (): Program<void> {
        yield* k.fn.sharedPendingFlushByMask(k, me, STOP_MASK, k.src.at(FILE, { master: 777 }, 'Signal::prepare_sianal'));
        yield* k.fn.flushStopSignals(k, t, k.src.at(FILE, { master: 779 }, 'Signal::prepare_sianal'));
      };
      yield* k.fn.prepareSigcontMaster(k, me, t, flush, ctx);
      return !(yield* k.fn.sigIgnored(k, sig, t));
    }
    const at = (l: Record<string, number>) => k.src.at(FILE, l, 'Signal::prepare_sianal');
    yield* k.fn.sharedPendingFlushByMask(k, k.pcb(ctx.self), STOP_MASK, at({ pr1663: 540, head: 581 }));
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
      yield* k.fn.wakeupStop(k, t, ctx);
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

/** sighand().flags_contains(f): a read under inner() (read_irqsave). */
export function* sighandHas(k: DragonKernel, me: Pcb, f: number, ref: string): Program<boolean> {
  const irq: number = yield* k.fn.sighandRead(k, me, ref);
  const v: number = yield load(k.sighand.flags, ref, 'flags_contains');
  yield* k.fn.sighandReadDrop(k, me, irq, ref);
  return (v & f) !== 0;
}

/** sighand().flags_insert/remove: one inner_mut() (write_irqsave) section each. */
export function* sighandUpdate(k: DragonKernel, me: Pcb, fn: (f: number) => number, what: string, ref: string): Program<void> {
  const irq: number = yield* k.fn.sighandWrite(k, me, ref);
  yield rmw(k.sighand.flags, fn, ref, what);
  yield* k.fn.sighandWriteDrop(k, me, irq, ref);
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

/**
 * complete_signal(sig, pcb, pt): set the pending bit (the thread's for PID,
 * the shared one for TGID), recalc_sigpending, wants_signal, signal_wake_up.
 * Master picks its target first (435 for PID; select_group_signal_target,
 * 551-584, for TGID: only the one thread here) and checks for a fatal group
 * exit (449, should_start_fatal_group_exit 508-530).
 */
export function* completeSignal(k: DragonKernel, sig: number, t: Pcb, ctx: TaskContext, pt: PidType = 'TGID'): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'Signal::complete_signal');
  const me = k.pcb(ctx.self);
  const bit = sigmask(sig);
  let wants = false;
  if (k.v === 'master') {
    if (pt === 'PID') wants = yield* k.fn.wantsSignal(k, sig, t);
    else {
      const sel = (l: number) => k.src.at(FILE, { master: l }, 'Signal::select_group_signal_target');
      wants = yield* k.fn.wantsSignal(k, sig, t); // 555
      if (!wants) yield nop(sel(560), 'thread_group_tasks_snapshot(leader): one thread, so no other target (561-563)');
    }
    if (wants) yield* k.fn.sigFatalCheck(k, sig);
  }
  if (pt === 'PID') {
    const w: number = yield* k.fn.siginfoMut(k, t, at({ pr1663: 267, head: 295, master: 456 }));
    yield rmw(
      t.pending,
      (p) => p | bit,
      at({ pr1663: 270, head: 298, master: 459 }),
      'sig_pending_mut().signal_mut().insert(sig)',
    );
    yield* k.fn.siginfoMutDrop(k, t, w, at({ pr1663: 270, head: 298, master: 459 }));
  } else {
    yield* k.fn.sharedPendingSignalInsert(k, me, sig, at({ pr1663: 277, head: 305, master: 466 }));
  }
  if (k.v === 'master') {
    // 472-477: no target — a thread-directed signal still recalcs its thread; a group one returns
    if (!wants) {
      if (pt === 'PID') yield* k.fn.recalcSigpending(k, me, t, at({ master: 474 }));
      yield nop(at({ master: 476 }), 'no target: return');
      return;
    }
    yield* k.fn.recalcSigpending(k, me, t, at({ master: 479 }));
    yield* k.fn.signalWakeUp(k, t, sig === SIG.SIGKILL, ctx);
    return;
  }
  yield* k.fn.recalcSigpending(k, me, t, at({ pr1663: 280, head: 308 }));
  wants = yield* k.fn.wantsSignal(k, sig, t);
  const f: number = yield load(t.flags, at({ pr1663: 289, head: 317 }), 'is_ptrace_sigstop: flags().contains(PTRACED)');
  if (f & PF.PTRACED && sig === SIG.SIGSTOP) wants = true;
  if (!wants) {
    yield nop(at({ pr1663: 304, head: 332 }), 'no wake needed: return');
    return;
  }
  yield* k.fn.signalWakeUp(k, t, sig === SIG.SIGKILL, ctx);
}

/**
 * master start_fatal_group_exit_if_needed → should_start_fatal_group_exit
 * (508-530): sig_fatal (622-634) first; a signal whose default is fatal and
 * whose handler is the default would start a group exit, which the model
 * does not cover.
 */
export function* sigFatalCheck(k: DragonKernel, sig: number): Program<void> {
  const KERNEL_IGNORE_OR_STOP = STOP_MASK | sigmask(SIG.SIGCONT) | sigmask(SIG.SIGCHLD) | sigmask(28) | sigmask(23);
  if (KERNEL_IGNORE_OR_STOP & sigmask(sig)) return; // 623-625: not fatal, no lookup
  yield nop(k.src.at(FILE, { master: 627 }, 'Signal::sig_fatal'), `sighand().handler(${sig})`);
  if (k.action(sig) === 'default') throw new Error('dragonos model: a fatal signal starting a group exit is not modelled');
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
 * recalc_sigpending(None) — pr1663: under R(sig_info) (sig_info_irqsave),
 * HAS_PENDING_SIGNAL is inserted when the thread's pending set, or else the
 * shared one (read under the sighand lock), has an unblocked signal; the
 * remove happens after the guard drops. head and master
 * (recalc_sigpending_tsk, head ipc/signal.rs:748-768, master 925-945) take the
 * sighand read lock first, then R(sig_info), and read shared_pending under
 * the sighand guard. `me` is the task running it (its preempt count).
 */
export function* recalcSigpending(k: DragonKernel, me: Pcb, t: Pcb, ref: string): Program<void> {
  const sighandFirst = k.v !== 'pr1663';
  const sIrq: number = sighandFirst ? yield* k.fn.sighandRead(k, me, ref) : 0;
  const irq: number = yield irqSave(ref, 'recalc_sigpending: sig_info_irqsave(): irq save');
  yield readLock(t.sigInfo, ref, 'recalc_sigpending: sig_info read lock');
  const pending: number = yield load(t.pending, ref, 'has_pending_signals(sig_pending().signal(), …)');
  const blocked: number = yield load(t.blocked, ref, 'sig_blocked()');
  let any = (pending & ~blocked) !== 0;
  if (!any) {
    const shared: number = sighandFirst
      ? yield load(k.sighand.sharedPending, ref, '|| has_pending_signals(sighand_guard.shared_pending.signal(), …)')
      : yield* k.fn.sharedPendingSignal(k, me, ref);
    const blocked2: number = yield load(t.blocked, ref, 'sig_blocked()');
    any = (shared & ~blocked2) !== 0;
  }
  if (any) yield* k.fn.flagsInsert(k, t, PF.HAS_PENDING_SIGNAL, ref);
  yield readUnlock(t.sigInfo, ref, 'recalc_sigpending: read guard dropped');
  yield irqRestore(irq, ref, 'irq restore');
  if (sighandFirst) yield* k.fn.sighandReadDrop(k, me, sIrq, ref);
  if (!any) yield* k.fn.flagsRemove(k, t, PF.HAS_PENDING_SIGNAL, ref);
}

/** recalc_sigpending(Some(guard)) (pr1663): the caller (t itself) holds W(sig_info); insert or remove HAS_PENDING_SIGNAL. */
export function* recalcLocked(k: DragonKernel, t: Pcb, ref: string): Program<void> {
  const pending: number = yield load(t.pending, ref, 'recalc_sigpending(Some(self)): sig_pending');
  const blocked: number = yield load(t.blocked, ref, 'sig_blocked()');
  let any = (pending & ~blocked) !== 0;
  if (!any) {
    const shared: number = yield* k.fn.sharedPendingSignal(k, t, ref);
    const blocked2: number = yield load(t.blocked, ref, 'sig_blocked()');
    any = (shared & ~blocked2) !== 0;
  }
  if (any) yield* k.fn.flagsInsert(k, t, PF.HAS_PENDING_SIGNAL, ref);
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
    const woke: boolean = yield* k.fn.wakeup(k, t, ctx);
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
 * same locked section). `info`: the queue held a siginfo for it.
 */
export function* dequeueLocked(_k: DragonKernel, t: Pcb, sigBlock: number, ref: string): Program<Dequeued> {
  const pending: number = yield load(t.pending, ref, 'dequeue_signal: sig_pending');
  const ready = pending & ~sigBlock;
  if (ready === 0) return { sig: 0, info: false };
  const sig = 31 - Math.clz32(ready & -ready) + 1;
  const bit = sigmask(sig);
  yield store(t.pending, pending & ~bit, ref, `dequeue_signal: ${sig} leaves sig_pending`);
  const q: number = yield rmw(t.sigqueue, (x) => x & ~bit, ref, 'collect_signal: its siginfo leaves the queue');
  return { sig, info: (q & bit) !== 0 };
}
