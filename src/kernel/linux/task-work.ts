/**
 * kernel/task_work.c (Linux 6.6.9): work queued on a task, run by the task
 * itself on its way back to user mode (get_signal → task_work_run). With
 * TWA_SIGNAL the queuer sets TIF_NOTIFY_SIGNAL and wakes the task from an
 * interruptible sleep, or kicks it out of user mode (set_notify_signal).
 *
 * A work is a program a model declares before finish() (`k.taskWork(name,
 * fn)`); the task's list, task->task_works, is an ordered list of work ids
 * in one cell, newest first as the kernel pushes them. Abstracted: PF_EXITING
 * and work_exited (exit_task_work is not modelled), task_work_cancel.
 */
import { load, type Program, rmw } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { fifoAddHead, fifoEntries } from '../common/fifo.ts';
import type { LinuxKernel } from './kernel.ts';
import { spin_lock_irq, spin_unlock_irq } from './locking.ts';
import type { LinuxTask } from './objects.ts';

const T = 'linux-6.6 kernel/task_work.c';

/** enum task_work_notify_mode (include/linux/task_work.h:10-15), the two a model uses */
export const TWA_NONE = 0;
export const TWA_SIGNAL = 2;

/** A work a model declares: its id in task_works and the callback it runs. */
export interface TaskWork {
  readonly id: number;
  readonly name: string;
  readonly func: (k: LinuxKernel, ctx: TaskContext) => Program<void>;
}

/** task_work_add — task_work.c:42-75: push `work` on task->task_works, then notify. */
export function* task_work_add(
  k: LinuxKernel,
  ctx: TaskContext,
  task: LinuxTask,
  work: TaskWork,
  notify: number,
): Program<number> {
  yield rmw(
    task.task_works,
    (h) => fifoAddHead(h, work.id),
    `${T}:55 task_work_add`,
    `work->next = head; try_cmpxchg(&${task.name}->task_works, &head, ${work.name})`,
  );
  if (notify === TWA_SIGNAL) yield* k.fn.set_notify_signal(k, ctx, task); // 63-65
  return 0;
}

/** task_work_pending — include/linux/task_work.h:23-26 (current). */
export function* task_work_pending(k: LinuxKernel, ctx: TaskContext): Program<boolean> {
  const me = k.current(ctx);
  return (
    (yield load(me.task_works, 'linux-6.6 include/linux/task_work.h:25 task_work_pending', 'READ_ONCE(task->task_works)')) !== 0
  );
}

/** task_work_run — task_work.c:147-185: take the whole list (xchg to NULL), then run each work, newest first; again until empty. */
export function* task_work_run(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const me = k.current(ctx);
  for (;;) {
    const list: number = yield rmw(
      me.task_works,
      () => 0,
      `${T}:166 task_work_run`,
      'try_cmpxchg(&task->task_works, &work, NULL)',
    );
    if (list === 0) break; // 168-169
    yield* spin_lock_irq(me.pi_lock, `${T}:175 task_work_run`, 'raw_spin_lock_irq(&task->pi_lock)');
    yield* spin_unlock_irq(me.pi_lock, `${T}:176 task_work_run`, 'raw_spin_unlock_irq(&task->pi_lock)');
    for (const e of fifoEntries(list)) yield* k.taskWorkById(e.task).func(k, ctx); // 178-183 work->func(work)
  }
}
