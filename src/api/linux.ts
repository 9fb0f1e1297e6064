/**
 * `ptrace-mc/linux`: the Linux 6.6 model a concern is written with — the
 * kernel object, the task-state constants, the scheduler, wait-queue,
 * signal, entry and ptrace paths under their kernel names (each step
 * carries its source line), the invariants, and the generated workloads
 * behind the property tests (`workloadArb`, `buildWorkload`). Every path
 * of LINUX_PATHS (the table `k.fn` starts from) is exported by its name —
 * each module of paths is exported whole — so a concern can import any
 * one, call it, or override it.
 */

export { SIG, sigmask } from '../kernel/common/bits.ts';
export * from '../kernel/linux/consts.ts';
export * from '../kernel/linux/entry.ts';
export * from '../kernel/linux/exec.ts';
export * from '../kernel/linux/exit.ts';
export * from '../kernel/linux/exit-notify.ts';
export * from '../kernel/linux/exit-wait.ts';
export * as history from '../kernel/linux/history.ts';
export * from '../kernel/linux/include/sched.ts';
export * from '../kernel/linux/include/sched-signal.ts';
export {
  type LinuxInvariantOptions,
  registerLinuxInvariants,
  type SleepCondition,
  sleepsWhile,
} from '../kernel/linux/invariants.ts';
export { LinuxKernel, type LinuxOptions, type SpawnOptions, type TaskBody } from '../kernel/linux/kernel.ts';
export { type LinuxBug, putBack } from '../kernel/linux/known-bugs.ts';
export * from '../kernel/linux/mutex.ts';
export { type LinuxTask, type WaitQueueHead, waitQueueHead } from '../kernel/linux/objects.ts';
export { LINUX_PATHS, type LinuxPaths } from '../kernel/linux/paths.ts';
export * from '../kernel/linux/ptrace.ts';
// defined in exec.ts and ptrace.ts alike: the one name, once
export { ERESTARTNOINTR } from '../kernel/linux/ptrace.ts';
export { registerPtraceInvariants, waitReportReady } from '../kernel/linux/ptrace-invariants.ts';
export * from '../kernel/linux/sched/core.ts';
export * from '../kernel/linux/sched/wait.ts';
export * from '../kernel/linux/sched/wait-task-inactive.ts';
export * from '../kernel/linux/signal.ts';
export { registerSigkillKills } from '../kernel/linux/signal-invariants.ts';
export * from '../kernel/linux/signal-ptrace.ts';
export * from '../kernel/linux/task-work.ts';
export { script, setupPtrace, UserProc } from '../kernel/linux/user.ts';
export { type Action, buildWorkload, type TaskSpec, type Workload, workloadArb } from '../kernel/linux/workload.ts';
