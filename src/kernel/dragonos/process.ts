/**
 * process/mod.rs (pr1663, head): ProcessManager::wakeup, wakeup_stop,
 * mark_sleep, mark_stop, kick, and pcb.try_siginfo_mut(n). Master's
 * versions live in process/manager/{sched,mod}.rs; only `kick` is reached
 * on master by the scenarios, the others refuse there.
 *
 * Every `inner_lock_*_irqsave()` is taken in these functions with irqs
 * already off (an outer save_and_disable_irq guard), so its own irq save and
 * restore change nothing and are not separate steps; the rwlock's
 * preempt_disable likewise cannot matter with irqs off.
 */
import {
  irqRestore,
  irqSave,
  load,
  type Program,
  readLock,
  readUnlock,
  rmw,
  spinLock,
  spinUnlock,
  store,
  writeLock,
  writeTrylock,
  writeUnlock,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { PF, ST } from './consts.ts';
import type { DragonKernel, Pcb } from './kernel.ts';

const MOD = 'process/mod.rs';

function noMaster(k: DragonKernel, fn: string): void {
  if (k.v === 'master') throw new Error(`dragonos model: master's ${fn} (process/manager/sched.rs) is not modelled`);
}

/**
 * ProcessManager::wakeup (pr1663 247-296, head 290-343): accepts Blocked and
 * TracedStopped, re-checks under the write lock, Runnable + set_wakeup, then
 * activate_task on the task's rq — with no check that it is still queued.
 */
export function* wakeup(k: DragonKernel, p: Pcb, ctx: TaskContext): Program<boolean> {
  noMaster(k, 'ProcessManager::wakeup');
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'ProcessManager::wakeup');
  const irq: number = yield irqSave(at({ pr1663: 248, head: 291 }), 'save_and_disable_irq');
  yield readLock(p.schedInfo, at({ pr1663: 249, head: 292 }), 'inner_lock_read_irqsave()');
  const st: number = yield load(p.state, at({ pr1663: 249, head: 292 }), 'state()');
  yield readUnlock(p.schedInfo, at({ pr1663: 249, head: 292 }), 'read guard dropped');
  if (st !== ST.BlockedInterruptible && st !== ST.TracedStopped) {
    yield irqRestore(irq, at({ pr1663: 259, head: 303 }), 'not Blocked/TracedStopped: return');
    return false;
  }
  yield writeLock(p.schedInfo, at({ pr1663: 262, head: 306 }), 'inner_lock_write_irqsave()');
  const st2: number = yield load(p.state, at({ pr1663: 263, head: 307 }), 'double check: current_state');
  if (st2 !== ST.BlockedInterruptible && st2 !== ST.TracedStopped) {
    yield writeUnlock(p.schedInfo, at({ pr1663: 270, head: 314 }), 'drop(writer)');
    yield irqRestore(irq, at({ pr1663: 274, head: 318 }), 'return Ok');
    return false;
  }
  yield store(p.state, ST.Runnable, at({ pr1663: 278, head: 322 }), 'set_state(Runnable)');
  yield store(p.sleep, 0, at({ pr1663: 279, head: 323 }), 'set_wakeup(): sleep = false');
  yield writeUnlock(p.schedInfo, at({ pr1663: 282, head: 326 }), 'drop(writer)');
  const cpu: number = yield load(p.onCpu, at({ pr1663: 284, head: 328 }), 'cpu_rq(on_cpu)');
  const rq = k.rq(cpu);
  yield spinLock(rq.lock, at({ pr1663: 286, head: 330 }), 'rq.self_lock()');
  yield* k.fn.activateTask(k, rq, p);
  yield* k.fn.checkPreemptCurrnet(k, rq, p, ctx); // pr1663 293, head 340
  yield spinUnlock(rq.lock, at({ pr1663: 296, head: 343 }), 'rq guard dropped');
  yield irqRestore(irq, at({ pr1663: 296, head: 343 }), 'irq guard dropped');
  return true;
}

/** ProcessManager::wakeup_stop (pr1663 299-340, head 403-446): only Stopped(_) is woken; Runnable is Ok, anything else EINVAL. */
export function* wakeupStop(k: DragonKernel, p: Pcb, ctx: TaskContext): Program<boolean> {
  noMaster(k, 'ProcessManager::wakeup_stop');
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'ProcessManager::wakeup_stop');
  const irq: number = yield irqSave(at({ pr1663: 300, head: 404 }), 'save_and_disable_irq');
  yield readLock(p.schedInfo, at({ pr1663: 301, head: 405 }), 'inner_lock_read_irqsave()');
  const st: number = yield load(p.state, at({ pr1663: 301, head: 405 }), 'state()');
  yield readUnlock(p.schedInfo, at({ pr1663: 301, head: 405 }), 'read guard dropped');
  if (st !== ST.Stopped) {
    yield irqRestore(irq, at({ pr1663: 336, head: 441 }), st === ST.Runnable ? 'Runnable: return Ok' : 'not Stopped: EINVAL');
    return false;
  }
  yield writeLock(p.schedInfo, at({ pr1663: 303, head: 407 }), 'inner_lock_write_irqsave()');
  const st2: number = yield load(p.state, at({ pr1663: 304, head: 408 }), 'double check Stopped(_)');
  if (st2 !== ST.Stopped) {
    yield writeUnlock(p.schedInfo, at({ pr1663: 334, head: 437 }), 'drop(writer)');
    yield irqRestore(irq, at({ pr1663: 336, head: 439 }), 'return');
    return false;
  }
  yield store(p.state, ST.Runnable, at({ pr1663: 306, head: 410 }), 'set_state(Runnable)');
  yield store(p.sleep, 0, at({ pr1663: 308, head: 412 }), 'set_wakeup(): sleep = false');
  yield writeUnlock(p.schedInfo, at({ pr1663: 310, head: 414 }), 'drop(writer)');
  const cpu: number = yield load(p.onCpu, at({ pr1663: 312, head: 416 }), 'cpu_rq(on_cpu)');
  const rq = k.rq(cpu);
  yield spinLock(rq.lock, at({ pr1663: 319, head: 423 }), 'rq.self_lock()');
  yield* k.fn.activateTask(k, rq, p);
  yield* k.fn.checkPreemptCurrnet(k, rq, p, ctx); // pr1663 326, head 430
  yield spinUnlock(rq.lock, at({ pr1663: 329, head: 433 }), 'rq guard dropped');
  yield irqRestore(irq, at({ pr1663: 329, head: 433 }), 'irq guard dropped');
  return true;
}

/** ProcessManager::mark_stop(sig) (pr1663 410-426, head 514-529): Stopped + NEED_SCHEDULE; no sleep flag, no dequeue. */
export function* markStop(k: DragonKernel, me: Pcb): Program<void> {
  noMaster(k, 'ProcessManager::mark_stop');
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'ProcessManager::mark_stop');
  yield writeLock(me.schedInfo, at({ pr1663: 417, head: 521 }), 'inner_lock_write_irqsave()');
  const st: number = yield load(me.state, at({ pr1663: 418, head: 522 }), 'if state is not Exited');
  if (st === ST.Exited) throw new Error('dragonos model: mark_stop of an exited task is not modelled');
  yield store(me.state, ST.Stopped, at({ pr1663: 419, head: 523 }), 'set_state(Stopped(sig))');
  yield* k.fn.flagsInsert(k, me, PF.NEED_SCHEDULE, at({ pr1663: 420, head: 524 }));
  yield writeUnlock(me.schedInfo, at({ pr1663: 421, head: 525 }), 'drop(writer)');
}

/**
 * ProcessManager::kick (pr1663 747-762, head 931-945): reads the target's
 * on_cpu and that rq's current *without the rq lock*, and sends the kick IPI
 * when the target runs on another CPU. Master (process/manager/mod.rs
 * 481-505) reads rq.current() under that rq's lock.
 */
export function* kick(k: DragonKernel, p: Pcb, ctx: TaskContext): Program<void> {
  const fn = 'ProcessManager::kick';
  const at = (l: Record<string, number>) => k.src.at(k.v === 'master' ? 'process/manager/mod.rs' : MOD, l, fn);
  const me = k.pcb(ctx.self);
  yield rmw(me.preempt, (n) => n + 1, at({ pr1663: 748, head: 932, master: 482 }), 'current_pcb().preempt_disable()');
  const cpu: number = yield load(p.onCpu, at({ pr1663: 749, head: 933, master: 483 }), 'on_cpu()');
  const here = ctx.cpu();
  if (cpu !== here) {
    const rq = k.rq(cpu);
    let curr: number;
    if (k.v === 'master') {
      yield spinLock(rq.lock, at({ master: 492 }), 'rq.self_lock()');
      curr = yield load(rq.curr, at({ master: 493 }), 'Arc::ptr_eq(&rq.current(), pcb)');
      yield spinUnlock(rq.lock, at({ master: 494 }), 'rq guard dropped');
    } else {
      curr = yield load(rq.curr, at({ pr1663: 754, head: 938 }), 'cpu_rq(cpu).current() == pcb (no rq lock)');
    }
    if (curr === p.id) yield store(rq.ipi, 1, at({ pr1663: 757, head: 941, master: 501 }), `kick_cpu(CPU${cpu})`);
  }
  yield rmw(me.preempt, (n) => n - 1, at({ pr1663: 761, head: 945, master: 505 }), 'current_pcb().preempt_enable()');
}

/**
 * pcb.try_siginfo_mut(n) (pr1663, after wake_up_process): n back-to-back
 * try_write_irqsave() attempts with no back-off. The first success returns
 * the guard with irqs off (the caller releases it); a failed attempt's
 * temporary irq guard restores the flags at once. Returns the saved irq
 * flags, or -1 when all n attempts failed.
 */
export function* trySiginfoMut(k: DragonKernel, me: Pcb, n: number, ref: string): Program<number> {
  for (let i = 1; i <= n; i++) {
    const irq: number = yield irqSave(ref, `try_siginfo_mut(${n}) attempt ${i}: try_write_irqsave: irq save`);
    const ok: number = yield writeTrylock(me.sigInfo, ref, `try_siginfo_mut(${n}) attempt ${i}: try_write`);
    if (ok) return irq;
    yield irqRestore(irq, ref, `try_siginfo_mut(${n}) attempt ${i} failed: irq restore`);
  }
  void k;
  return -1;
}

/** ProcessManager::mark_sleep(true) (pr1663 386-402, head 490-505): Blocked + sleep + NEED_SCHEDULE under W(sched_info). Irqs must be off. */
export function* markSleep(k: DragonKernel, me: Pcb): Program<void> {
  noMaster(k, 'ProcessManager::mark_sleep');
  const at = (l: Record<string, number>) => k.src.at(MOD, l, 'ProcessManager::mark_sleep');
  yield writeLock(me.schedInfo, at({ pr1663: 392, head: 496 }), 'inner_lock_write_irqsave()');
  const st: number = yield load(me.state, at({ pr1663: 393, head: 497 }), 'if state is not Exited');
  if (st === ST.Exited) throw new Error('dragonos model: mark_sleep of an exited task is not modelled');
  yield store(me.state, ST.BlockedInterruptible, at({ pr1663: 394, head: 498 }), 'set_state(Blocked(true))');
  yield store(me.sleep, 1, at({ pr1663: 395, head: 499 }), 'set_sleep()');
  yield* k.fn.flagsInsert(k, me, PF.NEED_SCHEDULE, at({ pr1663: 396, head: 500 }));
  yield writeUnlock(me.schedInfo, at({ pr1663: 398, head: 502 }), 'drop(writer)');
}
