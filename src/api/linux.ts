/**
 * `ptrace-mc/linux`: the Linux 6.6 model a concern is written with — the
 * kernel object, the task-state constants, the scheduler, wait-queue,
 * signal, entry and ptrace paths under their kernel names (each step
 * carries its source line), the invariants, and the generated workloads
 * behind the property tests (`workloadArb`, `buildWorkload`).
 */

export { SIG, sigmask } from '../kernel/common/bits.ts';
export * from '../kernel/linux/consts.ts';
export { exit_to_user_mode } from '../kernel/linux/entry.ts';
export { de_thread, sys_execve } from '../kernel/linux/exec.ts';
export { do_wait, type WaitpidResult } from '../kernel/linux/exit-wait.ts';
export * as history from '../kernel/linux/history.ts';
export { __set_current_state, set_current_state, set_special_state } from '../kernel/linux/include/sched.ts';
export {
  type LinuxInvariantOptions,
  registerLinuxInvariants,
  type SleepCondition,
  sleepsWhile,
} from '../kernel/linux/invariants.ts';
export { LinuxKernel, type LinuxOptions, type SpawnOptions, type TaskBody } from '../kernel/linux/kernel.ts';
export { type LinuxBug, putBack } from '../kernel/linux/known-bugs.ts';
export { type Mutex, mutex_lock, mutex_lock_interruptible, mutex_lock_killable, mutex_unlock } from '../kernel/linux/mutex.ts';
export { type LinuxTask, type WaitQueueHead, waitQueueHead } from '../kernel/linux/objects.ts';
export { LINUX_PATHS, type LinuxPaths } from '../kernel/linux/paths.ts';
export { PTRACE, ptrace_attach, ptrace_detach, ptrace_resume, ptrace_traceme, sys_ptrace } from '../kernel/linux/ptrace.ts';
export { registerPtraceInvariants } from '../kernel/linux/ptrace-invariants.ts';
export { schedule, try_to_wake_up, wake_up_process, wake_up_state } from '../kernel/linux/sched/core.ts';
export {
  ___wait_event,
  __wake_up,
  finish_wait,
  prepare_to_wait,
  prepare_to_wait_exclusive,
  wait_on_bit,
  wake_up_bit,
} from '../kernel/linux/sched/wait.ts';
export {
  do_send_sig_info,
  get_signal,
  group_send_sig_info,
  SIG_BLOCK,
  SIG_SETMASK,
  SIG_UNBLOCK,
  sigprocmask,
  sys_pause,
  zap_other_threads,
} from '../kernel/linux/signal.ts';
export { type TaskWork, TWA_NONE, TWA_SIGNAL, task_work_add } from '../kernel/linux/task-work.ts';
export { script, setupPtrace, UserProc } from '../kernel/linux/user.ts';
export { type Action, buildWorkload, type TaskSpec, type Workload, workloadArb } from '../kernel/linux/workload.ts';
