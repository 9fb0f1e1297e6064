/**
 * `ptrace-mc/demo`: the small scheduler the demo scenarios run on — tasks
 * that sleep and wake through a toy runqueue — for trying the tool on a
 * race before writing one against a real kernel model.
 */
export {
  TASK_DEAD,
  TASK_RUNNING,
  TASK_UNINTERRUPTIBLE,
  type TaskBody,
  ToyKernel,
  type ToyTask,
} from '../kernel/demo/toy-sched.ts';
