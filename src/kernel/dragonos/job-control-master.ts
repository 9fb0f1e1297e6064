/**
 * Job control on DragonOS master (f64a0d56): the stop and the continue of a
 * group are each one transition under the sighand write lock.
 *
 * - ipc/sighand.rs transition_group_stop (410-427) / transition_group_continue
 *   (434-451), with inner_mut() = inner.write_irqsave() (140-141);
 * - ipc/generic_signal.rs sig_stop (448-472): irqs off, transition_group_stop
 *   with mark_stop as its callback, irqs back, notify the parent, schedule();
 * - process/manager/sched.rs mark_stop (420-436, under pi_lock) and
 *   wakeup_stop (233-293);
 * - ipc/signal.rs prepare_sianal's SIGCONT branch (701-808).
 *
 * Abstracted (as for pr1663/head, see signal.ts): one thread per group, so
 * the thread walks visit the target alone and the shared pending set is
 * empty (its flushes are left out); SIGCHLD to the parent and waking waiters
 * touch no modelled task; stop_signal (422) is not read by any modelled
 * path; select_task_rq keeps the task on the CPU it last ran on (no
 * migration in the model); wait_until_not_running (sched_info.rs:191) is a
 * step without a cell: the model's switch_process hands the rq lock to the
 * next task, which releases it only after the switch, and
 * enqueue_task_on_cpu takes that lock, so the enqueue is already ordered
 * after the switch-out the wait waits for.
 */
import {
  fence,
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
import { PF, SF, ST } from './consts.ts';
import type { StopHooks } from './generic-signal.ts';
import type { DragonKernel, Pcb } from './kernel.ts';
import { SM_NONE } from './sched.ts';

const SIGHAND = 'ipc/sighand.rs';
const MGR = 'process/manager/sched.rs';
const STOP_MASK = SF.CLD_STOPPED | SF.STOP_STOPPED | SF.CLD_CONTINUED | SF.STOP_CONTINUED;

function onMaster(k: DragonKernel, fn: string): void {
  if (k.v !== 'master') throw new Error(`dragonos model: ${fn} (job-control-master.ts) is master's code`);
}

/** sighand.inner_mut(): write_irqsave — irq save, then the write lock (which disables preemption). */
export function* sighandWrite(k: DragonKernel, me: Pcb, ref: string): Program<number> {
  const irq: number = yield irqSave(ref, 'sighand.inner_mut(): write_irqsave: irq save');
  yield* k.fn.lockNoPreempt(k, me, writeLock(k.sighand.lock, ref, 'sighand.inner_mut(): write lock'));
  return irq;
}

export function* sighandWriteDrop(k: DragonKernel, me: Pcb, irq: number, ref: string): Program<void> {
  yield* k.fn.unlockPreempt(k, me, writeUnlock(k.sighand.lock, ref, 'sighand write guard dropped'));
  yield irqRestore(irq, ref, 'irq restore');
}

/** sig_stop (generic_signal.rs:448-472), the default action of SIGTSTP/SIGTTIN/SIGTTOU on master. */
export function* sigStopMaster(k: DragonKernel, me: Pcb, hooks: StopHooks, ctx: TaskContext): Program<void> {
  onMaster(k, 'sig_stop');
  const at = (l: number) => k.src.at('ipc/generic_signal.rs', { master: l }, 'sig_stop');
  const irq: number = yield irqSave(at(450), 'save_and_disable_irq');
  const fresh: boolean = yield* k.fn.transitionGroupStop(k, me, hooks, ctx);
  yield irqRestore(irq, at(456), 'drop(guard)');
  yield nop(at(463), fresh ? 'fresh stop: SIGCHLD to the parent, wake waiters (not modelled)' : 'not a fresh stop: no report');
  yield* k.fn.schedule(k, SM_NONE, ctx);
}

/** SigHand::transition_group_stop(sig, || mark_stop().is_ok()) (sighand.rs:410-427); returns fresh_stop. */
export function* transitionGroupStop(k: DragonKernel, me: Pcb, hooks: StopHooks, ctx: TaskContext): Program<boolean> {
  const at = (l: number) => k.src.at(SIGHAND, { master: l }, 'SigHand::transition_group_stop');
  const irq: number = yield* k.fn.sighandWrite(k, me, at(414));
  const f: number = yield load(k.sighand.flags, at(415), 'g.flags.contains(GROUP_EXIT)');
  if (f & SF.GROUP_EXIT) throw new Error('dragonos model: group exit is not modelled');
  yield* k.fn.markStopMaster(k, me);
  const f2: number = yield load(k.sighand.flags, at(418), 'g.flags.contains(STOP_STOPPED): not a fresh stop');
  let fresh = false;
  if ((f2 & SF.STOP_STOPPED) === 0) {
    yield rmw(
      k.sighand.flags,
      (x) => (x & ~STOP_MASK) | SF.STOP_STOPPED | SF.CLD_STOPPED,
      at(423),
      'flags.remove(STOP_MASK); flags.insert(STOP_STOPPED | CLD_STOPPED)',
    );
    hooks.stopPublished(ctx);
    fresh = true;
  }
  yield* k.fn.sighandWriteDrop(k, me, irq, at(427));
  return fresh;
}

/** ProcessManager::mark_stop (sched.rs:420-436): irqs are off; the Stopped write under pi_lock. */
export function* markStopMaster(k: DragonKernel, me: Pcb): Program<void> {
  const at = (l: number) => k.src.at(MGR, { master: l }, 'ProcessManager::mark_stop');
  const st: number = yield load(me.state, at(427), 'if !state().is_exited()');
  if (st === ST.Exited) throw new Error('dragonos model: mark_stop of an exited task is not modelled');
  yield spinLock(me.piLock, at(430), 'pi_lock_irqsave()');
  yield store(me.state, ST.Stopped, at(431), 'set_state(Stopped)');
  yield* k.fn.flagsInsert(k, me, PF.NEED_SCHEDULE, at(432));
  yield spinUnlock(me.piLock, at(433), 'pi guard dropped');
}

/**
 * prepare_sianal's SIGCONT branch (ipc/signal.rs:771-808) after the
 * group-exit check (709-714): flush the stop signals, then
 * transition_group_continue(|| wakeup_stop(t)). The caller returns
 * !sig_ignored (808).
 */
export function* prepareSigcontMaster(
  k: DragonKernel,
  me: Pcb,
  t: Pcb,
  flushStop: () => Program<void>,
  ctx: TaskContext,
): Program<void> {
  onMaster(k, 'prepare_sianal (SIGCONT)');
  const at = (l: number) => k.src.at('ipc/signal.rs', { master: l }, 'Signal::prepare_sianal');
  const irq: number = yield irqSave(at(711), 'sighand.flags_contains(GROUP_EXIT): inner() = read_irqsave: irq save');
  yield* k.fn.lockNoPreempt(k, me, readLock(k.sighand.lock, at(711), 'sighand.inner(): read lock'));
  const f: number = yield load(k.sighand.flags, at(711), 'flags.contains(GROUP_EXIT)');
  yield* k.fn.unlockPreempt(k, me, readUnlock(k.sighand.lock, at(711), 'sighand read guard dropped'));
  yield irqRestore(irq, at(712), 'irq restore');
  if (f & SF.GROUP_EXIT) throw new Error('dragonos model: group exit is not modelled');
  yield* flushStop();
  const wasStopped: boolean = yield* k.fn.transitionGroupContinue(k, me, t, ctx);
  yield nop(at(792), wasStopped ? 'was_stopped: SIGCHLD to the parent, wake waiters (not modelled)' : 'not stopped: no report');
}

/** SigHand::transition_group_continue(|| wakeup_stop(t)) (sighand.rs:434-451); returns was_stopped. */
export function* transitionGroupContinue(k: DragonKernel, me: Pcb, t: Pcb, ctx: TaskContext): Program<boolean> {
  const at = (l: number) => k.src.at(SIGHAND, { master: l }, 'SigHand::transition_group_continue');
  const irq: number = yield* k.fn.sighandWrite(k, me, at(438));
  const f: number = yield load(k.sighand.flags, at(439), 'g.flags: GROUP_EXIT? was_stopped = STOP_STOPPED (442)');
  if (f & SF.GROUP_EXIT) throw new Error('dragonos model: group exit is not modelled');
  const wasStopped = (f & SF.STOP_STOPPED) !== 0;
  yield* k.fn.wakeupStopMaster(k, t, ctx);
  if (wasStopped) {
    yield rmw(
      k.sighand.flags,
      (x) => (x & ~STOP_MASK) | SF.STOP_CONTINUED | SF.CLD_CONTINUED,
      at(446),
      'flags.remove(STOP_MASK); flags.insert(STOP_CONTINUED | CLD_CONTINUED)',
    );
  }
  yield* k.fn.sighandWriteDrop(k, me, irq, at(451));
  return wasStopped;
}

/** on_rq.lock_irqsave() and a read of on_rq (1 = Queued, 0 = None). */
export function* readOnRq(_k: DragonKernel, p: Pcb, ref: string): Program<number> {
  yield spinLock(p.onRqLock, ref, 'on_rq.lock_irqsave()');
  const q: number = yield load(p.onRq, ref, 'on_rq == Queued?');
  yield spinUnlock(p.onRqLock, ref, 'on_rq guard dropped');
  return q;
}

/** ProcessManager::wakeup_stop (process/manager/sched.rs:233-293) of p. */
export function* wakeupStopMaster(k: DragonKernel, p: Pcb, ctx: TaskContext): Program<void> {
  const at = (l: number) => k.src.at(MGR, { master: l }, 'ProcessManager::wakeup_stop');
  const irq: number = yield irqSave(at(234), 'save_and_disable_irq');
  const st: number = yield load(p.state, at(235), 'state().is_stopped()');
  if (st !== ST.Stopped) {
    yield irqRestore(irq, at(236), st === ST.Runnable ? 'Runnable: return Ok' : 'not Stopped: EINVAL');
    return;
  }
  yield spinLock(p.piLock, at(244), 'pi_lock_irqsave()');
  const st2: number = yield load(p.state, at(245), 're-check state().is_stopped()');
  if (st2 !== ST.Stopped) {
    yield spinUnlock(p.piLock, at(247), 'return: pi guard dropped');
    yield irqRestore(irq, at(247), 'irq restore');
    return;
  }
  yield store(p.state, ST.Runnable, at(254), 'set_state(Runnable)');
  yield fence(at(255), 'fence(SeqCst)');
  const prevCpu: number = yield load(p.onCpu, at(257), 'prev_cpu = on_cpu()');
  if ((yield* k.fn.readOnRq(k, p, at(262))) === 1) {
    const rq = k.rq(prevCpu);
    yield spinLock(rq.lock, at(264), `cpu_rq(${prevCpu}).self_lock()`);
    if ((yield* k.fn.readOnRq(k, p, at(265))) === 1) {
      const curr: number = yield load(rq.curr, at(267), 'Arc::ptr_eq(&rq.current(), pcb)');
      const local = prevCpu === ctx.cpu();
      if (curr !== p.id) {
        yield nop(at(268), local ? 'check_preempt_current (not modelled)' : 'check_preempt_remote (not modelled)');
      } else if (!local) {
        yield store(rq.ipi, 1, at(275), `kick_cpu(CPU${prevCpu})`);
      }
      yield spinUnlock(rq.lock, at(277), 'return Ok: rq guard dropped');
      yield spinUnlock(p.piLock, at(277), 'pi guard dropped');
      yield irqRestore(irq, at(277), 'irq restore');
      return;
    }
    yield spinUnlock(rq.lock, at(279), 'no longer queued: rq guard dropped');
  }
  if ((yield* k.fn.readOnRq(k, p, at(281))) === 0) {
    yield nop(at(286), 'wait_until_not_running() (ordered by the rq lock in this model)');
    yield nop(at(288), `select_task_rq → CPU${prevCpu} (no migration in the model)`);
    yield* k.fn.enqueueTaskOnCpu(k, p, prevCpu);
  }
  yield spinUnlock(p.piLock, at(292), 'pi guard dropped');
  yield irqRestore(irq, at(292), 'irq restore');
}

/** enqueue_task_on_cpu (sched/mod.rs:1352-1386). */
export function* enqueueTaskOnCpu(k: DragonKernel, p: Pcb, cpu: number): Program<void> {
  const at = (l: number) => k.src.at('sched/mod.rs', { master: l }, 'enqueue_task_on_cpu');
  yield store(p.onCpu, cpu, at(1363), `set_on_cpu(Some(CPU${cpu}))`);
  const rq = k.rq(cpu);
  yield spinLock(rq.lock, at(1366), 'rq.self_lock()');
  yield* k.fn.activateTask(k, rq, p);
  yield nop(at(1385), 'check_preempt_current (not modelled)');
  yield spinUnlock(rq.lock, at(1386), 'rq guard dropped');
}
