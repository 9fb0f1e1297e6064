/**
 * Linux 6.6 constants the models use, with the formatters traces print them
 * with. Values are exact for 6.6.9.
 */
import { enumFormatter, type Formatter, flagsFormatter } from '../../cpu/memory.ts';

/** linux-6.6 include/linux/sched.h:86-123 — task states (__state). */
export const TASK_RUNNING = 0x0;
export const TASK_INTERRUPTIBLE = 0x1;
export const TASK_UNINTERRUPTIBLE = 0x2;
export const __TASK_STOPPED = 0x4;
export const __TASK_TRACED = 0x8;
export const TASK_DEAD = 0x80;
export const TASK_WAKEKILL = 0x100;
export const TASK_WAKING = 0x200;
/** sched.h:116-123 composites */
export const TASK_KILLABLE = TASK_WAKEKILL | TASK_UNINTERRUPTIBLE;
export const TASK_STOPPED = TASK_WAKEKILL | __TASK_STOPPED;
/** 6.6's TASK_TRACED; a model reads the value of the version it runs as from k.c (LinuxConsts) */
export const TASK_TRACED = __TASK_TRACED;
export const TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;

/** linux-6.6 include/linux/sched.h:86-89 — exit_state */
export const EXIT_DEAD = 0x10;
export const EXIT_ZOMBIE = 0x20;

/**
 * The constants whose values changed between the Linux versions a model can
 * run as, with the names traces print them by (LinuxOptions.consts; the
 * kernel's k.c). A variant selects another version's set; every path reads
 * the value from k.c, so old code keeps its old meaning and 6.6 code meets
 * the old values.
 */
export interface LinuxConsts {
  /** the version, as traces cite it */
  readonly version: string;
  /** TASK_TRACED: __TASK_TRACED since 5.19; TASK_WAKEKILL | __TASK_TRACED up to 5.18 */
  readonly TASK_TRACED: number;
  /** how a __state value prints */
  readonly stateFormatter: Formatter;
  /** the task-state oracle's name for a __state value (undefined: not a state the oracle knows) */
  readonly oracleState: (v: number) => string | undefined;
}

function versionConsts(version: string, traced: number, extra: Readonly<Record<number, string>>): LinuxConsts {
  const names: Record<number, string> = {
    [TASK_RUNNING]: 'TASK_RUNNING',
    [TASK_INTERRUPTIBLE]: 'TASK_INTERRUPTIBLE',
    [TASK_UNINTERRUPTIBLE]: 'TASK_UNINTERRUPTIBLE',
    [TASK_KILLABLE]: 'TASK_KILLABLE',
    [TASK_STOPPED]: 'TASK_STOPPED',
    ...extra,
    [traced]: 'TASK_TRACED',
    [TASK_DEAD]: 'TASK_DEAD',
    [TASK_WAKING]: 'TASK_WAKING',
  };
  const oracle: Record<number, string> = {
    [TASK_RUNNING]: 'RUNNING',
    [TASK_INTERRUPTIBLE]: 'INTERRUPTIBLE',
    [TASK_UNINTERRUPTIBLE]: 'UNINTERRUPTIBLE',
    [TASK_KILLABLE]: 'KILLABLE',
    [TASK_STOPPED]: 'STOPPED',
    [__TASK_TRACED]: 'TRACED',
    [traced]: 'TRACED',
    [TASK_WAKING]: 'WAKING',
    [TASK_DEAD]: 'DEAD',
  };
  return { version, TASK_TRACED: traced, stateFormatter: enumFormatter(names), oracleState: (v) => oracle[v] };
}

/** Linux 6.6 (and every version since 5.19, 31cae1eaae4f "sched,signal,ptrace: Rework TASK_TRACED, TASK_STOPPED state"). */
export const LINUX_6_6: LinuxConsts = versionConsts('linux-6.6', __TASK_TRACED, {});

/**
 * Linux up to 5.18: TASK_TRACED = TASK_WAKEKILL | __TASK_TRACED (so a fatal
 * signal's TASK_WAKEKILL wakeup ends a ptrace stop), and a request's freeze
 * is the bare __TASK_TRACED (history.ts ptrace_freeze_traced_5_18), which
 * the oracle counts as TRACED too.
 */
export const LINUX_5_18: LinuxConsts = versionConsts('linux-5.18', TASK_WAKEKILL | __TASK_TRACED, {
  [__TASK_TRACED]: '__TASK_TRACED',
});

/** 6.6's __state names (a kernel prints by its own k.c.stateFormatter) */
export const stateFormatter: Formatter = LINUX_6_6.stateFormatter;

export const exitStateFormatter: Formatter = enumFormatter({ 0: '0', [EXIT_DEAD]: 'EXIT_DEAD', [EXIT_ZOMBIE]: 'EXIT_ZOMBIE' });

/** linux-6.6 include/linux/sched/jobctl.h:12-41 */
export const JOBCTL_STOP_SIGMASK = 0xffff;
export const JOBCTL_STOP_DEQUEUED = 1 << 16;
export const JOBCTL_STOP_PENDING = 1 << 17;
export const JOBCTL_STOP_CONSUME = 1 << 18;
export const JOBCTL_TRAP_STOP = 1 << 19;
export const JOBCTL_TRAP_NOTIFY = 1 << 20;
export const JOBCTL_TRAPPING = 1 << 21;
export const JOBCTL_LISTENING = 1 << 22;
export const JOBCTL_TRAP_FREEZE = 1 << 23;
export const JOBCTL_PTRACE_FROZEN = 1 << 24;
export const JOBCTL_STOPPED = 1 << 26;
export const JOBCTL_TRACED = 1 << 27;
export const JOBCTL_TRAP_MASK = JOBCTL_TRAP_STOP | JOBCTL_TRAP_NOTIFY;
export const JOBCTL_PENDING_MASK = JOBCTL_STOP_PENDING | JOBCTL_TRAP_MASK;

const jobctlFlags = flagsFormatter({
  [JOBCTL_STOP_DEQUEUED]: 'STOP_DEQUEUED',
  [JOBCTL_STOP_PENDING]: 'STOP_PENDING',
  [JOBCTL_STOP_CONSUME]: 'STOP_CONSUME',
  [JOBCTL_TRAP_STOP]: 'TRAP_STOP',
  [JOBCTL_TRAP_NOTIFY]: 'TRAP_NOTIFY',
  [JOBCTL_TRAPPING]: 'TRAPPING',
  [JOBCTL_LISTENING]: 'LISTENING',
  [JOBCTL_TRAP_FREEZE]: 'TRAP_FREEZE',
  [JOBCTL_PTRACE_FROZEN]: 'PTRACE_FROZEN',
  [JOBCTL_STOPPED]: 'STOPPED',
  [JOBCTL_TRACED]: 'TRACED',
});
/** jobctl: flag names, plus the stop signal number held in the low 16 bits. */
export const jobctlFormatter: Formatter = (v) => {
  const sig = v & JOBCTL_STOP_SIGMASK;
  const flags = jobctlFlags(v & ~JOBCTL_STOP_SIGMASK);
  return sig === 0 ? flags : `${flags}|sig=${sig}`;
};

/** linux-6.6 include/linux/ptrace.h:31-47 */
export const PT_PTRACED = 0x1;
export const PT_SEIZED = 0x10000;
export const ptraceFormatter: Formatter = flagsFormatter({ [PT_PTRACED]: 'PT_PTRACED', [PT_SEIZED]: 'PT_SEIZED' });

/** Thread-info flags, one cell per task (arch/x86 thread_info.h bit meaning, our own bit values). */
export const TIF_SIGPENDING = 1 << 0;
export const TIF_NEED_RESCHED = 1 << 1;
/** arch/x86/include/asm/thread_info.h:94 — task_work or io_uring has work for the task (set_notify_signal) */
export const TIF_NOTIFY_SIGNAL = 1 << 2;
export const tifFormatter: Formatter = flagsFormatter({
  [TIF_SIGPENDING]: 'TIF_SIGPENDING',
  [TIF_NEED_RESCHED]: 'TIF_NEED_RESCHED',
  [TIF_NOTIFY_SIGNAL]: 'TIF_NOTIFY_SIGNAL',
});

/** linux-6.6 include/linux/sched/signal.h:253-266 — signal_struct->flags */
export const SIGNAL_STOP_STOPPED = 0x1;
export const SIGNAL_STOP_CONTINUED = 0x2;
export const SIGNAL_GROUP_EXIT = 0x4;
export const SIGNAL_CLD_STOPPED = 0x10;
export const SIGNAL_CLD_CONTINUED = 0x20;
export const SIGNAL_CLD_MASK = SIGNAL_CLD_STOPPED | SIGNAL_CLD_CONTINUED;
export const SIGNAL_STOP_MASK = SIGNAL_CLD_MASK | SIGNAL_STOP_STOPPED | SIGNAL_STOP_CONTINUED;
export const signalFlagsFormatter: Formatter = flagsFormatter({
  [SIGNAL_STOP_STOPPED]: 'SIGNAL_STOP_STOPPED',
  [SIGNAL_STOP_CONTINUED]: 'SIGNAL_STOP_CONTINUED',
  [SIGNAL_GROUP_EXIT]: 'SIGNAL_GROUP_EXIT',
  [SIGNAL_CLD_STOPPED]: 'SIGNAL_CLD_STOPPED',
  [SIGNAL_CLD_CONTINUED]: 'SIGNAL_CLD_CONTINUED',
});

/** linux-6.6 include/uapi/asm-generic/siginfo.h — si_code for SIGCHLD */
export const CLD_EXITED = 1;
export const CLD_TRAPPED = 4;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

/** linux-6.6 kernel/sched/sched.h:104 — on_rq */
export const TASK_ON_RQ_QUEUED = 1;

/** __schedule's sched_mode (kernel/sched/core.c:6545-6548) */
export const SM_NONE = 0;
export const SM_PREEMPT = 1;

/** wait options (include/uapi/linux/wait.h) */
export const WNOHANG = 0x1;
export const WUNTRACED = 0x2;
export const WCONTINUED = 0x8;
export const WNOWAIT = 0x01000000;
/** wait for children of this thread only, not of the whole thread group */
export const __WNOTHREAD = 0x20000000;
/**
 * wait for any child, clone or not (eligible_child, exit.c:1040-1052). The model gives every task the
 * exit_signal SIGCHLD and does not test it: a waitpid on a thread passes __WALL as a program must.
 */
export const __WALL = 0x40000000;
