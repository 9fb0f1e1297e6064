/**
 * process/ptrace.rs (pr1663, head) and the sys_ptrace dispatch in
 * process/syscall/sys_ptrace.rs: ptrace_stop, ptrace_signal, notify_tracer,
 * ptrace_unlink, detach (PTRACE_DETACH) and ptrace_resume (PTRACE_CONT).
 * Master has none of these (its sys_ptrace.rs:37-53 accepts only
 * PTRACE_TRACEME); calling one on master is a model error.
 *
 * Abstracted: notify_tracer's SIGCHLD to the tracer (the tracer keeps
 * SIGCHLD at SIG_DFL, which prepare_sianal drops; the steps touch only the
 * tracer's own signal state) and its wake_one on the tracer's wait queue (no
 * modelled task waits there: the tracers of these scenarios do not call
 * waitpid) are marker steps; siginfo rebuilding reads the tracer link only;
 * the cred lock of ptrace_unlink is a marker step (no other modelled task
 * takes it).
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
  spinLock,
  spinUnlock,
  store,
  writeLock,
  writeUnlock,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG, sigmask } from '../common/bits.ts';
import { PF, SF, ST } from './consts.ts';
import type { DragonKernel, Pcb } from './kernel.ts';
import { noteResume, noteReturn, noteStop } from './resume-ghosts.ts';
import { SM_NONE } from './sched.ts';
import { STOP_MASK } from './signal.ts';

const FILE = 'process/ptrace.rs';

function noMaster(k: DragonKernel, fn: string): void {
  if (k.v === 'master') throw new Error(`dragonos model: ${fn} does not exist on master (no ptrace stop machinery)`);
}

/** Ghost bookkeeping for `signal-handled-once`: what the tracee owes each signal. */
export interface SignalLedger {
  /** a signal was dequeued, or a tracer's injection replaced one: it must now be handled once */
  owe(sig: number, ctx: TaskContext): void;
  /** the tracer discarded or replaced it, or it was handled */
  settle(sig: number, ctx: TaskContext, handled: boolean): void;
}

/** tracer(): ptrace_state.lock().tracer */
export function* tracerOf(k: DragonKernel, me: Pcb, t: Pcb, ref: string): Program<number> {
  yield* k.fn.lockNoPreempt(k, me, spinLock(t.ptraceLock, ref, 'ptrace_state.lock()'));
  const tr: number = yield load(t.tracer, ref, 'ptrace_state.tracer');
  yield* k.fn.unlockPreempt(k, me, spinUnlock(t.ptraceLock, ref, 'ptrace_state guard dropped'));
  return tr;
}

/**
 * ptrace_stop(exit_code, Trapped) — pr1663 373-426: no is_traced or fatal
 * check; TRAPPING; TracedStopped + sleep under W(sched_info); notify the
 * current parent; schedule(); read and clear injected_signal. head 653-738
 * adds the is_traced (662) and fatal-signal (672-679) checks first.
 */
export function* ptraceStop(
  k: DragonKernel,
  me: Pcb,
  exitCode: number,
  ctx: TaskContext,
  resumed = false,
  info = true,
): Program<number> {
  noMaster(k, 'ptrace_stop');
  if (!resumed) yield* k.fn.ptraceStopUntilSchedule(k, me, exitCode, ctx, info);
  return yield* k.fn.ptraceStopAfterSchedule(k, me, ctx, info);
}

/** ptrace_state's event_message and last_siginfo of a task in ptrace_stop (spawned traced). */
function stopInfo(me: Pcb): NonNullable<Pcb['stopInfo']> {
  if (me.stopInfo === null) throw new Error(`dragonos model: ${me.name} reaches ptrace_stop but was not spawned traced`);
  return me.stopInfo;
}

/** ptrace_stop up to and including schedule(). `info`: ptrace_signal passed Some(siginfo). */
export function* ptraceStopUntilSchedule(
  k: DragonKernel,
  me: Pcb,
  exitCode: number,
  ctx: TaskContext,
  info = true,
): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'ProcessControlBlock::ptrace_stop');
  if (k.v === 'head') {
    const tr: number = yield* k.fn.tracerOf(k, me, me, at({ head: 662 }));
    if (tr === 0)
      throw new Error('dragonos model: head ptrace_stop of an untraced task returns exit_code; not reached by the scenarios');
    const irq: number = yield irqSave(at({ head: 673 }), 'fatal_signal_pending: sig_info_irqsave(): irq save');
    yield readLock(me.sigInfo, at({ head: 673 }), 'fatal_signal_pending: sig_info read lock');
    const pending: number = yield load(me.pending, at({ head: 673 }), 'sig_pending contains SIGKILL?');
    yield readUnlock(me.sigInfo, at({ head: 673 }), 'read guard dropped');
    yield irqRestore(irq, at({ head: 673 }), 'irq restore');
    if (pending & sigmask(SIG.SIGKILL)) throw new Error('dragonos model: fatal signal pending in ptrace_stop is not modelled');
    void exitCode;
  }
  noteStop(k, me, ctx);
  yield* k.fn.flagsInsert(k, me, PF.TRAPPING, at({ pr1663: 380, head: 683 }));
  const irq: number = yield irqSave(at({ pr1663: 383, head: 684 }), 'inner_lock_write_irqsave(): irq save');
  yield writeLock(me.schedInfo, at({ pr1663: 383, head: 684 }), 'inner_lock_write_irqsave()');
  yield store(me.state, ST.TracedStopped, at({ pr1663: 384, head: 685 }), 'set_state(TracedStopped(exit_code))');
  yield store(me.sleep, 1, at({ pr1663: 385, head: 686 }), 'set_sleep()');
  if (k.v === 'head') {
    if (info) {
      yield* k.fn.lockNoPreempt(k, k.pcb(ctx.self), spinLock(me.ptraceLock, at({ head: 689 }), 'ptrace_state.lock()'));
      yield store(stopInfo(me).lastSiginfo, exitCode, at({ head: 689 }), 'set_last_siginfo(*info)');
      yield* k.fn.unlockPreempt(k, k.pcb(ctx.self), spinUnlock(me.ptraceLock, at({ head: 689 }), 'ptrace_state guard dropped'));
    }
    yield* k.fn.flagsRemove(k, me, PF.TRAPPING, at({ head: 698 }));
  }
  yield writeUnlock(me.schedInfo, at({ pr1663: 386, head: 700 }), 'drop(sched_info)');
  yield irqRestore(irq, at({ pr1663: 386, head: 700 }), 'irq restore');
  if (k.v === 'pr1663') {
    yield* k.fn.lockNoPreempt(k, k.pcb(ctx.self), spinLock(me.ptraceLock, at({ pr1663: 393 }), 'ptrace_state.lock()'));
    yield store(stopInfo(me).eventMessage, 0, at({ pr1663: 393 }), 'event_message = 0');
    yield* k.fn.unlockPreempt(k, k.pcb(ctx.self), spinUnlock(me.ptraceLock, at({ pr1663: 393 }), 'guard dropped'));
  }
  const parent: number = yield load(me.parent, at({ pr1663: 396, head: 703 }), 'self.parent_pcb()');
  if (parent !== 0) yield* k.fn.notifyTracer(k, me, ctx);
  if (k.v === 'pr1663') yield* k.fn.flagsRemove(k, me, PF.TRAPPING, at({ pr1663: 401 }));
  yield* k.fn.schedule(k, SM_NONE, ctx);
}

/**
 * ptrace_stop after schedule() returns: take and clear injected_signal;
 * head also copies last_siginfo back into the caller's siginfo (718-722)
 * and clears it and event_message (725-726).
 */
export function* ptraceStopAfterSchedule(k: DragonKernel, me: Pcb, ctx: TaskContext, info = true): Program<number> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'ProcessControlBlock::ptrace_stop');
  yield* k.fn.lockNoPreempt(k, k.pcb(ctx.self), spinLock(me.ptraceLock, at({ pr1663: 412, head: 716 }), 'ptrace_state.lock()'));
  if (k.v === 'head' && info) yield load(stopInfo(me).lastSiginfo, at({ head: 718 }), '*info_ref = last_siginfo()');
  const inj: number = yield load(me.injected, at({ pr1663: 413, head: 724 }), 'injected_signal');
  noteReturn(k, me, inj, ctx);
  if (k.v === 'head') {
    yield store(stopInfo(me).lastSiginfo, 0, at({ head: 725 }), 'clear_last_siginfo()');
    yield store(stopInfo(me).eventMessage, 0, at({ head: 726 }), 'event_message = 0');
  }
  if (inj !== 0) yield store(me.injected, 0, at({ pr1663: 420, head: 732 }), 'injected_signal = INVALID');
  yield* k.fn.unlockPreempt(k, k.pcb(ctx.self), spinUnlock(me.ptraceLock, at({ pr1663: 423, head: 735 }), 'drop(ptrace_state)'));
  return inj;
}

/** notify_tracer (pr1663 428-487, head 740-796). */
export function* notifyTracer(k: DragonKernel, me: Pcb, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'ProcessControlBlock::notify_tracer');
  if (k.v === 'pr1663') {
    const irq: number = yield irqSave(at({ pr1663: 430 }), 'self.exit_code(): inner_lock_read_irqsave(): irq save');
    yield readLock(me.schedInfo, at({ pr1663: 430 }), 'exit_code(): inner_lock_read_irqsave()');
    yield load(me.state, at({ pr1663: 430 }), 'TracedStopped(code) => code & 0x7f');
    yield readUnlock(me.schedInfo, at({ pr1663: 430 }), 'read guard dropped');
    yield irqRestore(irq, at({ pr1663: 430 }), 'irq restore');
  }
  yield nop(at({ pr1663: 475, head: 772 }), 'SIGCHLD to the tracer (SIG_DFL: dropped by prepare_sianal)');
  yield nop(at({ pr1663: 483, head: 788 }), 'tracer.wait_queue wake_one (no waiter)');
  void ctx;
}

/**
 * ptrace_signal(pcb, sig, info) — pr1663 22-89, head 312-378. Returns the
 * signal to deliver instead, or 0 (None).
 */
export function* ptraceSignal(
  k: DragonKernel,
  me: Pcb,
  sig: number,
  ledger: SignalLedger,
  ctx: TaskContext,
  resumed = false,
  info = true,
): Program<number> {
  noMaster(k, 'ptrace_signal');
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'ptrace_signal');
  const signr: number = yield* k.fn.ptraceStop(k, me, sig, ctx, resumed, info);
  // From here the original signal is settled: the tracer discarded it or replaced it with signr.
  ledger.settle(sig, ctx, false);
  if (signr === 0) {
    yield nop(at({ pr1663: 32, head: 329 }), 'signr == 0: return None (original discarded)');
    return 0;
  }
  ledger.owe(signr, ctx);
  // pr1663 41-44: `if injected != original { if let Some(info_ref) = info { tracer() … } }`;
  // head 339-343: `if let Some(info_ref) = info { if injected != info.signo { parent_pcb() … } }`.
  // `info` is None when the dequeued signal had no siginfo in its queue.
  if (signr !== sig && info) {
    if (k.v === 'pr1663') yield* k.fn.tracerOf(k, me, me, at({ pr1663: 44 }));
    else yield load(me.parent, at({ head: 343 }), 'parent_pcb() to rebuild the siginfo');
  }
  if (k.v === 'pr1663' && signr === SIG.SIGCONT) {
    yield* k.fn.lockNoPreempt(k, me, writeLock(me.sigInfo, at({ pr1663: 62 }), 'pcb.sig_info.write() (not irqsave)'));
    yield rmw(me.pending, (p) => p & ~STOP_MASK, at({ pr1663: 70 }), 'remove SIGSTOP/TSTP/TTIN/TTOU from thread pending');
    yield* k.fn.unlockPreempt(k, me, writeUnlock(me.sigInfo, at({ pr1663: 72 }), 'drop(sig_info)'));
    return signr;
  }
  const irq: number = yield irqSave(at({ pr1663: 77, head: 359 }), 'pcb.sig_info_irqsave(): irq save');
  yield readLock(me.sigInfo, at({ pr1663: 77, head: 359 }), 'pcb.sig_info_irqsave(): read lock');
  const blocked: number = yield load(me.blocked, at({ pr1663: 78, head: 360 }), 'sig_blocked().contains(injected)');
  if (k.v === 'head') {
    yield readUnlock(me.sigInfo, at({ head: 361 }), 'guard dropped');
    yield irqRestore(irq, at({ head: 361 }), 'irq restore');
    const irq2: number = yield irqSave(at({ head: 363 }), 'fatal_signal_pending: irq save');
    yield readLock(me.sigInfo, at({ head: 363 }), 'fatal_signal_pending: sig_info read lock');
    const pending: number = yield load(me.pending, at({ head: 363 }), 'sig_pending contains SIGKILL?');
    yield readUnlock(me.sigInfo, at({ head: 363 }), 'read guard dropped');
    yield irqRestore(irq2, at({ head: 363 }), 'irq restore');
    if (blocked & sigmask(signr) || pending & sigmask(SIG.SIGKILL)) {
      throw new Error('dragonos model: re-queueing a blocked injected signal is not modelled');
    }
    return signr;
  }
  if (blocked & sigmask(signr)) {
    // 83-84: send_signal_info_to_pcb while this read guard is held (a self-deadlock on sig_info)
    yield* k.fn.sendSignal(k, signr, me, ctx, 'PID');
    return 0;
  }
  yield readUnlock(me.sigInfo, at({ pr1663: 88 }), 'sig_info guard dropped at return');
  yield irqRestore(irq, at({ pr1663: 88 }), 'irq restore');
  return signr;
}

/** ptrace_unlink — pr1663 518-564: relink to the real parent, clear the tracer; no state change, no wake. head 844-925 wakes a TracedStopped tracee. */
export function* ptraceUnlink(k: DragonKernel, t: Pcb, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'ProcessControlBlock::ptrace_unlink');
  const tr: number = yield* k.fn.tracerOf(k, k.pcb(ctx.self), t, at({ pr1663: 520, head: 846 }));
  if (tr === 0) throw new Error('dragonos model: ptrace_unlink of an untraced task (EINVAL) is not modelled');
  if (k.v === 'head') yield nop(at({ head: 854 }), "tracer.ptraced_list.write_irqsave(): remove (only the tracer's list)");
  const rp: number = yield load(t.realParent, at({ pr1663: 526, head: 861 }), 'real_parent_pcb()');
  yield store(t.parent, rp, at({ pr1663: 527, head: 864 }), 'set_parent(real_parent)');
  if (k.v === 'pr1663') yield nop(at({ pr1663: 535 }), 'cred.lock() taken and dropped');
  // clear_tracer (177-181 / head)
  yield* k.fn.lockNoPreempt(
    k,
    k.pcb(ctx.self),
    spinLock(t.ptraceLock, at({ pr1663: 540, head: 867 }), 'clear_tracer: ptrace_state.lock()'),
  );
  yield store(t.tracer, 0, at({ pr1663: 540, head: 867 }), 'clear_tracer: tracer = None');
  yield* k.fn.unlockPreempt(
    k,
    k.pcb(ctx.self),
    spinUnlock(t.ptraceLock, at({ pr1663: 540, head: 867 }), 'ptrace_state guard dropped'),
  );
  yield* k.fn.flagsRemove(k, t, PF.PTRACED | PF.TRACE_SYSCALL, at({ pr1663: 540, head: 867 }));
  if (k.v === 'pr1663') {
    yield* k.fn.flagsRemove(k, t, PF.PTRACED | PF.TRACE_SYSCALL, at({ pr1663: 542 }));
    return;
  }
  yield* k.fn.flagsRemove(k, t, PF.TRAPPING, at({ head: 870 }));
  yield load(t.flags, at({ head: 873 }), 'flags().contains(EXITING)');
  const stopStopped: boolean = yield* k.fn.sighandHas(k, k.pcb(ctx.self), SF.STOP_STOPPED, at({ head: 875 }));
  const irq: number = yield irqSave(at({ head: 879 }), 'inner_lock_read_irqsave(): irq save');
  yield readLock(t.schedInfo, at({ head: 879 }), 'inner_lock_read_irqsave()');
  const st: number = yield load(t.state, at({ head: 880 }), 'is it TracedStopped?');
  yield readUnlock(t.schedInfo, at({ head: 889 }), 'read guard dropped');
  yield irqRestore(irq, at({ head: 889 }), 'irq restore');
  if (st !== ST.TracedStopped) return;
  if (stopStopped) throw new Error('dragonos model: detach into a group stop is not modelled');
  yield* k.fn.wakeup(k, t, ctx);
}

/**
 * PTRACE_DETACH: sys_ptrace handle → (head: ptrace_check_attach) → detach.
 * pr1663 688-767: unlink, inject SIGCONT (data 0), then wake by hand:
 * Runnable or just sleep := false, and activate_task with no on_rq check.
 * head 1048-1076: inject data (0 = none), ptrace_unlink (which wakes).
 */
export function* ptraceDetach(k: DragonKernel, t: Pcb, ctx: TaskContext): Program<number> {
  noMaster(k, 'PTRACE_DETACH');
  const me = k.pcb(ctx.self);
  if (k.v === 'head') {
    const ok: boolean = yield* k.fn.ptraceCheckAttach(k, t, me, ctx);
    if (!ok) return -3; // ESRCH
  }
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'ProcessControlBlock::detach');
  const tr: number = yield* k.fn.tracerOf(k, k.pcb(ctx.self), t, at({ pr1663: 691, head: 1052 }));
  if (tr !== me.id + 1) return -1; // EPERM
  if (k.v === 'head') {
    yield* k.fn.lockNoPreempt(k, k.pcb(ctx.self), spinLock(t.ptraceLock, at({ head: 1068 }), 'ptrace_state.lock()'));
    yield store(t.injected, 0, at({ head: 1069 }), 'injected_signal = INVALID (data 0)');
    noteResume(k, t, 0, ctx);
    yield* k.fn.unlockPreempt(k, k.pcb(ctx.self), spinUnlock(t.ptraceLock, at({ head: 1070 }), 'drop(ptrace_state)'));
    yield* k.fn.ptraceUnlink(k, t, ctx);
    return 0;
  }
  yield* k.fn.ptraceUnlink(k, t, ctx);
  yield* k.fn.lockNoPreempt(k, k.pcb(ctx.self), spinLock(t.ptraceLock, at({ pr1663: 727 }), 'ptrace_state.lock()'));
  yield store(t.injected, SIG.SIGCONT, at({ pr1663: 728 }), 'injected_signal = data.unwrap_or(SIGCONT)');
  noteResume(k, t, SIG.SIGCONT, ctx);
  yield* k.fn.unlockPreempt(k, k.pcb(ctx.self), spinUnlock(t.ptraceLock, at({ pr1663: 729 }), 'drop(ptrace_state)'));
  const irq: number = yield irqSave(at({ pr1663: 732 }), 'inner_lock_write_irqsave(): irq save');
  yield writeLock(t.schedInfo, at({ pr1663: 732 }), 'inner_lock_write_irqsave()');
  const st: number = yield load(t.state, at({ pr1663: 734 }), 'match sched_info.state()');
  if (st === ST.TracedStopped || st === ST.Stopped) {
    yield store(t.state, ST.Runnable, at({ pr1663: 737 }), 'set_state(Runnable)');
    yield store(t.sleep, 0, at({ pr1663: 738 }), 'set_wakeup()');
  } else {
    yield store(t.sleep, 0, at({ pr1663: 742 }), '_ => set_wakeup() only');
  }
  yield writeUnlock(t.schedInfo, at({ pr1663: 745 }), 'drop(sched_info)');
  yield irqRestore(irq, at({ pr1663: 745 }), 'irq restore');
  const cpu: number = yield load(t.onCpu, at({ pr1663: 750 }), 'cpu_rq(on_cpu)');
  const rq = k.rq(cpu);
  const irq2: number = yield irqSave(at({ pr1663: 755 }), 'rq.self_lock(): lock_irqsave: irq save');
  yield spinLock(rq.lock, at({ pr1663: 755 }), 'rq.self_lock()');
  yield* k.fn.activateTask(k, rq, t);
  // 764 rq.check_preempt_currnet(T) (sched/mod.rs:469-490 at 073432f93), still under the rq
  // lock: reads rq.current's flags (unlocked), and through resched_current (634-659) sets
  // NEED_SCHEDULE in the caller's own flags (T's rq is the caller's CPU) or sends a reschedule IPI
  yield* k.fn.checkPreemptCurrnet(k, rq, t, ctx);
  yield spinUnlock(rq.lock, at({ pr1663: 767 }), 'rq guard dropped');
  yield irqRestore(irq2, at({ pr1663: 767 }), 'irq restore');
  return 0;
}

/** head sys_ptrace.rs:682-695 ptrace_check_attach: traced by me and TracedStopped — a check, not a freeze. */
export function* ptraceCheckAttach(k: DragonKernel, t: Pcb, me: Pcb, ctx: TaskContext): Program<boolean> {
  const at = (l: Record<string, number>) => k.src.at('process/syscall/sys_ptrace.rs', l, 'ptrace_check_attach');
  const tr: number = yield* k.fn.tracerOf(k, k.pcb(ctx.self), t, at({ head: 684 }));
  if (tr !== me.id + 1) return false;
  const irq: number = yield irqSave(at({ head: 688 }), 'inner_lock_read_irqsave(): irq save');
  yield readLock(t.schedInfo, at({ head: 688 }), 'inner_lock_read_irqsave()');
  const st: number = yield load(t.state, at({ head: 689 }), 'state is TracedStopped?');
  yield readUnlock(t.schedInfo, at({ head: 690 }), 'read guard dropped');
  yield irqRestore(irq, at({ head: 690 }), 'irq restore');
  return st === ST.TracedStopped;
}

/**
 * PTRACE_CONT with data = sig. pr1663 ptrace_resume 770-820: no tracer or
 * state check; Runnable (or just sleep := false), then enqueue_task straight
 * on the CFS rq (on_rq not updated, no queued check). head 1079-1170 after
 * ptrace_check_attach: injected_signal, then wakeup() if TracedStopped.
 */
export function* ptraceCont(k: DragonKernel, t: Pcb, sig: number, ctx: TaskContext): Program<number> {
  noMaster(k, 'PTRACE_CONT');
  const me = k.pcb(ctx.self);
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'ProcessControlBlock::ptrace_resume');
  if (k.v === 'head') {
    const ok: boolean = yield* k.fn.ptraceCheckAttach(k, t, me, ctx);
    if (!ok) return -3;
    yield* k.fn.lockNoPreempt(k, k.pcb(ctx.self), spinLock(t.ptraceLock, at({ head: 1148 }), 'ptrace_state.lock()'));
    yield store(t.injected, sig, at({ head: 1149 }), 'injected_signal = resume_signal');
    noteResume(k, t, sig, ctx);
    yield* k.fn.unlockPreempt(k, k.pcb(ctx.self), spinUnlock(t.ptraceLock, at({ head: 1150 }), 'drop(ptrace_state)'));
    const irq: number = yield irqSave(at({ head: 1153 }), 'inner_lock_read_irqsave(): irq save');
    yield readLock(t.schedInfo, at({ head: 1153 }), 'inner_lock_read_irqsave()');
    const st: number = yield load(t.state, at({ head: 1154 }), 'wake_traced = state is TracedStopped');
    yield readUnlock(t.schedInfo, at({ head: 1155 }), 'drop(sched_info)');
    yield irqRestore(irq, at({ head: 1155 }), 'irq restore');
    if (st === ST.TracedStopped) yield* k.fn.wakeup(k, t, ctx);
    return 0;
  }
  yield* k.fn.flagsRemove(k, t, PF.STOPPED, at({ pr1663: 788 }));
  yield* k.fn.lockNoPreempt(k, k.pcb(ctx.self), spinLock(t.ptraceLock, at({ pr1663: 791 }), 'ptrace_state.lock()'));
  yield store(t.injected, sig, at({ pr1663: 792 }), 'injected_signal = resume_signal');
  noteResume(k, t, sig, ctx);
  yield* k.fn.unlockPreempt(k, k.pcb(ctx.self), spinUnlock(t.ptraceLock, at({ pr1663: 793 }), 'drop(ptrace_state)'));
  const irq: number = yield irqSave(at({ pr1663: 796 }), 'inner_lock_write_irqsave(): irq save');
  yield writeLock(t.schedInfo, at({ pr1663: 796 }), 'inner_lock_write_irqsave()');
  const st: number = yield load(t.state, at({ pr1663: 798 }), 'match sched_info.state()');
  if (st === ST.TracedStopped || st === ST.Stopped) {
    yield store(t.state, ST.Runnable, at({ pr1663: 800 }), 'set_state(Runnable)');
    yield store(t.sleep, 0, at({ pr1663: 801 }), 'set_wakeup()');
  } else {
    yield store(t.sleep, 0, at({ pr1663: 804 }), '_ => set_wakeup() only');
  }
  yield writeUnlock(t.schedInfo, at({ pr1663: 807 }), 'drop(sched_info)');
  yield irqRestore(irq, at({ pr1663: 807 }), 'irq restore');
  const rq = k.rqOf(t);
  const irq2: number = yield irqSave(at({ pr1663: 812 }), 'rq.self_lock(): lock_irqsave: irq save');
  yield spinLock(rq.lock, at({ pr1663: 812 }), 'rq.self_lock() of se.cfs_rq().rq()');
  yield* k.fn.enqueueTask(k, rq, t);
  yield spinUnlock(rq.lock, at({ pr1663: 817 }), 'rq guard dropped');
  yield irqRestore(irq2, at({ pr1663: 817 }), 'irq restore');
  return 0;
}
