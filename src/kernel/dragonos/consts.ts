/**
 * The DragonOS model's constants (a module with no imports of the model's
 * own, so every path module can use them while kernel.ts, which imports the
 * paths, is still loading).
 */
import { enumFormatter, flagsFormatter } from '../../cpu/memory.ts';

/** ProcessState, one number per variant of the enum the scenarios reach. */
export const ST = {
  Runnable: 0,
  BlockedInterruptible: 1,
  Stopped: 2,
  TracedStopped: 3,
  Exited: 4,
} as const;
export const stateFmt = enumFormatter({ 0: 'Runnable', 1: 'Blocked(true)', 2: 'Stopped', 3: 'TracedStopped', 4: 'Exited' });

/** ProcessFlags bits the scenarios use (the values are the model's, not DragonOS's). */
export const PF = {
  HAS_PENDING_SIGNAL: 1,
  NEED_SCHEDULE: 2,
  PTRACED: 4,
  TRAPPING: 8,
  TRACE_SYSCALL: 16,
  STOPPED: 32,
  RESTORE_SIG_MASK: 64,
} as const;
export const pfFmt = flagsFormatter({
  1: 'HAS_PENDING_SIGNAL',
  2: 'NEED_SCHEDULE',
  4: 'PTRACED',
  8: 'TRAPPING',
  16: 'TRACE_SYSCALL',
  32: 'STOPPED',
  64: 'RESTORE_SIG_MASK',
});
/** exit_to_user_mode_work(): the flags that keep a task in the exit loop. */
export const EXIT_WORK = PF.HAS_PENDING_SIGNAL | PF.NEED_SCHEDULE;

/** SignalFlags of the sighand (job control). */
export const SF = { CLD_STOPPED: 1, STOP_STOPPED: 2, CLD_CONTINUED: 4, STOP_CONTINUED: 8, GROUP_EXIT: 16 } as const;
export const sfFmt = flagsFormatter({
  1: 'CLD_STOPPED',
  2: 'STOP_STOPPED',
  4: 'CLD_CONTINUED',
  8: 'STOP_CONTINUED',
  16: 'GROUP_EXIT',
});

/**
 * The invariant a breach of DragonOS's lock rules fails (guards.ts): a
 * field that lives inside a lock (a task's sched_info state and sleep flag,
 * sig_info, on_rq, ptrace_state, the sighand, the rq) is accessed only
 * while the lock's guard is held. Apart from the engine's `lock-discipline`
 * (lockdep's rules), which master's rows cannot check: master breaks its
 * irq-safety rule (the c2 finding).
 */
export const GUARD_HELD = 'guard-held';
