/**
 * ipc/generic_signal.rs sig_stop (pr1663 433-481, head 459-510), the
 * default action of SIGTSTP/SIGTTIN/SIGTTOU: publish the group stop in the
 * sighand flags (447-448, irqs on, preemptible), then irqs off and
 * mark_stop (450-459), notify the parent, schedule(). Master's
 * transition_group_stop version is in job-control-master.ts.
 *
 * Abstracted: SIGCHLD to the parent and waking its and the task's waiters
 * (462-479): no modelled task is the parent or waits there.
 */
import { irqRestore, irqSave, load, nop, type Program } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { PF, SF } from './consts.ts';
import type { DragonKernel, Pcb } from './kernel.ts';
import { SM_NONE } from './sched.ts';

const FILE = 'ipc/generic_signal.rs';

/** Hooks for invariants: called in the step that publishes the stop. */
export interface StopHooks {
  stopPublished(ctx: TaskContext): void;
}

export function* sigStop(k: DragonKernel, me: Pcb, hooks: StopHooks, ctx: TaskContext): Program<void> {
  if (k.v === 'master') {
    yield* k.fn.sigStopMaster(k, me, hooks, ctx);
    return;
  }
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'sig_stop');
  const f: number = yield load(me.flags, at({ pr1663: 441, head: 467 }), 'flags().contains(PTRACED): return');
  if (f & PF.PTRACED) return;
  yield* k.fn.sighandUpdate(k, me, (x) => x | SF.CLD_STOPPED, 'flags_insert(CLD_STOPPED)', at({ pr1663: 447, head: 473 }));
  hooks.stopPublished(ctx);
  yield* k.fn.sighandUpdate(k, me, (x) => x | SF.STOP_STOPPED, 'flags_insert(STOP_STOPPED)', at({ pr1663: 448, head: 474 }));
  const irq: number = yield irqSave(at({ pr1663: 450, head: 477 }), 'save_and_disable_irq');
  yield* k.fn.markStop(k, me);
  yield irqRestore(irq, at({ pr1663: 459, head: 486 }), 'drop(guard)');
  yield nop(at({ pr1663: 463, head: 489 }), 'SIGCHLD to the parent, wake its waiters (not modelled)');
  yield* k.fn.schedule(k, SM_NONE, ctx);
}
