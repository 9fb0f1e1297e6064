/**
 * Which tasks are in user mode — the privilege level of the trap frame
 * (`user_mode(regs)`, arch/x86/include/asm/ptrace.h): set by the return to
 * user mode, cleared by every kernel entry from user mode (a system call,
 * or an interrupt that lands while the user program runs). A scenario that
 * lets a task run in user mode calls `enableUserMode(k, [tasks])` after
 * the spawns and before `k.finish()`; only those tasks get the cell, and
 * the entry and exit paths take the extra steps only for them (the other
 * scenarios' models are unchanged).
 *
 * With it comes the Linux counterpart of DragonOS's invariant:
 *
 * - no-return-with-pending-work (terminal): a task in user mode with work
 *   for the exit loop (TIF_SIGPENDING, TIF_NOTIFY_SIGNAL or TIF_NEED_RESCHED:
 *   EXIT_TO_USER_MODE_WORK as the model has it) has a reschedule IPI on its way
 *   to its CPU. exit_to_user_mode_prepare reads the thread flags with irqs
 *   off and returns only when none is set, so work set after that read is
 *   seen by the next kernel entry — which, for a task running in user mode
 *   on another CPU, is the IPI kick_process (or resched_curr) sends.
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { MachineView } from '../../model/types.ts';
import { TIF_NEED_RESCHED, TIF_NOTIFY_SIGNAL, TIF_SIGPENDING } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import type { LinuxTask } from './objects.ts';

const modes = new WeakMap<LinuxKernel, Map<number, number>>();

/** Gives `tasks` a user-mode cell (0: in the kernel, as every task starts). Call after the spawns, before k.finish(). */
export function enableUserMode(k: LinuxKernel, tasks: readonly LinuxTask[]): void {
  if (modes.has(k)) throw new Error('enableUserMode called twice');
  const cells = new Map<number, number>();
  for (const t of tasks) cells.set(t.id, k.b.layout.cell(`${t.name}.user_mode(regs)`, 0));
  modes.set(k, cells);
}

/** The user-mode cell of `t`, or undefined when the scenario does not follow t's privilege level. */
export function userModeCell(k: LinuxKernel, t: LinuxTask): number | undefined {
  return modes.get(k)?.get(t.id);
}

export function returnedWithWork(w: MachineView, k: LinuxKernel, tasks: readonly LinuxTask[]): string | null {
  for (const t of tasks) {
    const cell = userModeCell(k, t);
    if (cell === undefined || w.mem[cell] !== 1) continue;
    const tif = w.mem[t.tif] as number;
    if (!(tif & (TIF_SIGPENDING | TIF_NOTIFY_SIGNAL | TIF_NEED_RESCHED))) continue;
    const cpu = w.mem[t.cpu] as number;
    if (w.mem[k.rq(cpu).ipi] !== 0) continue;
    return `${t.name} runs in user mode with ${w.layout.format(t.tif, tif)}, and no reschedule IPI is on its way to CPU${cpu} to bring it back into the kernel`;
  }
  return null;
}

/** Registers no-return-with-pending-work for `tasks` (which must have user-mode cells). */
export function registerNoReturnWithPendingWork(b: ModelBuilder, k: LinuxKernel, tasks: readonly LinuxTask[]): void {
  for (const t of tasks)
    if (userModeCell(k, t) === undefined) throw new Error(`${t.name} has no user-mode cell (enableUserMode)`);
  b.atEnd({ name: 'no-return-with-pending-work', check: (w) => returnedWithWork(w, k, tasks) });
}
