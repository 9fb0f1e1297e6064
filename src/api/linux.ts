/**
 * `ptrace-mc/linux`: the Linux 6.6 model a concern is written with — the
 * kernel object, the task-state constants, the scheduler, wait-queue,
 * signal, entry and ptrace paths under their kernel names (each step
 * carries its source line), the invariants, and the generated workloads
 * behind the property tests (`workloadArb`, `buildWorkload`). Every path
 * of LINUX_PATHS (the table `k.fn` starts from) is exported by its name, so
 * a concern can import any one, call it, or override it.
 */

export { SIG, sigmask } from '../kernel/common/bits.ts';
export * from '../kernel/linux/consts.ts';
export {
  arch_do_signal_or_restart,
  exit_to_user_mode,
  exit_to_user_mode_loop,
  exit_to_user_mode_prepare,
  irqentry_enter,
  irqentry_exit_to_user_mode,
  syscall_enter_from_user_mode,
} from '../kernel/linux/entry.ts';
export { de_thread, ptrace_event, sys_execve } from '../kernel/linux/exec.ts';
export { __exit_signal, do_exit, do_group_exit, do_task_dead, exit_notify, release_task } from '../kernel/linux/exit.ts';
export { forget_original_parent, notify_parent } from '../kernel/linux/exit-notify.ts';
export {
  do_wait,
  do_wait_pid,
  do_wait_thread,
  is_effectively_child,
  task_stopped_code,
  type WaitpidResult,
  wait_consider_task,
  wait_task_continued,
  wait_task_stopped,
  wait_task_zombie,
} from '../kernel/linux/exit-wait.ts';
export * as history from '../kernel/linux/history.ts';
export { __set_current_state, set_current_state, set_special_state } from '../kernel/linux/include/sched.ts';
export {
  __fatal_signal_pending,
  clear_notify_signal,
  fatal_signal_pending,
  set_notify_signal,
  signal_pending,
  signal_pending_state,
  task_sigpending,
} from '../kernel/linux/include/sched-signal.ts';
export {
  type LinuxInvariantOptions,
  registerLinuxInvariants,
  type SleepCondition,
  sleepsWhile,
} from '../kernel/linux/invariants.ts';
export { LinuxKernel, type LinuxOptions, type SpawnOptions, type TaskBody } from '../kernel/linux/kernel.ts';
export { type LinuxBug, putBack } from '../kernel/linux/known-bugs.ts';
export {
  __mutex_add_waiter,
  __mutex_handoff,
  __mutex_lock_common,
  __mutex_remove_waiter,
  __mutex_trylock_common,
  __mutex_trylock_fast,
  type Mutex,
  mutex_lock,
  mutex_lock_interruptible,
  mutex_lock_killable,
  mutex_unlock,
} from '../kernel/linux/mutex.ts';
export { type LinuxTask, type WaitQueueHead, waitQueueHead } from '../kernel/linux/objects.ts';
export { LINUX_PATHS, type LinuxPaths } from '../kernel/linux/paths.ts';
export {
  __ptrace_detach,
  __ptrace_link,
  __ptrace_unlink,
  exit_ptrace,
  PTRACE,
  ptrace_attach,
  ptrace_check_attach,
  ptrace_detach,
  ptrace_freeze_traced,
  ptrace_interrupt,
  ptrace_listen,
  ptrace_peekdata,
  ptrace_request,
  ptrace_resume,
  ptrace_resume_flags,
  ptrace_traceme,
  ptrace_unfreeze_traced,
  sys_ptrace,
} from '../kernel/linux/ptrace.ts';
export { registerPtraceInvariants } from '../kernel/linux/ptrace-invariants.ts';
export {
  __flush_smp_call_function_queue,
  __schedule,
  __task_rq_lock,
  __ttwu_queue_wakelist,
  activate_task,
  available_idle_cpu,
  check_preempt_curr,
  context_switch,
  deactivate_task,
  default_wake_function,
  do_idle,
  finish_task_switch,
  generic_smp_call_function_single_interrupt,
  irqentry_exit,
  kick_process,
  pick_next_task,
  preempt_schedule_irq,
  resched_curr,
  sched_ttwu_pending,
  schedule,
  schedule_idle,
  schedule_tail,
  scheduler_ipi,
  scheduler_tick,
  select_task_rq,
  smp_send_reschedule,
  try_to_wake_up,
  ttwu_do_activate,
  ttwu_do_wakeup,
  ttwu_queue,
  ttwu_queue_cond,
  ttwu_queue_wakelist,
  ttwu_runnable,
  ttwu_wakelist_on_cpu,
  wake_q_add,
  wake_up_process,
  wake_up_q,
  wake_up_state,
} from '../kernel/linux/sched/core.ts';
export {
  ___wait_event,
  __wait_on_bit,
  __wake_up,
  __wake_up_common_lock,
  __wake_up_sync_key,
  add_wait_queue,
  add_wait_queue_exclusive,
  autoremove_wake_function,
  bit_wait,
  child_wait_callback,
  finish_wait,
  prepare_to_wait,
  prepare_to_wait_event,
  prepare_to_wait_exclusive,
  remove_wait_queue,
  wait_on_bit,
  wake_bit_function,
  wake_entry,
  wake_up_bit,
} from '../kernel/linux/sched/wait.ts';
export { task_rq_lock, wait_task_inactive } from '../kernel/linux/sched/wait-task-inactive.ts';
export {
  __send_signal_locked,
  __set_current_blocked,
  __set_task_blocked,
  complete_signal,
  dequeue_signal,
  do_notify_parent_cldstop,
  do_send_sig_info,
  do_signal_stop,
  get_signal,
  group_send_sig_info,
  prepare_signal,
  ptrace_signal_wake_up,
  ptrace_trap_notify,
  recalc_sigpending,
  recalc_sigpending_tsk,
  retarget_shared_pending,
  SIG_BLOCK,
  SIG_SETMASK,
  SIG_UNBLOCK,
  send_signal_locked,
  set_current_blocked,
  sigcont_end_stop,
  signal_set_stop_flags,
  signal_wake_up,
  signal_wake_up_state,
  sigprocmask,
  sys_pause,
  sys_rt_sigprocmask,
  task_clear_jobctl_pending,
  task_clear_jobctl_trapping,
  task_participate_group_stop,
  task_set_jobctl_pending,
  thread_group_empty,
  thread_walk,
  wants_signal,
  zap_other_threads,
} from '../kernel/linux/signal.ts';
export {
  do_jobctl_trap,
  do_notify_parent,
  ptrace_do_notify,
  ptrace_notify,
  ptrace_reparented,
  ptrace_signal,
  ptrace_stop,
  ptrace_stop_return,
} from '../kernel/linux/signal-ptrace.ts';
export {
  type TaskWork,
  TWA_NONE,
  TWA_SIGNAL,
  task_work_add,
  task_work_pending,
  task_work_run,
} from '../kernel/linux/task-work.ts';
export { script, setupPtrace, UserProc } from '../kernel/linux/user.ts';
export { type Action, buildWorkload, type TaskSpec, type Workload, workloadArb } from '../kernel/linux/workload.ts';
