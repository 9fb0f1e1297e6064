/**
 * kernel/entry/common.c (Linux 6.6): the return to user mode, where a task
 * reschedules and takes its signals, and the kernel entries from user mode.
 * A task body calls exit_to_user_mode at the end of each system call it
 * models (and wherever "user space runs"); an interrupt that lands in user
 * mode (for the tasks whose privilege level a scenario follows,
 * user-mode.ts) goes back through irqentry_exit_to_user_mode.
 *
 * Irqs are off from the flags read to the return (exit_to_user_mode_prepare),
 * and each loop iteration turns them on only while it works, so a wakeup or
 * a kick landing after the last read is seen by the next kernel entry, not
 * lost in between. Abstracted: uprobes, livepatch, TIF_NOTIFY_RESUME work,
 * syscall restart, and the signal frame set-up of handle_signal (a marker).
 */
import { irqDisable, irqEnable, load, nop, type Program, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { signalName } from '../common/bits.ts';
import { TIF_NEED_RESCHED, TIF_NOTIFY_SIGNAL, TIF_SIGPENDING } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { userModeCell } from './user-mode.ts';

const E = 'linux-6.6 kernel/entry/common.c';
/** EXIT_TO_USER_MODE_WORK (include/linux/entry-common.h:60-63), the flags the model has */
const WORK = TIF_NEED_RESCHED | TIF_SIGPENDING | TIF_NOTIFY_SIGNAL;

/**
 * arch_do_signal_or_restart (arch/x86/kernel/signal.c): get_signal, then
 * handle_signal for a caught signal. Returns the signal handled, or 0.
 */
export function* arch_do_signal_or_restart(k: LinuxKernel, ctx: TaskContext): Program<number> {
  const signr = yield* k.fn.get_signal(k, ctx);
  if (signr > 0)
    yield nop(
      'linux-6.6 arch/x86/kernel/signal.c arch_do_signal_or_restart',
      `handle_signal(${signalName(signr)}): run the user handler`,
    );
  return signr;
}

/**
 * syscall_exit_to_user_mode → exit_to_user_mode_prepare, then the return to
 * user mode; ends with irqs on, as the return to user space. For a task whose
 * privilege level the scenario follows (user-mode.ts), the return marks it
 * in user mode.
 */
export function* exit_to_user_mode(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  yield irqDisable(`${E} syscall_exit_to_user_mode`, 'local_irq_disable_exit_to_user()');
  yield* k.fn.exit_to_user_mode_prepare(k, ctx);
  const um = userModeCell(k, me);
  if (um !== undefined) yield store(um, 1, `${E} exit_to_user_mode`, 'return to user mode: user_mode(regs) from here on');
  yield irqEnable(`${E} exit_to_user_mode`, 'return to user mode (iret): irqs on');
}

/** exit_to_user_mode_prepare [irqs off]: read the thread flags, and loop while there is work. Returns with irqs off. */
export function* exit_to_user_mode_prepare(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  const work: number = yield load(me.tif, `${E} exit_to_user_mode_prepare`, 'ti_work = read_thread_flags()');
  if (work & WORK) yield* k.fn.exit_to_user_mode_loop(k, ctx, work);
}

/**
 * exit_to_user_mode_loop [entered and left with irqs off]: each iteration
 * works with irqs on and turns them off again before it re-reads the flags,
 * so the last read and the return to user mode are atomic with respect to
 * this CPU's interrupts. Returns the last flags read.
 */
export function* exit_to_user_mode_loop(k: LinuxKernel, ctx: TaskContext, tiWork: number): Program<number> {
  const me = k.current(ctx);
  let work = tiWork;
  while (work & WORK) {
    yield irqEnable(`${E} exit_to_user_mode_loop`, 'local_irq_enable_exit_to_user(ti_work)');
    if (work & TIF_NEED_RESCHED) yield* k.fn.schedule(k, ctx);
    if (work & (TIF_SIGPENDING | TIF_NOTIFY_SIGNAL)) yield* k.fn.arch_do_signal_or_restart(k, ctx); // 167-168
    yield irqDisable(`${E} exit_to_user_mode_loop`, 'local_irq_disable_exit_to_user()');
    work = yield load(me.tif, `${E} exit_to_user_mode_loop`, 'ti_work = read_thread_flags()');
  }
  return work;
}

/**
 * irqentry_enter — the entry of an interrupt: `if (user_mode(regs))
 * irqentry_enter_from_user_mode(regs)`. Returns whether the interrupted
 * frame was user mode (what irqentry_exit tests). No step for a task whose
 * privilege level is not followed: it is always in the kernel.
 */
export function* irqentry_enter(k: LinuxKernel, ctx: TaskContext): Program<boolean> {
  const um = userModeCell(k, k.current(ctx));
  if (um === undefined) return false;
  const u: number = yield load(um, `${E} irqentry_enter`, 'if (user_mode(regs))');
  if (!u) return false;
  yield store(um, 0, `${E} irqentry_enter_from_user_mode`, 'enter_from_user_mode(regs): now in the kernel');
  return true;
}

/**
 * irqentry_exit_to_user_mode — an interrupt that came from user mode goes
 * back through exit_to_user_mode_prepare (irqs are off in the handler);
 * the iret that ends the interrupt turns them on.
 */
export function* irqentry_exit_to_user_mode(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const um = userModeCell(k, k.current(ctx));
  yield* k.fn.exit_to_user_mode_prepare(k, ctx);
  if (um !== undefined) yield store(um, 1, `${E} irqentry_exit_to_user_mode`, 'iret to user mode: user_mode(regs) again');
}

/** syscall_enter_from_user_mode — a system call from user mode: the task is in the kernel (no step when it is not followed). */
export function* syscall_enter_from_user_mode(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const um = userModeCell(k, k.current(ctx));
  if (um !== undefined) yield store(um, 0, `${E} syscall_enter_from_user_mode`, 'enter_from_user_mode(regs): now in the kernel');
}
