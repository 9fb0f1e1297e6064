/**
 * kernel/sched/core.c (Linux 6.6.9): wakeups, __schedule and the context
 * switch, step by step. Line numbers are 6.6.9's.
 *
 * Abstracted, everywhere in this file: statistics and tracing (schedstats,
 * psi, delayacct, sched_info, trace points), the rq clock, cgroups and
 * bandwidth, RT/deadline classes (every task is CFS), uclamp, core
 * scheduling, RCU bookkeeping, mm switching, balance callbacks, load
 * balancing, and the contents of the CFS rbtree (a runqueue is a set; see
 * pick_next_task). nr_uninterruptible and iowait are counters nothing here
 * reads.
 *
 * The wake-list path (ttwu_queue_wakelist, core.c:4320 and 4027) is behind
 * a switch, LinuxOptions.ttwuQueue (sched_feat(TTWU_QUEUE)): with it, a
 * wakee still on its CPU, or one bound for another CPU with nothing to run,
 * goes on that CPU's call_single_queue and the IPI's handler enqueues it
 * (sched_ttwu_pending) — the enqueue then happens without the waker's
 * pi_lock. Without it (the default) every enqueue is the direct path's,
 * under pi_lock and rq->lock. One LLC: ttwu_queue_cond's other-LLC case
 * never applies.
 */
import {
  awaitCond,
  BARRIER,
  check,
  fence,
  irqDisable,
  irqEnable,
  load,
  nop,
  type Program,
  preemptDisable,
  preemptEnable,
  rmw,
  spinLock,
  spinUnlock,
  store,
  switchTo,
} from '../../../cpu/ops.ts';
import type { TaskContext } from '../../../model/types.ts';
import { fifoAddTail, fifoEntries } from '../../common/fifo.ts';
import {
  SM_NONE,
  SM_PREEMPT,
  TASK_DEAD,
  TASK_NORMAL,
  TASK_ON_RQ_QUEUED,
  TASK_RUNNING,
  TASK_WAKING,
  TIF_NEED_RESCHED,
} from '../consts.ts';
import type { LinuxKernel } from '../kernel.ts';
import { raw_spin_lock_irqsave, raw_spin_unlock_irqrestore } from '../locking.ts';
import type { LinuxTask, Runqueue } from '../objects.ts';

const C = 'linux-6.6 kernel/sched/core.c';
const r = (line: number, fn: string) => `${C}:${line} ${fn}`;

/** wake_flags (kernel/sched/sched.h:2162-2170) */
export const WF_SYNC = 0x10;

// ---- enqueue / dequeue ---------------------------------------------------------

/**
 * activate_task — core.c:2125-2135 [rq->lock held]: enqueue_task (the class
 * hook; here: add p to the runqueue's set, nr_running++), then
 * `p->on_rq = TASK_ON_RQ_QUEUED`.
 */
export function* activate_task(_k: LinuxKernel, _ctx: TaskContext, rq: Runqueue, p: LinuxTask): Program<void> {
  const bit = 1 << p.id;
  yield rmw(rq.queued, (q) => q | bit, r(2132, 'activate_task'), `enqueue_task(rq, ${p.name}): enqueue_entity`);
  yield rmw(rq.nr_running, (n) => n + 1, r(2132, 'activate_task'), 'enqueue_task: add_nr_running(rq, 1)');
  yield store(p.on_rq, TASK_ON_RQ_QUEUED, r(2134, 'activate_task'), 'p->on_rq = TASK_ON_RQ_QUEUED');
}

/** deactivate_task — core.c:2137-2142 [rq->lock held]: `p->on_rq = 0`, then dequeue_task. */
export function* deactivate_task(_k: LinuxKernel, _ctx: TaskContext, rq: Runqueue, p: LinuxTask): Program<void> {
  const bit = 1 << p.id;
  yield store(p.on_rq, 0, r(2139, 'deactivate_task'), 'p->on_rq = 0');
  yield rmw(rq.queued, (q) => q & ~bit, r(2141, 'deactivate_task'), `dequeue_task(rq, ${p.name}): dequeue_entity`);
  yield rmw(rq.nr_running, (n) => n - 1, r(2141, 'deactivate_task'), 'dequeue_task: sub_nr_running(rq, 1)');
}

// ---- resched --------------------------------------------------------------------

/**
 * resched_curr — core.c:1041-1063 [rq->lock held]: set TIF_NEED_RESCHED on
 * rq->curr; for another CPU, send a reschedule IPI unless its current task
 * polls the flag (set_nr_and_not_polling: the idle task does, see do_idle).
 */
export function* resched_curr(k: LinuxKernel, ctx: TaskContext, rq: Runqueue): Program<void> {
  const curr = k.task(yield load(rq.curr, r(1043, 'resched_curr'), 'curr = rq->curr'));
  const tif: number = yield load(curr.tif, r(1048, 'resched_curr'), 'if (test_tsk_need_resched(curr)) return');
  if (tif & TIF_NEED_RESCHED) return;
  const local = rq.cpu === ctx.cpu();
  yield rmw(
    curr.tif,
    (v) => v | TIF_NEED_RESCHED,
    r(local ? 1054 : 1059, 'resched_curr'),
    local ? 'set_tsk_need_resched(curr)' : 'set_nr_and_not_polling(curr)',
  );
  // The idle task polls TIF_NEED_RESCHED (TIF_POLLING_NRFLAG): no IPI for it.
  if (!local && !curr.idle) yield* k.fn.smp_send_reschedule(k, ctx, rq.cpu, r(1060, 'resched_curr'));
}

/** smp_send_reschedule(cpu) (arch/x86/kernel/smp.c): raise the reschedule IPI on `cpu`; the explorer decides when it lands. */
export function* smp_send_reschedule(k: LinuxKernel, _ctx: TaskContext, cpu: number, ref: string): Program<void> {
  yield store(k.rq(cpu).ipi, 1, ref, `smp_send_reschedule(${cpu})`);
}

/**
 * check_preempt_curr — core.c:2221-2234 → check_preempt_wakeup (fair.c).
 * Abstracted: CFS's wakeup-granularity decision is not modelled (it needs
 * vruntimes); a wakeup preempts only the idle task (check_preempt_curr_idle
 * always resches). Preemption of a busy CPU comes from the tick.
 */
export function* check_preempt_curr(k: LinuxKernel, ctx: TaskContext, rq: Runqueue): Program<void> {
  const curr: number = yield load(rq.curr, r(2223, 'check_preempt_curr'), 'rq->curr->sched_class == p->sched_class ?');
  if (curr === rq.idle) yield* k.fn.resched_curr(k, ctx, rq);
}

// ---- try_to_wake_up -----------------------------------------------------------

/** ttwu_do_wakeup — core.c:3764-3768: WRITE_ONCE(p->__state, TASK_RUNNING). */
export function* ttwu_do_wakeup(_k: LinuxKernel, _ctx: TaskContext, p: LinuxTask): Program<void> {
  yield store(p.state, TASK_RUNNING, r(3766, 'ttwu_do_wakeup'), 'WRITE_ONCE(p->__state, TASK_RUNNING)');
}

/** ttwu_do_activate — core.c:3771-3822 [rq->lock and p->pi_lock held]. */
export function* ttwu_do_activate(k: LinuxKernel, ctx: TaskContext, rq: Runqueue, p: LinuxTask): Program<void> {
  yield* k.fn.activate_task(k, ctx, rq, p); // 3791
  yield* k.fn.check_preempt_curr(k, ctx, rq); // 3792
  yield* k.fn.ttwu_do_wakeup(k, ctx, p); // 3794
}

/**
 * __task_rq_lock — core.c:627-646 [p->pi_lock held]: lock task_rq(p), retry
 * if p moved meanwhile. With pi_lock held p cannot move (set_task_cpu runs
 * under it), so the retry is the re-read that finds the same CPU.
 */
export function* __task_rq_lock(k: LinuxKernel, _ctx: TaskContext, p: LinuxTask, fn: string): Program<Runqueue> {
  for (;;) {
    const cpu: number = yield load(p.cpu, r(635, '__task_rq_lock'), `rq = task_rq(${p.name}) (from ${fn})`);
    const rq = k.rq(cpu);
    yield spinLock(rq.lock, r(636, '__task_rq_lock'), 'raw_spin_rq_lock(rq)');
    const again: number = yield load(
      p.cpu,
      r(637, '__task_rq_lock'),
      'if (likely(rq == task_rq(p) && !task_on_rq_migrating(p)))',
    );
    if (again === cpu) return rq;
    yield spinUnlock(rq.lock, r(641, '__task_rq_lock'), 'raw_spin_rq_unlock(rq)');
  }
}

/**
 * ttwu_runnable — core.c:3849-3871 [p->pi_lock held]: p is still queued
 * (it has not reached deactivate_task in __schedule): under its rq->lock,
 * just mark it running again.
 */
export function* ttwu_runnable(k: LinuxKernel, ctx: TaskContext, p: LinuxTask): Program<boolean> {
  const rq = yield* k.fn.__task_rq_lock(k, ctx, p, 'ttwu_runnable');
  let ret = false;
  const onRq: number = yield load(p.on_rq, r(3856, 'ttwu_runnable'), 'if (task_on_rq_queued(p))');
  if (onRq === TASK_ON_RQ_QUEUED) {
    const onCpu: number = yield load(p.on_cpu, r(3857, 'ttwu_runnable'), 'if (!task_on_cpu(rq, p))');
    // 3862-3863: update_rq_clock; check_preempt_curr: p is queued and not running, so rq->curr is
    // another task; a wakeup preempts only idle (see check_preempt_curr).
    if (!onCpu) yield* k.fn.check_preempt_curr(k, ctx, rq);
    yield* k.fn.ttwu_do_wakeup(k, ctx, p); // 3865
    ret = true;
  }
  yield spinUnlock(rq.lock, r(3868, 'ttwu_runnable'), '__task_rq_unlock');
  return ret;
}

/** available_idle_cpu(cpu) — core.c:7350 → idle_cpu (7326-7342): rq->curr == rq->idle && !rq->nr_running. */
export function* available_idle_cpu(k: LinuxKernel, _ctx: TaskContext, cpu: number, fn: string): Program<boolean> {
  const rq = k.rq(cpu);
  const curr: number = yield load(rq.curr, r(7330, 'idle_cpu'), `idle_cpu(${cpu}) from ${fn}: rq->curr != rq->idle ?`);
  if (curr !== rq.idle) return false;
  const n: number = yield load(rq.nr_running, r(7333, 'idle_cpu'), `idle_cpu(${cpu}): rq->nr_running ?`);
  if (n !== 0 || !rq.ttwu) return n === 0;
  return (yield load(rq.ttwu.ttwu_pending, r(7337, 'idle_cpu'), `idle_cpu(${cpu}): rq->ttwu_pending ?`)) === 0;
}

/**
 * select_task_rq — core.c:3630-3653 → select_task_rq_fair (fair.c), for a
 * wakeup. Kept: wake_affine_idle's sync rule (a WF_SYNC waker that is alone
 * on its CPU hands that CPU to the wakee) and select_idle_sibling's
 * preference for an idle target, then an idle prev, then any idle CPU (all
 * CPUs share one LLC here), else the target. Abstracted: wake_affine_weight
 * (load averages) — the target stays prev_cpu — and the affinity masks (all
 * CPUs allowed). Every lockless read of another runqueue is its own step.
 */
export function* select_task_rq(k: LinuxKernel, ctx: TaskContext, prevCpu: number, wakeFlags: number): Program<number> {
  const F = 'select_task_rq_fair';
  if (k.cpus === 1) return prevCpu; // 3637: cpumask_any of a single CPU
  const thisCpu = ctx.cpu();
  let target = prevCpu;
  if (wakeFlags & WF_SYNC && thisCpu !== prevCpu) {
    const n: number = yield load(
      k.rq(thisCpu).nr_running,
      'linux-6.6 kernel/sched/fair.c wake_affine_idle',
      'if (sync && cpu_rq(this_cpu)->nr_running == 1)',
    );
    if (n === 1) target = thisCpu;
  }
  // select_idle_sibling (fair.c)
  if (yield* k.fn.available_idle_cpu(k, ctx, target, F)) return target;
  if (target !== prevCpu && (yield* k.fn.available_idle_cpu(k, ctx, prevCpu, F))) return prevCpu;
  for (let c = 0; c < k.cpus; c++) {
    if (c === target || c === prevCpu || c === thisCpu) continue;
    if (yield* k.fn.available_idle_cpu(k, ctx, c, 'select_idle_cpu')) return c;
  }
  return target;
}

/**
 * try_to_wake_up — core.c:4203-4357. Returns whether p was woken.
 * `state` is the mask of states this wakeup may end (TASK_NORMAL, …).
 */
export function* try_to_wake_up(k: LinuxKernel, ctx: TaskContext, p: LinuxTask, state: number, wakeFlags = 0): Program<boolean> {
  const F = 'try_to_wake_up';
  yield preemptDisable(r(4205, F), 'guard(preempt)()');
  if (p.id === ctx.self) {
    // 4208-4227: waking current — it is running, so no locks: just the state.
    const st: number = yield load(p.state, r(2239, '__task_state_match'), 'ttwu_state_match: READ_ONCE(p->__state) & state');
    let success = false;
    if (st & state) {
      success = true;
      yield* k.fn.ttwu_do_wakeup(k, ctx, p); // 4224
    }
    yield preemptEnable(r(4356, F), 'guard(preempt) ends');
    return success;
  }
  const flags = yield* raw_spin_lock_irqsave(p.pi_lock, r(4234, F), 'scoped_guard(raw_spinlock_irqsave, &p->pi_lock)');
  yield fence(r(4235, F), 'smp_mb__after_spinlock()', BARRIER.MB_AFTER_SPINLOCK);
  const st: number = yield load(
    p.state,
    r(2239, '__task_state_match'),
    `ttwu_state_match: READ_ONCE(p->__state) & ${k.c.stateFormatter(state)}`,
  );
  let success = false;
  if (st & state) {
    success = true;
    yield fence(r(4263, F), 'smp_rmb(): the __state load before the on_rq load', BARRIER.RMB);
    const onRq: number = yield load(p.on_rq, r(4264, F), 'if (READ_ONCE(p->on_rq) && ttwu_runnable(p, wake_flags))');
    const done = onRq !== 0 && (yield* k.fn.ttwu_runnable(k, ctx, p));
    if (!done) {
      yield fence(r(4291, F), 'smp_acquire__after_ctrl_dep()', BARRIER.ACQUIRE_AFTER_CTRL_DEP);
      yield store(p.state, TASK_WAKING, r(4299, F), 'WRITE_ONCE(p->__state, TASK_WAKING)');
      // 4320-4322: with TTWU_QUEUE, a wakee still on its CPU goes to that CPU's wake list
      if (k.opts.ttwuQueue && (yield* k.fn.ttwu_wakelist_on_cpu(k, ctx, p, wakeFlags))) {
        yield* raw_spin_unlock_irqrestore(p.pi_lock, flags, r(4351, F), 'break: raw_spin_unlock_irqrestore(&p->pi_lock)');
        yield preemptEnable(r(4356, F), 'guard(preempt) ends');
        return true;
      }
      yield awaitCond([p.on_cpu], (m) => m[p.on_cpu] === 0, r(4333, F), `smp_cond_load_acquire(&${p.name}->on_cpu, !VAL)`);
      const prevCpu: number = yield load(p.cpu, r(4335, F), 'cpu = select_task_rq(p, p->wake_cpu, wake_flags | WF_TTWU)');
      const cpu = yield* k.fn.select_task_rq(k, ctx, prevCpu, wakeFlags);
      if (cpu !== prevCpu) {
        // 4336-4344: WF_MIGRATED; set_task_cpu(p, cpu) → __set_task_cpu: p->cpu (and p->wake_cpu)
        yield store(p.cpu, cpu, r(4344, F), `set_task_cpu(p, ${cpu})`);
      }
      yield* k.fn.ttwu_queue(k, ctx, p, cpu); // 4350
    }
  }
  yield* raw_spin_unlock_irqrestore(p.pi_lock, flags, r(4351, F), 'end of scoped_guard: raw_spin_unlock_irqrestore(&p->pi_lock)');
  yield preemptEnable(r(4356, F), 'guard(preempt) ends');
  return success;
}

/** ttwu_queue — core.c:4023-4035 [p->pi_lock held, irqs off]: the wake list (TTWU_QUEUE), else rq_lock, ttwu_do_activate, rq_unlock. */
export function* ttwu_queue(k: LinuxKernel, ctx: TaskContext, p: LinuxTask, cpu: number): Program<void> {
  if (k.opts.ttwuQueue && (yield* k.fn.ttwu_queue_wakelist(k, ctx, p, cpu))) return; // 4028-4029
  const rq = k.rq(cpu);
  yield spinLock(rq.lock, r(4031, 'ttwu_queue'), 'rq_lock(rq)');
  yield* k.fn.ttwu_do_activate(k, ctx, rq, p); // 4033
  yield spinUnlock(rq.lock, r(4034, 'ttwu_queue'), 'rq_unlock(rq)');
}

// ---- the wake list (sched_feat(TTWU_QUEUE), LinuxOptions.ttwuQueue) --------------

/** try_to_wake_up 4320-4322 [pi_lock held]: `if (smp_load_acquire(&p->on_cpu) && ttwu_queue_wakelist(p, task_cpu(p), wake_flags))`. */
export function* ttwu_wakelist_on_cpu(k: LinuxKernel, ctx: TaskContext, p: LinuxTask, _wakeFlags: number): Program<boolean> {
  const onCpu: number = yield load(p.on_cpu, r(4320, 'try_to_wake_up'), 'if (smp_load_acquire(&p->on_cpu) &&');
  if (!onCpu) return false;
  const cpu: number = yield load(p.cpu, r(4321, 'try_to_wake_up'), 'ttwu_queue_wakelist(p, task_cpu(p), wake_flags)');
  return yield* k.fn.ttwu_queue_wakelist(k, ctx, p, cpu);
}

/**
 * ttwu_queue_cond — core.c:3963-4001, with one LLC and every CPU active and
 * allowed: another CPU with nothing on its runqueue (idle, or about to be).
 */
export function* ttwu_queue_cond(k: LinuxKernel, ctx: TaskContext, _p: LinuxTask, cpu: number): Program<boolean> {
  if (cpu === ctx.cpu()) return false; // 3983-3984
  return (yield load(k.rq(cpu).nr_running, r(3997, 'ttwu_queue_cond'), 'if (!cpu_rq(cpu)->nr_running) return true')) === 0;
}

/** ttwu_queue_wakelist — core.c:4003-4012. */
export function* ttwu_queue_wakelist(k: LinuxKernel, ctx: TaskContext, p: LinuxTask, cpu: number): Program<boolean> {
  if (!(yield* k.fn.ttwu_queue_cond(k, ctx, p, cpu))) return false;
  yield* k.fn.__ttwu_queue_wakelist(k, ctx, p, cpu); // 4007
  return true;
}

/**
 * __ttwu_queue_wakelist — core.c:3934-3941 with __smp_call_single_queue
 * (smp.c:349-383): rq->ttwu_pending, llist_add, and the IPI when the list
 * was empty (send_call_function_single_ipi, smp.c:112-119; the idle task is
 * never polling here — cpuidle_idle_call — so set_nr_if_polling fails and
 * the IPI goes).
 */
export function* __ttwu_queue_wakelist(k: LinuxKernel, _ctx: TaskContext, p: LinuxTask, cpu: number): Program<void> {
  const wl = k.wakeList(cpu);
  yield store(wl.ttwu_pending, 1, r(3939, '__ttwu_queue_wakelist'), `WRITE_ONCE(rq${cpu}->ttwu_pending, 1)`);
  const S = 'linux-6.6 kernel/smp.c';
  const old: number = yield rmw(
    wl.wake_list,
    (l) => fifoAddTail(l, p.id),
    `${S}:381 __smp_call_single_queue`,
    `llist_add(&${p.name}->wake_entry.llist, &per_cpu(call_single_queue, ${cpu}))`,
  );
  if (old === 0)
    yield store(wl.csd_ipi, 1, `${S}:117 send_call_function_single_ipi`, `arch_send_call_function_single_ipi(${cpu})`);
}

/** The call-function IPI (sysvec_call_function_single → generic_smp_call_function_single_interrupt, smp.c:426-429), then the irq exit. */
export function* generic_smp_call_function_single_interrupt(k: LinuxKernel, ctx: TaskContext): Program<void> {
  yield store(
    k.wakeList(ctx.cpu()).csd_ipi,
    0,
    'linux-6.6 arch/x86/kernel/smp.c:264 sysvec_call_function_single',
    'apic_eoi(): ack the IPI',
  );
  yield* k.fn.__flush_smp_call_function_queue(k, ctx);
  yield* k.fn.irqentry_exit(k, ctx);
}

/** __flush_smp_call_function_queue — smp.c:445-560, the TTWU entries: llist_del_all, then sched_ttwu_pending on them all. */
export function* __flush_smp_call_function_queue(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const S = 'linux-6.6 kernel/smp.c';
  const list: number = yield rmw(
    k.wakeList(ctx.cpu()).wake_list,
    () => 0,
    `${S}:460 __flush_smp_call_function_queue`,
    'entry = llist_del_all(head)',
  );
  if (list)
    yield* k.fn.sched_ttwu_pending(
      k,
      ctx,
      fifoEntries(list).map((e) => e.task),
    ); // 558
}

/** sched_ttwu_pending — core.c:3874-3909: activate each wakee here (after it is off its old CPU), then clear ttwu_pending. */
export function* sched_ttwu_pending(k: LinuxKernel, ctx: TaskContext, wakees: readonly number[]): Program<void> {
  const F = 'sched_ttwu_pending';
  const rq = k.rq(ctx.cpu());
  const flags = yield* raw_spin_lock_irqsave(rq.lock, r(3884, F), 'rq_lock_irqsave(rq, &rf)');
  for (const id of wakees) {
    const p = k.task(id);
    const ref = r(3889, F);
    yield awaitCond(
      [p.on_cpu],
      (m) => m[p.on_cpu] === 0,
      ref,
      `if (WARN_ON_ONCE(${p.name}->on_cpu)) smp_cond_load_acquire(&p->on_cpu, !VAL)`,
    );
    if ((yield load(p.cpu, r(3891, F), 'if (WARN_ON_ONCE(task_cpu(p) != cpu_of(rq)))')) !== rq.cpu)
      yield store(p.cpu, rq.cpu, r(3892, F), `set_task_cpu(p, ${rq.cpu})`);
    yield* k.fn.ttwu_do_activate(k, ctx, rq, p); // 3894
  }
  yield store(k.wakeList(rq.cpu).ttwu_pending, 0, r(3907, F), 'WRITE_ONCE(rq->ttwu_pending, 0)');
  yield* raw_spin_unlock_irqrestore(rq.lock, flags, r(3908, F), 'rq_unlock_irqrestore(rq, &rf)');
}

/**
 * wake_q_add — core.c:948-988 (__wake_q_add): claim p's wake_q node
 * (cmpxchg NULL → WAKE_Q_TAIL). False when another waker holds it: that
 * one will wake p. The wake_q head is the caller's own (a local list).
 */
export function* wake_q_add(_k: LinuxKernel, _ctx: TaskContext, p: LinuxTask): Program<boolean> {
  yield fence(r(960, '__wake_q_add'), 'smp_mb__before_atomic()', BARRIER.COMPILER);
  const old: number = yield rmw(
    p.wake_q,
    (v) => (v === 0 ? 1 : v),
    r(961, '__wake_q_add'),
    `cmpxchg_relaxed(&${p.name}->wake_q.next, NULL, WAKE_Q_TAIL)`,
  );
  return old === 0;
}

/** wake_up_q — core.c:1013-1032, for a wake_q that holds p: release p's node, then wake_up_process(p). */
export function* wake_up_q(k: LinuxKernel, ctx: TaskContext, p: LinuxTask): Program<void> {
  yield store(p.wake_q, 0, r(1023, 'wake_up_q'), `${p.name}->wake_q.next = NULL`);
  yield* k.fn.wake_up_process(k, ctx, p); // 1029
}

/** wake_up_process — core.c:4480-4483: try_to_wake_up(p, TASK_NORMAL, 0). */
export function wake_up_process(k: LinuxKernel, ctx: TaskContext, p: LinuxTask): Program<boolean> {
  return k.fn.try_to_wake_up(k, ctx, p, TASK_NORMAL, 0);
}

/** wake_up_state — core.c:4486-4489: try_to_wake_up(p, state, 0). */
export function wake_up_state(k: LinuxKernel, ctx: TaskContext, p: LinuxTask, state: number): Program<boolean> {
  return k.fn.try_to_wake_up(k, ctx, p, state, 0);
}

/** default_wake_function — core.c:7016-7021: try_to_wake_up(curr->private, mode, wake_flags). */
export function default_wake_function(
  k: LinuxKernel,
  ctx: TaskContext,
  p: LinuxTask,
  mode: number,
  wakeFlags: number,
): Program<boolean> {
  return k.fn.try_to_wake_up(k, ctx, p, mode, wakeFlags);
}

/**
 * kick_process — core.c:3521-3530: if p runs on another CPU, interrupt it
 * (so that it passes through a kernel entry/exit and sees TIF_SIGPENDING).
 */
export function* kick_process(k: LinuxKernel, ctx: TaskContext, p: LinuxTask): Program<void> {
  const F = 'kick_process';
  yield preemptDisable(r(3525, F));
  const cpu: number = yield load(p.cpu, r(3526, F), 'cpu = task_cpu(p)');
  if (cpu !== ctx.cpu()) {
    const curr: number = yield load(k.rq(cpu).curr, r(3527, F), 'task_curr(p): cpu_curr(cpu) == p');
    if (curr === p.id) yield* k.fn.smp_send_reschedule(k, ctx, cpu, r(3528, F));
  }
  yield preemptEnable(r(3529, F));
}

// ---- __schedule -------------------------------------------------------------------

/**
 * pick_next_task — core.c:5991-6050 (__pick_next_task, !SCHED_CORE) → pick_next_task_fair. Abstracted: CFS
 * picks the leftmost vruntime; we pick round-robin by task id, starting after
 * prev (the task that just ran has the largest vruntime), so a preempted task
 * gives way to the others; prev again if it is the only one queued; the idle
 * task if nothing is queued.
 */
export function* pick_next_task(_k: LinuxKernel, _ctx: TaskContext, rq: Runqueue, prev: LinuxTask): Program<number> {
  const q: number = yield load(rq.queued, r(6662, '__schedule'), 'pick_next_task_fair: pick_next_entity(cfs_rq)');
  if (q === 0) return rq.idle;
  for (let i = 1; i <= 31; i++) {
    const id = (prev.idle ? i - 1 : prev.id + i) % 31;
    if (q & (1 << id)) return id;
  }
  return rq.idle;
}

/**
 * __schedule — core.c:6578-6704. `preempt` is SM_PREEMPT (from the irq-exit
 * preemption) or SM_NONE (schedule(), the idle loop, do_task_dead).
 */
export function* __schedule(k: LinuxKernel, ctx: TaskContext, sched_mode: number): Program<void> {
  const F = '__schedule';
  const rq = k.rq(ctx.cpu());
  // 6589 prev = rq->curr: this code runs for prev (ctx.self), no shared access needed to know it.
  const prev = k.current(ctx);
  yield irqDisable(r(6596, F), 'local_irq_disable()');
  yield spinLock(rq.lock, r(6614, F), 'rq_lock(rq, &rf)');
  yield fence(r(6615, F), 'smp_mb__after_spinlock()', BARRIER.MB_AFTER_SPINLOCK);
  const prevState: number = yield load(prev.state, r(6628, F), 'prev_state = READ_ONCE(prev->__state)');
  if (!(sched_mode & SM_PREEMPT) && prevState) {
    if (yield* k.fn.signal_pending_state(k, ctx, prevState, prev)) {
      yield store(prev.state, TASK_RUNNING, r(6631, F), 'WRITE_ONCE(prev->__state, TASK_RUNNING)');
    } else {
      yield* k.fn.deactivate_task(k, ctx, rq, prev); // 6652
    }
  }
  const next = k.task(yield* k.fn.pick_next_task(k, ctx, rq, prev)); // 6662
  yield rmw(prev.tif, (v) => v & ~TIF_NEED_RESCHED, r(6663, F), 'clear_tsk_need_resched(prev)');
  if (next !== prev) {
    yield store(rq.curr, next.id, r(6675, F), 'RCU_INIT_POINTER(rq->curr, next)');
    yield* k.fn.context_switch(k, ctx, rq, prev, next); // 6698
  } else {
    yield spinUnlock(rq.lock, r(6702, F), 'raw_spin_rq_unlock_irq(rq)');
    yield irqEnable(r(6702, F), 'raw_spin_rq_unlock_irq: local_irq_enable');
  }
}

/**
 * context_switch — core.c:5328-5388: prepare_task(next) sets next->on_cpu,
 * switch_to hands rq->lock over to next, and next (wherever it resumes)
 * runs finish_task_switch(prev).
 */
export function* context_switch(k: LinuxKernel, ctx: TaskContext, rq: Runqueue, prev: LinuxTask, next: LinuxTask): Program<void> {
  const F = 'context_switch';
  yield store(next.on_cpu, 1, r(4990, 'prepare_task'), `WRITE_ONCE(${next.name}->on_cpu, 1)`); // 5331 prepare_task_switch
  yield store(rq.last, prev.id, r(5384, F), 'switch_to(prev, next, prev): prev in a register');
  yield switchTo(next.id, r(5384, F), rq.lock, `switch_to(${prev.name}, ${next.name})`);
  // Back in prev, later, possibly on another CPU: this is finish_task_switch of whoever ran before.
  yield* k.fn.finish_task_switch(k, ctx);
}

/**
 * finish_task_switch — core.c:5215-5297, run by the task just switched in
 * for the task it replaced (`last`): read its state, release its on_cpu
 * (smp_store_release, after which a waker may move it), unlock rq->lock.
 */
export function* finish_task_switch(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const F = 'finish_task_switch';
  const rq = k.rq(ctx.cpu());
  const prev = k.task(yield load(rq.last, r(5384, 'context_switch'), 'switch_to returns: last = prev'));
  const prevState: number = yield load(prev.state, r(5251, F), 'prev_state = READ_ONCE(prev->__state)');
  yield store(prev.on_cpu, 0, r(5008, 'finish_task'), `smp_store_release(&${prev.name}->on_cpu, 0)`);
  yield spinUnlock(rq.lock, r(5135, 'finish_lock_switch'), 'raw_spin_rq_unlock_irq(rq)');
  yield irqEnable(r(5135, 'finish_lock_switch'), 'raw_spin_rq_unlock_irq: local_irq_enable');
  if (prevState === TASK_DEAD) {
    // 5286-5294: put_task_stack, put_task_struct_rcu_user — memory we do not model
    yield nop(r(5286, F), `${prev.name} is dead: put_task_struct_rcu_user(prev)`);
  }
}

/** schedule_tail — core.c:5303-5322: the first code a new task runs. */
export function* schedule_tail(k: LinuxKernel, ctx: TaskContext): Program<void> {
  yield* k.fn.finish_task_switch(k, ctx); // 5315
  yield preemptEnable(r(5316, 'schedule_tail'), 'preempt_enable()');
}

/**
 * schedule — core.c:6765-6776. The entry check is the kernel's "scheduling
 * while atomic" (schedule_debug, 5935-5960) plus sleeping with irqs off, which
 * lockdep reports: both are `lock-discipline`.
 */
export function* schedule(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const F = 'schedule';
  yield check(
    'lock-discipline',
    [],
    (_m, cpu) =>
      !cpu.irqsOn
        ? 'schedule() with irqs off'
        : cpu.preempt !== 0 || cpu.locksHeld !== 0
          ? `scheduling while atomic (preempt count ${cpu.preempt}, ${cpu.locksHeld} lock(s) held)`
          : null,
    r(6765, F),
    'schedule_debug: in_atomic_preempt_off(), irqs_disabled()',
  );
  const me = k.current(ctx);
  for (;;) {
    yield preemptDisable(r(6771, F));
    yield* k.fn.__schedule(k, ctx, SM_NONE);
    yield preemptEnable(r(6773, F), 'sched_preempt_enable_no_resched()');
    const tif: number = yield load(me.tif, r(6774, F), 'while (need_resched())');
    if (!(tif & TIF_NEED_RESCHED)) return;
  }
}

/** schedule_idle — core.c:6789-6802 (the idle task's way into __schedule). */
export function* schedule_idle(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  for (;;) {
    yield* k.fn.__schedule(k, ctx, SM_NONE);
    const tif: number = yield load(me.tif, r(6801, 'schedule_idle'), 'while (need_resched())');
    if (!(tif & TIF_NEED_RESCHED)) return;
  }
}

/**
 * The per-CPU idle task: do_idle (kernel/sched/idle.c:265-330) polls
 * need_resched (with TIF_POLLING_NRFLAG set, so wakers need no IPI), then
 * schedule_idle. Idle runs with preemption disabled (init_idle). The wait is
 * quiescent: a CPU idling at the end of an execution is not a deadlock.
 * Abstracted: cpuidle states, nohz, RCU idle entry/exit.
 */
export function* do_idle(k: LinuxKernel, ctx: TaskContext, startedCurrent: boolean): Program<void> {
  const me = k.current(ctx);
  if (startedCurrent) yield preemptDisable('linux-6.6 kernel/sched/core.c:9309 init_idle', 'init_idle_preempt_count');
  else yield* k.fn.finish_task_switch(k, ctx);
  for (;;) {
    yield awaitCond(
      [me.tif],
      (m) => ((m[me.tif] as number) & TIF_NEED_RESCHED) !== 0,
      'linux-6.6 kernel/sched/idle.c:282 do_idle',
      'while (!need_resched()) cpu_idle_poll()',
      true,
    );
    yield* k.fn.schedule_idle(k, ctx);
  }
}

/**
 * preempt_schedule_irq — core.c:6996-7014: preemption on the way out of an
 * interrupt (preempt count 0, need_resched set).
 */
export function* preempt_schedule_irq(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const F = 'preempt_schedule_irq';
  const me = k.current(ctx);
  for (;;) {
    yield preemptDisable(r(7006, F));
    yield irqEnable(r(7007, F), 'local_irq_enable()');
    yield* k.fn.__schedule(k, ctx, SM_PREEMPT);
    yield irqDisable(r(7009, F), 'local_irq_disable()');
    yield preemptEnable(r(7010, F), 'sched_preempt_enable_no_resched()');
    const tif: number = yield load(me.tif, r(7011, F), 'while (need_resched())');
    if (!(tif & TIF_NEED_RESCHED)) return;
  }
}

/**
 * irqentry_exit — kernel/entry/common.c:403-444: back to user mode through
 * irqentry_exit_to_user_mode when the interrupt came from there (`fromUser`,
 * what irqentry_enter found: only for the tasks whose privilege level a
 * scenario follows, entry.ts); otherwise the kernel-mode return: with
 * CONFIG_PREEMPTION, `if (!preempt_count()) irqentry_exit_cond_resched()`
 * (common.c:388-400) → `if (need_resched()) preempt_schedule_irq()`. Our
 * interrupt sources fire only at preempt count 0 (IrqSourceDef.preemptible),
 * so the count test holds here.
 */
export function* irqentry_exit(k: LinuxKernel, ctx: TaskContext, fromUser = false): Program<void> {
  if (fromUser) {
    yield* k.fn.irqentry_exit_to_user_mode(k, ctx);
    return;
  }
  const me = k.current(ctx);
  const tif: number = yield load(me.tif, 'linux-6.6 kernel/entry/common.c:396 irqentry_exit_cond_resched', 'if (need_resched())');
  if (tif & TIF_NEED_RESCHED) yield* k.fn.preempt_schedule_irq(k, ctx);
}

/**
 * The scheduler tick — irqentry_enter, scheduler_tick (core.c:5640-5679), then the irq exit.
 * task_tick_fair's check_preempt_tick (fair.c) is abstracted to "the
 * slice is over whenever another task is runnable": resched_curr when
 * rq->nr_running > 1.
 */
export function* scheduler_tick(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const F = 'scheduler_tick';
  const rq = k.rq(ctx.cpu());
  const fromUser = yield* k.fn.irqentry_enter(k, ctx);
  yield spinLock(rq.lock, r(5654, F), 'rq_lock(rq, &rf)');
  const n: number = yield load(rq.nr_running, r(5659, F), 'curr->sched_class->task_tick: check_preempt_tick');
  if (n > 1) yield* k.fn.resched_curr(k, ctx, rq);
  yield spinUnlock(rq.lock, r(5666, F), 'rq_unlock(rq, &rf)');
  yield* k.fn.irqentry_exit(k, ctx, fromUser);
}

/**
 * The reschedule IPI — irqentry_enter, sysvec_reschedule_ipi (arch/x86/kernel/smp.c) →
 * scheduler_ipi (include/linux/sched.h:2014, folds need_resched) — then the
 * irq exit, where a pending need_resched preempts.
 */
export function* scheduler_ipi(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const fromUser = yield* k.fn.irqentry_enter(k, ctx);
  yield store(k.rq(ctx.cpu()).ipi, 0, 'linux-6.6 arch/x86/kernel/smp.c:259 sysvec_reschedule_ipi', 'ack the reschedule IPI');
  yield* k.fn.irqentry_exit(k, ctx, fromUser);
}
