/**
 * Invariants of signal delivery and job control, for the scenarios that
 * send the signals they follow:
 *
 * - sigkill-kills (terminal): SIGKILL cannot be blocked, caught, ignored
 *   or stopped: a task whose thread group complete_signal marked exiting
 *   (SIGNAL_GROUP_EXIT, signal.c:1058) has died by the end (TASK_DEAD,
 *   after exit_notify) — wherever the signal found it: running, asleep,
 *   stopped or traced.
 * - stop-flags: see stopFlags below.
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { MachineView } from '../../model/types.ts';
import {
  SIGNAL_CLD_CONTINUED,
  SIGNAL_CLD_STOPPED,
  SIGNAL_GROUP_EXIT,
  SIGNAL_STOP_CONTINUED,
  SIGNAL_STOP_MASK,
  SIGNAL_STOP_STOPPED,
  stateFormatter,
  TASK_DEAD,
} from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import type { LinuxTask } from './objects.ts';

export function sigkillKills(w: MachineView, tasks: readonly LinuxTask[]): string | null {
  for (const t of tasks) {
    if (!((w.mem[t.signal.flags] as number) & SIGNAL_GROUP_EXIT)) continue;
    const st = w.mem[t.state] as number;
    if (st !== TASK_DEAD) return `${t.name}'s group was killed (SIGNAL_GROUP_EXIT) but ${t.name} is still ${stateFormatter(st)}`;
  }
  return null;
}

/** Registers sigkill-kills for `tasks`. */
export function registerSigkillKills(b: ModelBuilder, _k: LinuxKernel, tasks: readonly LinuxTask[]): void {
  b.atEnd({ name: 'sigkill-kills', check: (w) => sigkillKills(w, tasks) });
}

/**
 * stop-flags (safety, whenever the group's siglock is free — every writer
 * of signal->flags holds it): the job-control flags say one thing at a
 * time. signal_set_stop_flags replaces the whole SIGNAL_STOP_MASK, so the
 * group is either stopped (SIGNAL_STOP_STOPPED) or continued
 * (SIGNAL_STOP_CONTINUED), and owes its parent at most one of CLD_STOPPED
 * and CLD_CONTINUED; and no stop flag is set on a group that is exiting
 * (include/linux/sched/signal.h:271 WARN_ON(sig->flags & SIGNAL_GROUP_EXIT),
 * and complete_signal's `signal->flags = SIGNAL_GROUP_EXIT` clears them).
 */
export function stopFlags(w: MachineView, tasks: readonly LinuxTask[]): string | null {
  for (const t of tasks) {
    if (w.mem[t.siglock] !== 0) continue;
    const f = w.mem[t.signal.flags] as number;
    const shown = () => w.layout.format(t.signal.flags, f);
    if (f & SIGNAL_STOP_STOPPED && f & SIGNAL_STOP_CONTINUED)
      return `${t.name}'s group is both stopped and continued (${shown()})`;
    if (f & SIGNAL_CLD_STOPPED && f & SIGNAL_CLD_CONTINUED)
      return `${t.name}'s group owes its parent both CLD_STOPPED and CLD_CONTINUED (${shown()})`;
    if (f & SIGNAL_GROUP_EXIT && f & SIGNAL_STOP_MASK) return `${t.name}'s group is exiting with stop flags set (${shown()})`;
  }
  return null;
}

/** Registers stop-flags for `tasks`. */
export function registerStopFlags(b: ModelBuilder, _k: LinuxKernel, tasks: readonly LinuxTask[]): void {
  const cells = tasks.flatMap((t) => [t.signal.flags, t.siglock]);
  b.invariant({
    name: 'stop-flags',
    watch: cells,
    reads: cells,
    check: (w) => stopFlags(w, tasks),
  });
}
