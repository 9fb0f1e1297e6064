/**
 * The signal paths a self-intercepting process goes through, for the two
 * kernels the designs live in: linux-2.6.26 (the RFC's base) and
 * linux-6.6 (Syscall User Dispatch). For the signals these models send
 * (SIGUSR1 and SIGSYS to a thread that handles both) the two kernels make
 * the same shared accesses in the same order; what differs is the source
 * line of each step, which order the pending signals are dequeued in, and
 * how a forced signal is sent. An `Era` carries those differences.
 *
 * Abstracted: siginfo and sigqueue allocation (a pending set is a bitmask;
 * legacy_queue drops a duplicate, as for every non-RT signal); permission
 * checks; one thread per group; the kick_process IPI (the target never
 * sleeps in these models: it is running or about to return to user mode,
 * and the return-to-user check of src/kernel/selfptrace/user.ts stands in
 * for the interrupt return the IPI causes); the signal frame contents.
 */
import { check, load, nop, type Program, rmw, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG, sigmask, signalName } from '../common/bits.ts';
import { spinLockIrq, spinLockIrqsave, spinUnlockIrq, spinUnlockIrqrestore } from '../common/locks.ts';
import { SIGNAL_GROUP_EXIT, TIF_SIGPENDING } from '../linux/consts.ts';
import { do_exit } from '../linux/exit.ts';
import type { LinuxKernel } from '../linux/kernel.ts';
import type { LinuxTask } from '../linux/objects.ts';
import { SA_HANDLER, SA_SIG_DFL } from './consts.ts';
import type { SelfProcess } from './process.ts';

/** linux-6.6 kernel/signal.c:205 SYNCHRONOUS_MASK (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS). */
const SYNCHRONOUS_MASK = sigmask(SIG.SIGSEGV) | sigmask(7) | sigmask(4) | sigmask(SIG.SIGTRAP) | sigmask(8) | sigmask(SIG.SIGSYS);

/** The invariant the death of the process by its own forced SIGSYS is reported under. */
export const SIGSYS_NOT_FATAL = 'sigsys-not-fatal';

export interface Era {
  readonly name: '2.6.26' | '6.6';
  /** a source reference for a step, by the function it is in */
  ref(fn: Fn): string;
  /**
   * Which pending signal get_signal takes first. 2.6.26 next_signal takes
   * the lowest number; 6.6 dequeue_synchronous_signal takes a synchronous
   * signal the kernel sent (si_code > SI_USER) first. The only SIGSYS in
   * these models is the interception's, sent by the kernel.
   */
  pick(pending: number, blocked: number): number;
}

// Line of each step in each kernel (file:line function). One table per era.
const LINES_2626 = {
  send_lock: 'kernel/signal.c:1182 send_sig_info',
  group_lock: 'kernel/signal.c:1021 group_send_sig_info',
  prepare_flags: 'kernel/signal.c:621 prepare_signal',
  sig_ignored: 'kernel/signal.c:66 sig_ignored',
  legacy_queue: 'kernel/signal.c:820 send_signal',
  sigaddset: 'kernel/signal.c:872 send_signal',
  wants_signal: 'kernel/signal.c:713 wants_signal',
  signal_wake_up: 'kernel/signal.c:497 signal_wake_up',
  kick: 'kernel/signal.c:510 signal_wake_up',
  send_unlock: 'kernel/signal.c:1184 send_sig_info',
  force_lock: 'kernel/signal.c:939 force_sig_info',
  force_action: 'kernel/signal.c:941 force_sig_info',
  force_blocked: 'kernel/signal.c:942 force_sig_info',
  force_dfl: 'kernel/signal.c:944 force_sig_info',
  force_unblock: 'kernel/signal.c:946 force_sig_info',
  force_unlock: 'kernel/signal.c:953 force_sig_info',
  get_lock: 'kernel/signal.c:1751 get_signal_to_deliver',
  dequeue: 'kernel/signal.c:387 __dequeue_signal',
  dequeue_shared: 'kernel/signal.c:421 dequeue_signal',
  collect: 'kernel/signal.c:374 collect_signal',
  recalc_pending: 'kernel/signal.c:107 recalc_sigpending_tsk',
  recalc_set: 'kernel/signal.c:109 recalc_sigpending_tsk',
  recalc_clear: 'kernel/signal.c:133 recalc_sigpending',
  action: 'kernel/signal.c:1786 get_signal_to_deliver',
  get_unlock: 'kernel/signal.c:1873 get_signal_to_deliver',
  fatal_unlock: 'kernel/signal.c:1846 get_signal_to_deliver',
  group_exit: 'kernel/signal.c:1870 get_signal_to_deliver',
  setup_frame: 'arch/x86/kernel/signal_64.c:372 handle_signal',
  deliver_lock: 'arch/x86/kernel/signal_64.c:397 handle_signal',
  deliver_block: 'arch/x86/kernel/signal_64.c:400 handle_signal',
  deliver_unlock: 'arch/x86/kernel/signal_64.c:402 handle_signal',
  sigreturn_lock: 'arch/x86/kernel/signal_64.c:135 sys_rt_sigreturn',
  sigreturn_set: 'arch/x86/kernel/signal_64.c:136 sys_rt_sigreturn',
  sigreturn_unlock: 'arch/x86/kernel/signal_64.c:138 sys_rt_sigreturn',
  exit_irqs_off: 'arch/x86/kernel/entry_64.S:341 int_ret_from_sys_call',
  exit_flags: 'arch/x86/kernel/entry_64.S:349 int_with_check',
  exit_irqs_on: 'arch/x86/kernel/entry_64.S:377 int_very_careful',
  exit_signal: 'arch/x86/kernel/entry_64.S:395 int_signal',
  exit_user: 'arch/x86/kernel/entry_64.S:353 int_with_check',
  retint_flags: 'arch/x86/kernel/entry_64.S:624 retint_careful',
  retint_signal: 'arch/x86/kernel/entry_64.S:646 retint_signal',
} as const;
type Fn = keyof typeof LINES_2626;

const LINES_66: Readonly<Record<Fn, string>> = {
  send_lock: 'kernel/signal.c:1423 __lock_task_sighand',
  group_lock: 'kernel/signal.c:1423 __lock_task_sighand',
  prepare_flags: 'kernel/signal.c:918 prepare_signal',
  sig_ignored: 'kernel/signal.c:110 sig_ignored',
  legacy_queue: 'kernel/signal.c:1105 __send_signal_locked',
  sigaddset: 'kernel/signal.c:1179 __send_signal_locked',
  wants_signal: 'kernel/signal.c:989 wants_signal',
  signal_wake_up: 'kernel/signal.c:773 signal_wake_up_state',
  kick: 'kernel/signal.c:783 signal_wake_up_state',
  send_unlock: 'kernel/signal.c:1312 do_send_sig_info',
  force_lock: 'kernel/signal.c:1344 force_sig_info_to_task',
  force_action: 'kernel/signal.c:1346 force_sig_info_to_task',
  force_blocked: 'kernel/signal.c:1347 force_sig_info_to_task',
  force_dfl: 'kernel/signal.c:1349 force_sig_info_to_task',
  force_unblock: 'kernel/signal.c:1353 force_sig_info_to_task',
  force_unlock: 'kernel/signal.c:1365 force_sig_info_to_task',
  get_lock: 'kernel/signal.c:2684 get_signal',
  dequeue: 'kernel/signal.c:2770 get_signal',
  dequeue_shared: 'kernel/signal.c:648 dequeue_signal',
  collect: 'kernel/signal.c:591 collect_signal',
  recalc_pending: 'kernel/signal.c:159 recalc_sigpending_tsk',
  recalc_set: 'kernel/signal.c:162 recalc_sigpending_tsk',
  recalc_clear: 'kernel/signal.c:187 recalc_sigpending',
  action: 'kernel/signal.c:2785 get_signal',
  get_unlock: 'kernel/signal.c:2895 get_signal',
  fatal_unlock: 'kernel/signal.c:2857 get_signal',
  group_exit: 'kernel/signal.c:2892 get_signal',
  setup_frame: 'arch/x86/kernel/signal.c:266 handle_signal',
  deliver_lock: 'kernel/signal.c:3081 __set_current_blocked',
  deliver_block: 'kernel/signal.c:3053 __set_task_blocked (from signal_delivered:2925-2928)',
  deliver_unlock: 'kernel/signal.c:3083 __set_current_blocked',
  sigreturn_lock: 'kernel/signal.c:3081 __set_current_blocked',
  sigreturn_set: 'kernel/signal.c:3053 __set_task_blocked (from arch/x86/kernel/signal_64.c:261 rt_sigreturn)',
  sigreturn_unlock: 'kernel/signal.c:3083 __set_current_blocked',
  exit_irqs_off: 'kernel/entry/common.c:284 syscall_exit_to_user_mode_work',
  exit_flags: 'kernel/entry/common.c:202 exit_to_user_mode_prepare',
  exit_irqs_on: 'kernel/entry/common.c:156 exit_to_user_mode_loop',
  exit_signal: 'kernel/entry/common.c:168 exit_to_user_mode_loop',
  exit_user: 'kernel/entry/common.c:134 __exit_to_user_mode',
  retint_flags: 'kernel/entry/common.c:202 exit_to_user_mode_prepare (irqentry_exit_to_user_mode)',
  retint_signal: 'kernel/entry/common.c:168 exit_to_user_mode_loop',
};

const lowestOf = (set: number) => (set === 0 ? 0 : 32 - Math.clz32(set & -set));

export const ERA_2626: Era = {
  name: '2.6.26',
  ref: (fn) => `linux-2.6.26 ${LINES_2626[fn]}`,
  // linux-2.6.26 kernel/signal.c:139-170 next_signal: the lowest unblocked number
  pick: (pending, blocked) => lowestOf(pending & ~blocked),
};

export const ERA_66: Era = {
  name: '6.6',
  ref: (fn) => `linux-6.6 ${LINES_66[fn]}`,
  // linux-6.6 kernel/signal.c:716-756 dequeue_synchronous_signal first, then next_signal (:226)
  pick: (pending, blocked) => {
    const ready = pending & ~blocked;
    const s = ready & SYNCHRONOUS_MASK;
    return lowestOf(s !== 0 ? s : ready);
  },
};

// ---- TIF_SIGPENDING -------------------------------------------------------

/** recalc_sigpending [siglock held]: set TIF_SIGPENDING if something is pending, else clear it (current only). */
export function* recalc_sigpending(era: Era, t: LinuxTask): Program<void> {
  const own: number = yield load(t.pending, era.ref('recalc_pending'), 'PENDING(&t->pending, &t->blocked)');
  const blocked: number = yield load(t.blocked, era.ref('recalc_pending'), 'PENDING(&t->pending, &t->blocked)');
  const shared: number = yield load(
    t.signal.shared_pending,
    era.ref('recalc_pending'),
    'PENDING(&t->signal->shared_pending, &t->blocked)',
  );
  if (((own | shared) & ~blocked) !== 0) {
    yield rmw(t.tif, (v) => v | TIF_SIGPENDING, era.ref('recalc_set'), 'set_tsk_thread_flag(t, TIF_SIGPENDING)');
  } else {
    yield rmw(t.tif, (v) => v & ~TIF_SIGPENDING, era.ref('recalc_clear'), 'clear_thread_flag(TIF_SIGPENDING)');
  }
}

// ---- sending --------------------------------------------------------------

/**
 * send_signal / __send_signal_locked [t's siglock held]: prepare_signal's
 * checks, legacy_queue, sigaddset, complete_signal. Both handled signals are
 * never ignored, so prepare_signal reduces to its group-exit and blocked
 * tests.
 */
function* send_signal_locked(era: Era, sig: number, t: LinuxTask, group: boolean): Program<void> {
  const flags: number = yield load(t.signal.flags, era.ref('prepare_flags'), 'if (signal->flags & SIGNAL_GROUP_EXIT)');
  if (flags & SIGNAL_GROUP_EXIT) return;
  yield load(t.blocked, era.ref('sig_ignored'), `sigismember(&t->blocked, ${signalName(sig)})`);
  const pending = group ? t.signal.shared_pending : t.pending;
  const bit = sigmask(sig);
  const old: number = yield load(pending, era.ref('legacy_queue'), `if (legacy_queue(pending, ${signalName(sig)}))`);
  if (old & bit) return;
  yield rmw(pending, (s) => s | bit, era.ref('sigaddset'), `sigaddset(&pending->signal, ${signalName(sig)})`);
  // complete_signal: one thread, so it takes the signal if it does not block it
  const blocked: number = yield load(t.blocked, era.ref('wants_signal'), `if (sigismember(&p->blocked, ${signalName(sig)}))`);
  if (blocked & bit) return;
  yield rmw(t.tif, (v) => v | TIF_SIGPENDING, era.ref('signal_wake_up'), `set_tsk_thread_flag(${t.name}, TIF_SIGPENDING)`);
  // kick_process(t) (era.ref('kick')): the IPI's effect, a return to user mode on t's CPU, is the user-mode check of user.ts
}

/** kill(2) of a process: group_send_sig_info → __group_send_sig_info (shared pending). */
export function* group_send_sig_info(era: Era, sig: number, t: LinuxTask): Program<void> {
  const flags = yield* spinLockIrqsave(t.siglock, era.ref('group_lock'), `lock_task_sighand(${t.name})`);
  yield* send_signal_locked(era, sig, t, true);
  yield* spinUnlockIrqrestore(t.siglock, flags, era.ref('send_unlock'), 'unlock_task_sighand');
}

/** send_sig(sig, current, 1) → send_sig_info: a thread-directed signal, delivered only when unblocked. */
export function* send_sig(era: Era, sig: number, t: LinuxTask): Program<void> {
  const flags = yield* spinLockIrqsave(t.siglock, era.ref('send_lock'), `spin_lock_irqsave(&${t.name}->sighand->siglock)`);
  yield* send_signal_locked(era, sig, t, false);
  yield* spinUnlockIrqrestore(t.siglock, flags, era.ref('send_unlock'), 'spin_unlock_irqrestore');
}

/**
 * force_sig_info (2.6.26) / force_sig_info_to_task(HANDLER_CURRENT) (6.6):
 * a blocked or ignored signal gets SIG_DFL back, and a blocked one is
 * unblocked, then it is sent.
 */
export function* force_sig_info(era: Era, sp: SelfProcess, sig: number): Program<void> {
  const t = sp.task;
  const flags = yield* spinLockIrqsave(t.siglock, era.ref('force_lock'), `spin_lock_irqsave(&${t.name}->sighand->siglock)`);
  yield load(sp.sigsys_action, era.ref('force_action'), 'ignored = action->sa.sa_handler == SIG_IGN');
  const blocked: number = yield load(
    t.blocked,
    era.ref('force_blocked'),
    `blocked = sigismember(&t->blocked, ${signalName(sig)})`,
  );
  if (blocked & sigmask(sig)) {
    yield store(sp.sigsys_action, SA_SIG_DFL, era.ref('force_dfl'), 'action->sa.sa_handler = SIG_DFL');
    yield rmw(t.blocked, (b) => b & ~sigmask(sig), era.ref('force_unblock'), `sigdelset(&t->blocked, ${signalName(sig)})`);
    yield* recalc_sigpending(era, t);
  }
  yield* send_signal_locked(era, sig, t, false);
  yield* spinUnlockIrqrestore(t.siglock, flags, era.ref('force_unlock'), 'spin_unlock_irqrestore');
}

// ---- delivery -------------------------------------------------------------

/**
 * get_signal_to_deliver (2.6.26) / get_signal (6.6) for a process whose
 * handled signals are SIGUSR1 and SIGSYS: returns the signal whose handler
 * must run, or 0. SIGSYS with SIG_DFL (after force_sig_info reset it) is
 * fatal: the process dies with a core dump, reported as `sigsys-not-fatal`.
 */
export function* get_signal(k: LinuxKernel, ctx: TaskContext, era: Era, sp: SelfProcess): Program<number> {
  const t = sp.task;
  yield* spinLockIrq(t.siglock, era.ref('get_lock'), 'spin_lock_irq(&sighand->siglock)');
  const blocked: number = yield load(t.blocked, era.ref('dequeue'), 'mask = &current->blocked');
  let signr = 0;
  for (const [cell, fn] of [
    [t.pending, 'dequeue'],
    [t.signal.shared_pending, 'dequeue_shared'],
  ] as const) {
    const set: number = yield load(cell, era.ref(fn), 'sig = next_signal(pending, mask)');
    signr = era.pick(set, blocked);
    if (signr) {
      const bit = sigmask(signr);
      yield rmw(cell, (s) => s & ~bit, era.ref('collect'), `sigdelset(&list->signal, ${signalName(signr)})`);
      break;
    }
  }
  yield* recalc_sigpending(era, t);
  if (!signr) {
    yield* spinUnlockIrq(t.siglock, era.ref('get_unlock'), 'spin_unlock_irq(&sighand->siglock)');
    return 0;
  }
  if (signr === SIG.SIGSYS) {
    const h: number = yield load(sp.sigsys_action, era.ref('action'), 'ka = &sighand->action[signr-1]');
    if (h !== SA_HANDLER) {
      yield* spinUnlockIrq(t.siglock, era.ref('fatal_unlock'), 'spin_unlock_irq(&sighand->siglock)');
      yield check(
        SIGSYS_NOT_FATAL,
        [],
        () => `${t.name} dies of its own SIGSYS (the handler was reset to SIG_DFL by force_sig_info): core dump, do_group_exit`,
        era.ref('group_exit'),
        'do_group_exit(SIGSYS)',
      );
      yield* do_exit(k, ctx, SIG.SIGSYS);
      return 0;
    }
  }
  yield* spinUnlockIrq(t.siglock, era.ref('get_unlock'), 'spin_unlock_irq(&sighand->siglock): run the handler');
  return signr;
}

/**
 * handle_signal's mask update after the frame is set up: blocked |= sa_mask
 * | sig (no SA_NODEFER, empty sa_mask). Returns the mask saved in the frame.
 */
export function* block_on_delivery(era: Era, t: LinuxTask, sig: number): Program<number> {
  yield nop(era.ref('setup_frame'), `setup_rt_frame(${signalName(sig)}): the handler's frame on the user stack`);
  yield* spinLockIrq(t.siglock, era.ref('deliver_lock'), 'spin_lock_irq(&current->sighand->siglock)');
  const saved: number = yield rmw(
    t.blocked,
    (b) => b | sigmask(sig),
    era.ref('deliver_block'),
    `sigaddset(&current->blocked, ${signalName(sig)})`,
  );
  yield* recalc_sigpending(era, t);
  yield* spinUnlockIrq(t.siglock, era.ref('deliver_unlock'), 'spin_unlock_irq(&current->sighand->siglock)');
  return saved;
}

/** rt_sigreturn's mask restore: blocked = the mask saved in the frame. */
export function* sigreturn_restore(era: Era, t: LinuxTask, saved: number): Program<void> {
  yield* spinLockIrq(t.siglock, era.ref('sigreturn_lock'), 'spin_lock_irq(&current->sighand->siglock)');
  yield store(t.blocked, saved, era.ref('sigreturn_set'), 'current->blocked = set (from the frame)');
  yield* recalc_sigpending(era, t);
  yield* spinUnlockIrq(t.siglock, era.ref('sigreturn_unlock'), 'spin_unlock_irq(&current->sighand->siglock)');
}
