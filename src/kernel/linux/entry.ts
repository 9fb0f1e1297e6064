/**
 * kernel/entry/common.c (Linux 6.6): the return to user mode, where a task
 * reschedules and takes its signals. A task body calls exit_to_user_mode at
 * the end of each system call it models (and wherever "user space runs").
 *
 * Irqs are off from the flags read to the return (exit_to_user_mode_prepare),
 * and each loop iteration turns them on only while it works, so a wakeup or
 * a kick landing after the last read is seen by the next kernel entry, not
 * lost in between. Abstracted: uprobes, livepatch, TIF_NOTIFY_RESUME work,
 * syscall restart, and the signal frame set-up of handle_signal (a marker).
 */
import { irqDisable, irqEnable, load, nop, type Program } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { signalName } from '../common/bits.ts';
import { TIF_NEED_RESCHED, TIF_NOTIFY_SIGNAL, TIF_SIGPENDING } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';

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

/** exit_to_user_mode_prepare + exit_to_user_mode_loop; ends with irqs on, as the return to user space. */
export function* exit_to_user_mode(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  yield irqDisable(`${E} syscall_exit_to_user_mode`, 'local_irq_disable_exit_to_user()');
  let work: number = yield load(me.tif, `${E} exit_to_user_mode_prepare`, 'ti_work = read_thread_flags()');
  while (work & WORK) {
    yield irqEnable(`${E} exit_to_user_mode_loop`, 'local_irq_enable_exit_to_user(ti_work)');
    if (work & TIF_NEED_RESCHED) yield* k.fn.schedule(k, ctx);
    if (work & (TIF_SIGPENDING | TIF_NOTIFY_SIGNAL)) yield* k.fn.arch_do_signal_or_restart(k, ctx); // 167-168
    yield irqDisable(`${E} exit_to_user_mode_loop`, 'local_irq_disable_exit_to_user()');
    work = yield load(me.tif, `${E} exit_to_user_mode_loop`, 'ti_work = read_thread_flags()');
  }
  yield irqEnable(`${E} exit_to_user_mode`, 'return to user mode (iret): irqs on');
}
