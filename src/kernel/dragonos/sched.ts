/**
 * sched/mod.rs and sched/fair.rs: schedule, __schedule, activate_task /
 * deactivate_task and the CFS enqueue / dequeue, per variant.
 *
 * pr1663 (sched files of 073432f93) and head dequeue prev in __schedule only
 * when its *sleep flag* is set (073432f93 sched/mod.rs:881-883), never by its
 * state; CFS enqueue of an entity that is already on the rq still adds one to
 * h_nr_running and nr_running (fair.rs:1414 then 1452/1465). Master decides
 * by state, guarded by on_rq (sched/mod.rs:1156-1190), and CFS enqueue
 * returns early for a queued entity (fair.rs:1403-1404).
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
  switchTo,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG, sigmask } from '../common/bits.ts';
import { PF, ST } from './consts.ts';
import type { DragonKernel, Pcb, Rq } from './kernel.ts';

export const SM_NONE = 0;
export const SM_PREEMPT = 1;

const MOD = 'sched/mod.rs';
const FAIR = 'sched/fair.rs';

/** schedule(sched_mod): irqs off, then __schedule; the guard restores irqs when it returns. */
export function* schedule(k: DragonKernel, mode: number, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'schedule');
  const flags: number = yield irqSave(at({ pr1663: 830, head: 849, master: 1070 }), 'save_and_disable_irq');
  yield* k.fn.__schedule(k, mode, ctx);
  yield irqRestore(flags, at({ pr1663: 833, head: 852, master: 1073 }), 'irq guard dropped');
}

/** __schedule(sched_mod): the dequeue decision, pick_next_task, switch_process. */
export function* __schedule(k: DragonKernel, mode: number, ctx: TaskContext): Program<void> {
  const S = k.src;
  const at = (l: Record<string, number | string>) => S.at(MOD, l, k.v === 'master' ? '__schedule_inner' : '__schedule');
  const me = k.pcb(ctx.self);
  if (k.v === 'master' && mode === SM_PREEMPT) {
    const pc: number = yield load(me.preempt, at({ master: 1109 }), 'if current.preempt_count() > 0');
    if (pc > 0) {
      yield* k.fn.flagsInsert(k, me, PF.NEED_SCHEDULE, at({ master: 1110 }));
      return;
    }
  }
  const rq = k.rq(ctx.cpu());
  const irq: number = yield irqSave(at({ pr1663: 841, head: 878, master: 1118 }), 'save_and_disable_irq');
  const prevId: number = yield load(rq.curr, at({ pr1663: 842, head: 879, master: 1123 }), 'prev = rq.current()');
  const prev = k.pcb(prevId);
  if (k.v !== 'master') {
    yield readLock(prev.schedInfo, at({ pr1663: 843, head: 880 }), 'prev.sched_info().inner_lock_read_irqsave()');
    const st: number = yield load(prev.state, at({ pr1663: 843, head: 880 }), 'if state is Exited: prev = current_pcb');
    yield readUnlock(prev.schedInfo, at({ pr1663: 843, head: 880 }), 'read guard dropped');
    if (st === ST.Exited) throw new Error('dragonos model: __schedule from exit is not modelled');
  } else {
    const st: number = yield load(prev.state, at({ master: 1124 }), 'if prev.sched_info().state() is Exited');
    if (st === ST.Exited) throw new Error('dragonos model: __schedule from exit is not modelled');
  }
  yield spinLock(rq.lock, at({ pr1663: 850, head: 887, master: 1134 }), 'rq.self_lock()');
  if (k.v !== 'master') {
    if (mode !== SM_PREEMPT && !prev.idle) {
      yield readLock(prev.schedInfo, at({ pr1663: 883, head: 920 }), 'prev.sched_info().inner_lock_read_irqsave()');
      const sleep: number = yield load(prev.sleep, at({ pr1663: 883, head: 920 }), 'is_mark_sleep()');
      yield readUnlock(prev.schedInfo, at({ pr1663: 883, head: 920 }), 'read guard dropped');
      if (sleep) yield* k.fn.deactivateTask(k, rq, prev);
    }
  } else if (!prev.idle) {
    const st: number = yield load(prev.state, at({ master: 1156 }), 'prev_state = prev.sched_info().state()');
    if (st !== ST.Runnable) yield* k.fn.dequeueNotRunnableMaster(k, rq, prev, st, mode);
  }
  const queue: number = yield load(rq.queue, at({ pr1663: 894, head: 931, master: 1235 }), 'next = rq.pick_next_task(prev)');
  const next = pickNext(k, rq, prev, queue);
  yield* k.fn.flagsRemove(k, prev, PF.NEED_SCHEDULE, at({ pr1663: 912, head: 949, master: 1242 }));
  if (next !== prev.id) {
    yield store(rq.curr, next, at({ pr1663: 922, head: 959, master: 1251 }), 'rq.set_current(next)');
    yield switchTo(next, at({ pr1663: 941, head: 978, master: 1265 }), rq.lock, 'switch_process(prev, next)');
  }
  yield* k.fn.scheduleTail(k, ctx, irq);
}

/**
 * master __schedule_inner 1157-1190 for a prev that is not runnable: a
 * voluntary schedule() of a Stopped task is undone only by a pending
 * SIGKILL (signal_pending_state, ipc/signal.rs:186-200); otherwise, if prev
 * is still queued (on_rq guard), it is dequeued here. Only the Stopped state
 * is modelled (the scenarios block no task here on master).
 */
export function* dequeueNotRunnableMaster(k: DragonKernel, rq: Rq, prev: Pcb, st: number, mode: number): Program<void> {
  const at = (l: number) => k.src.at(MOD, { master: l }, '__schedule_inner');
  if (st !== ST.Stopped) throw new Error('dragonos model: master __schedule_inner with a blocked prev is not modelled');
  if (mode !== SM_PREEMPT) {
    // signal_pending_state(interruptible = false, wake_kill = true, prev)
    const ref = k.src.at('ipc/signal.rs', { master: 195 }, 'Signal::signal_pending_state');
    const f: number = yield load(prev.flags, ref, 'has_pending_signal_fast()');
    if (f & PF.HAS_PENDING_SIGNAL) {
      const fatal = k.src.at('ipc/signal.rs', { master: 204 }, 'Signal::fatal_signal_pending');
      const irq: number = yield irqSave(fatal, 'pcb.sig_info_irqsave(): irq save');
      yield readLock(prev.sigInfo, fatal, 'pcb.sig_info_irqsave(): read lock');
      const pending: number = yield load(prev.pending, fatal, 'sig_pending().signal().contains(SIGKILL)');
      yield readUnlock(prev.sigInfo, fatal, 'read guard dropped');
      yield irqRestore(irq, fatal, 'irq restore');
      if (pending & sigmask(SIG.SIGKILL)) {
        yield store(prev.state, ST.Runnable, at(1170), 'signal_wake: set_state(Runnable)');
        return;
      }
    }
  }
  yield nop(at(1173), 'take_current_migration_target (no migration in the model)');
  yield spinLock(prev.onRqLock, at(1175), 'on_rq.lock_irqsave()');
  const q: number = yield load(prev.onRq, at(1175), 'if on_rq == Queued');
  yield spinUnlock(prev.onRqLock, at(1175), 'on_rq guard dropped');
  if (q !== 1) return;
  yield* k.fn.deactivateTask(k, rq, prev);
  yield load(prev.flags, at(1188), 'flags().contains(IN_IOWAIT)');
}

/**
 * What runs when schedule() returns in a task (also the first steps of a
 * task that starts parked): the rq guard handed across switch_process is
 * dropped, then the irq guards of __schedule and schedule.
 */
export function* scheduleTail(k: DragonKernel, ctx: TaskContext, irq: number): Program<void> {
  const rq = k.rq(ctx.cpu());
  const at = (l: Record<string, number>) => k.src.at(MOD, l, '__schedule');
  yield spinUnlock(rq.lock, at({ pr1663: 949, head: 986, master: 1270 }), 'rq guard dropped after switch_process');
  yield irqRestore(irq, at({ pr1663: 949, head: 986, master: 1270 }), 'irq guard dropped');
}

/** A task that starts parked in schedule(): it resumes there, irqs come back on. */
export function* resumeFromSchedule(k: DragonKernel, ctx: TaskContext): Program<void> {
  yield* k.fn.scheduleTail(k, ctx, 1);
}

/**
 * CpuRunQueue::check_preempt_currnet (sched/mod.rs pr1663 469-490 at
 * 073432f93, head 484-505), called with the rq lock held right after
 * activate_task put `p` on `rq`: may the woken task preempt rq.current()?
 * Policies never change in the model (user tasks are CFS, the idle tasks
 * IDLE), so the policy tests read no shared state: equal policies go to the
 * CFS check, a CFS task waking over the idle task goes straight to
 * resched_current (479-481). Then the tail (484-487) reads current's on_rq
 * under its lock and, if Queued, current's flags (unlocked: LockFreeFlags),
 * for clock_updata_flags (RQCF_REQ_SKIP, rq-local clock bookkeeping the
 * model leaves out).
 */
export function* checkPreemptCurrnet(k: DragonKernel, rq: Rq, p: Pcb, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'CpuRunQueue::check_preempt_currnet');
  const currId: number = yield load(
    rq.curr,
    at({ pr1663: 470, head: 485 }),
    'self.current() (policy of pcb == policy of current?)',
  );
  const curr = k.pcb(currId);
  if (!curr.idle) yield* k.fn.cfsCheckPreemptCurrnet(k, rq, curr, p, ctx);
  else yield* k.fn.reschedCurrent(k, rq, curr, ctx);
  yield spinLock(curr.onRqLock, at({ pr1663: 484, head: 499 }), 'self.current().sched_info().on_rq.lock_irqsave()');
  const q: number = yield load(curr.onRq, at({ pr1663: 484, head: 499 }), '== OnRq::Queued');
  yield spinUnlock(curr.onRqLock, at({ pr1663: 484, head: 499 }), 'on_rq guard dropped');
  if (q === 1) {
    yield load(
      curr.flags,
      at({ pr1663: 485, head: 500 }),
      `${curr.name}.flags().contains(NEED_SCHEDULE): RQCF_REQ_SKIP (not modelled)`,
    );
  }
}

/**
 * CompletelyFairScheduler::check_preempt_currnet (sched/fair.rs pr1663
 * 1562-1638 at 073432f93, head 1570-1646) for a CFS `p` and a CFS current.
 * NEXT_BUDDY is not among SCHED_FEATURES (sched/mod.rs:82-94), no task is
 * idle-policy CFS, and update_current is rq-local accounting: the shared
 * reads left are current's flags (1598, unlocked) and the CFS tree, whose
 * leftmost entity the model takes to be what pick_next_task would choose —
 * the lowest queued task other than current (pickNext below).
 */
export function* cfsCheckPreemptCurrnet(k: DragonKernel, rq: Rq, curr: Pcb, p: Pcb, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(FAIR, l, 'CompletelyFairScheduler::check_preempt_currnet');
  if (curr.id === p.id) return; // 1571: Arc::ptr_eq(&se, &pse)
  const f: number = yield load(
    curr.flags,
    at({ pr1663: 1598, head: 1606 }),
    `if ${curr.name}.flags().contains(NEED_SCHEDULE): return`,
  );
  if (f & PF.NEED_SCHEDULE) return;
  const queue: number = yield load(rq.queue, at({ pr1663: 1632, head: 1640 }), 'cfs_rq.entities.get_first() == pse?');
  if (pickNext(k, rq, curr, queue) === p.id) yield* k.fn.reschedCurrent(k, rq, curr, ctx);
}

/**
 * CpuRunQueue::resched_current (sched/mod.rs pr1663 634-659 at 073432f93,
 * head 655-680): nothing if current already has NEED_SCHEDULE (a plain read
 * of its flags); on the rq's own CPU, NEED_SCHEDULE goes into the *caller's*
 * flags (ProcessManager::current_pcb(), a plain load and store: the assert
 * that it is rq.current() is commented out); on another CPU, a reschedule
 * IPI — send_resched_ipi is IpiKind::KickCpu (1014-1016), the kick IPI.
 */
export function* reschedCurrent(k: DragonKernel, rq: Rq, curr: Pcb, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'CpuRunQueue::resched_current');
  const f: number = yield load(
    curr.flags,
    at({ pr1663: 638, head: 659 }),
    `if ${curr.name}.flags().contains(NEED_SCHEDULE): return`,
  );
  if (f & PF.NEED_SCHEDULE) return;
  if (rq.cpu === ctx.cpu()) {
    yield* k.fn.flagsInsert(k, k.pcb(ctx.self), PF.NEED_SCHEDULE, at({ pr1663: 654, head: 675 }));
    return;
  }
  yield store(rq.ipi, 1, at({ pr1663: 659, head: 680 }), `send_resched_ipi(CPU${rq.cpu}): kick IPI`);
}

/** The lowest queued task other than prev; prev if it is still queued; else idle. */
function pickNext(k: DragonKernel, rq: Rq, prev: Pcb, queue: number): number {
  for (const p of k.pcbs) {
    if (p.id !== prev.id && p.home === rq.cpu && queue & (1 << p.id)) return p.id;
  }
  if (!prev.idle && queue & (1 << prev.id)) return prev.id;
  return rq.idleTask;
}

/** The idle task: wait for a queued task, then schedule to it. */
export function* idleLoop(k: DragonKernel, rq: Rq, ctx: TaskContext): Program<void> {
  for (;;) {
    yield* k.waitForWork(rq);
    yield* k.fn.schedule(k, SM_NONE, ctx);
  }
}

/** pcb.flags().insert(f): LockFreeFlags is an UnsafeCell, so a load then a store. */
export function* flagsInsert(_k: DragonKernel, p: Pcb, f: number, ref: string): Program<void> {
  const old: number = yield load(p.flags, ref, `flags().insert: read ${p.name}.flags`);
  yield store(p.flags, old | f, ref, `flags().insert: write ${p.name}.flags`);
}

export function* flagsRemove(_k: DragonKernel, p: Pcb, f: number, ref: string): Program<void> {
  const old: number = yield load(p.flags, ref, `flags().remove: read ${p.name}.flags`);
  yield store(p.flags, old & ~f, ref, `flags().remove: write ${p.name}.flags`);
}

/** CpuRunQueue::activate_task: read on_rq, enqueue_task, on_rq := Queued, on_cpu := this rq. No check that p is already queued. */
export function* activateTask(k: DragonKernel, rq: Rq, p: Pcb): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'CpuRunQueue::activate_task');
  yield spinLock(p.onRqLock, at({ pr1663: 453, head: 468, master: 647 }), 'on_rq.lock_irqsave()');
  yield load(p.onRq, at({ pr1663: 453, head: 468, master: 647 }), 'if on_rq == Migrating');
  yield spinUnlock(p.onRqLock, at({ pr1663: 453, head: 468, master: 647 }), 'on_rq guard dropped');
  yield* k.fn.enqueueTask(k, rq, p);
  yield spinLock(p.onRqLock, at({ pr1663: 463, head: 478, master: 659 }), 'on_rq.lock_irqsave()');
  yield store(p.onRq, 1, at({ pr1663: 463, head: 478, master: 659 }), 'on_rq = Queued');
  yield spinUnlock(p.onRqLock, at({ pr1663: 463, head: 478, master: 659 }), 'on_rq guard dropped');
  yield store(p.onCpu, rq.cpu, at({ pr1663: 464, head: 479, master: 660 }), 'set_on_cpu(Some(self.cpu))');
}

/**
 * enqueue_task → CompletelyFairScheduler::enqueue. pr1663/head: an entity
 * already on the rq breaks out of the first loop (1414) but the second loop
 * and add_nr_running still run: nr_running grows by one with nothing added.
 * master returns early (1403-1404).
 */
export function* enqueueTask(k: DragonKernel, rq: Rq, p: Pcb): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(FAIR, l, 'CompletelyFairScheduler::enqueue');
  const on: number = yield load(p.seOnRq, at({ pr1663: 1414, head: 1422, master: 1403 }), 'if se.on_rq()');
  if (on) {
    if (k.v === 'master') return;
    yield rmw(rq.nr, (n) => n + 1, at({ pr1663: 1465, head: 1473 }), 'second loop h_nr_running += 1; rq.add_nr_running(1)');
    return;
  }
  yield store(p.seOnRq, 1, at({ pr1663: 1420, head: 1428, master: 1409 }), 'cfs_rq.enqueue_entity(se): se.on_rq = true');
  const bit = 1 << p.id;
  yield rmw(rq.queue, (q) => q | bit, at({ pr1663: 1420, head: 1428, master: 1409 }), 'enqueue_entity: into the CFS tree');
  yield rmw(rq.nr, (n) => n + 1, at({ pr1663: 1465, head: 1473, master: 1454 }), 'h_nr_running += 1; rq.add_nr_running(1)');
}

/** deactivate_task(DEQUEUE_SLEEP): on_rq := None, then the CFS dequeue (no on_rq guard). */
export function* deactivateTask(k: DragonKernel, rq: Rq, p: Pcb): Program<void> {
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'CpuRunQueue::deactivate_task');
  yield spinLock(p.onRqLock, at({ pr1663: 494, head: 509, master: 734 }), 'on_rq.lock_irqsave()');
  yield store(p.onRq, 0, at({ pr1663: 494, head: 509, master: 734 }), 'on_rq = None');
  yield spinUnlock(p.onRqLock, at({ pr1663: 494, head: 509, master: 734 }), 'on_rq guard dropped');
  const atF = (l: Record<string, number>) => k.src.at(FAIR, l, 'CompletelyFairScheduler::dequeue');
  yield store(p.seOnRq, 0, atF({ pr1663: 1481, head: 1489, master: 1470 }), 'dequeue_entity: se.on_rq = false');
  const bit = 1 << p.id;
  yield rmw(rq.queue, (q) => q & ~bit, atF({ pr1663: 1481, head: 1489, master: 1470 }), 'dequeue_entity: out of the CFS tree');
  yield rmw(rq.nr, (n) => n - 1, atF({ pr1663: 1534, head: 1542, master: 1523 }), 'h_nr_running -= 1; rq.sub_nr_running(1)');
}
