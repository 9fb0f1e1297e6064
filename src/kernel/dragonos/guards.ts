/**
 * The DragonOS locks' own rules, as the engine checks them (LockGuard): in
 * the Rust source each of these fields lives inside its lock
 * (`RwLock<T>`, `SpinLock<T>`), so no read or write of it compiles without
 * the guard the lock returns — every access of the model's cell must be
 * made while its CPU holds the lock (write-held for a write under an
 * RwLock). Fields the source keeps outside a lock are not listed: `on_cpu`
 * (an atomic), `flags` (LockFreeFlags), `preempt_count`, the parent links,
 * the CFS entity's `on_rq`, and `rq.current`, which kick() reads without the
 * rq lock (process/mod.rs ProcessManager::kick); its writes are under it.
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { LockGuard } from '../../model/types.ts';
import { GUARD_HELD } from './consts.ts';
import type { DragonKernel } from './kernel.ts';

/** Declares the lock rules for every pcb, runqueue and the sighand. After the runqueues exist (DragonKernel.finish). */
export function declareDragonGuards(b: ModelBuilder, k: DragonKernel): void {
  const c = k.src;
  const v = k.v;
  const any = { pr1663: '', head: '', master: '' };
  const ptraceSrc = v === 'master' ? null : { pr1663: '', head: '' };
  const held = (g: Omit<LockGuard, 'invariant'>) => b.guardedBy({ ...g, invariant: GUARD_HELD });
  for (const p of k.pcbs) {
    if (v !== 'master') {
      b.guardedBy({
        cells: [p.state, p.sleep],
        lock: p.schedInfo,
        access: 'read-write',
        source: c.at(
          'process/mod.rs',
          { pr1663: '', head: '' },
          'ProcessSchedulerInfo: state and sleep are fields of inner_locked: RwLock<InnerSchedInfo>',
        ),
        invariant: GUARD_HELD,
      });
    }
    held({
      cells: [p.onRq],
      lock: p.onRqLock,
      access: 'read-write',
      source: c.at('process/mod.rs', any, 'ProcessSchedulerInfo: on_rq: SpinLock<OnRq>'),
    });
    held({
      cells: [p.pending, p.sigqueue, p.blocked],
      lock: p.sigInfo,
      access: 'read-write',
      source: c.at('process/mod.rs', any, 'ProcessControlBlock: sig_info: RwLock<ProcessSignalInfo> (sig_pending, sig_blocked)'),
    });
    if (ptraceSrc !== null) {
      held({
        cells: [p.injected, p.tracer, ...(p.stopInfo ? [p.stopInfo.eventMessage, p.stopInfo.lastSiginfo] : [])],
        lock: p.ptraceLock,
        access: 'read-write',
        source: c.at(
          'process/ptrace.rs',
          ptraceSrc,
          'ProcessControlBlock: ptrace_state: SpinLock<PtraceState> (tracer, injected_signal, event_message, last_siginfo)',
        ),
      });
    }
  }
  held({
    cells: [k.sighand.flags, k.sighand.sharedPending, k.sighand.sharedQueue],
    lock: k.sighand.lock,
    access: 'read-write',
    source: c.at('ipc/sighand.rs', any, 'SigHand: inner: RwLock<InnerSigHand> (flags, shared_pending)'),
  });
  for (const rq of k.rqs) {
    const rqSrc = c.at('sched/mod.rs', any, 'CpuRunQueue: its queue and nr_running are reached through self_lock()');
    held({ cells: [rq.queue, rq.nr], lock: rq.lock, access: 'read-write', source: rqSrc });
    held({ cells: [rq.curr], lock: rq.lock, access: 'write', source: rqSrc });
  }
}
