/**
 * kernel/sched/wait.c (Linux 6.6.9): wait queues. A queue's entries are a
 * task set in one cell, read and written under the queue's lock; each entry
 * is non-exclusive (no model uses exclusive waits yet), so __wake_up calls
 * the wake function of every entry. Abstracted: the bookmark that splits
 * walks longer than 64 entries (__wake_up_common:113-118).
 */
import { load, type Program, rmw } from '../../../cpu/ops.ts';
import type { TaskContext } from '../../../model/types.ts';
import { members } from '../../common/bits.ts';
import { TASK_RUNNING } from '../consts.ts';

/** -ERESTARTSYS (include/linux/errno.h) */
export const ERESTARTSYS = 512;

import type { LinuxKernel } from '../kernel.ts';
import { spin_lock_irqsave, spin_unlock_irqrestore } from '../locking.ts';
import type { WaitQueueHead } from '../objects.ts';
import { WF_SYNC } from './core.ts';

const W = 'linux-6.6 kernel/sched/wait.c';

/** add_wait_queue — wait.c:17-25 */
export function* add_wait_queue(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead): Program<void> {
  const bit = 1 << ctx.self;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:22 add_wait_queue`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield rmw(wq.head, (h) => h | bit, `${W}:23 add_wait_queue`, `__add_wait_queue(${wq.name}, ${k.current(ctx).name})`);
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:24 add_wait_queue`);
}

/** remove_wait_queue — wait.c:50-57 */
export function* remove_wait_queue(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead): Program<void> {
  const bit = 1 << ctx.self;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:54 remove_wait_queue`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield rmw(wq.head, (h) => h & ~bit, `${W}:55 remove_wait_queue`, `__remove_wait_queue(${wq.name}, ${k.current(ctx).name})`);
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:56 remove_wait_queue`);
}

/** prepare_to_wait — wait.c:269-279: queue the entry if it is not queued, then set_current_state, all under the queue lock. */
export function* prepare_to_wait(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, state: number): Program<void> {
  const bit = 1 << ctx.self;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:274 prepare_to_wait`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield rmw(
    wq.head,
    (h) => h | bit,
    `${W}:275 prepare_to_wait`,
    'if (list_empty(&wq_entry->entry)) __add_wait_queue(wq_head, wq_entry)',
  );
  yield* k.fn.set_current_state(k, ctx, state); // 277
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:278 prepare_to_wait`);
}

/**
 * prepare_to_wait_event — wait.c:310-343 (the ___wait_event loop's step):
 * under the queue lock, a pending signal that ends a sleep in `state` wins
 * (dequeue, -ERESTARTSYS); otherwise queue the entry and set the state.
 */
export function* prepare_to_wait_event(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, state: number): Program<number> {
  const bit = 1 << ctx.self;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:315 prepare_to_wait_event`, `spin_lock_irqsave(&${wq.name}->lock)`);
  let ret = 0;
  if (yield* k.fn.signal_pending_state(k, ctx, state, k.current(ctx))) {
    yield rmw(wq.head, (h) => h & ~bit, `${W}:329 prepare_to_wait_event`, 'list_del_init(&wq_entry->entry)');
    ret = -ERESTARTSYS; // 330
  } else {
    yield rmw(
      wq.head,
      (h) => h | bit,
      `${W}:332 prepare_to_wait_event`,
      'if (list_empty(&wq_entry->entry)) __add_wait_queue(wq_head, wq_entry)',
    );
    yield* k.fn.set_current_state(k, ctx, state); // 338
  }
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:340 prepare_to_wait_event`);
  return ret;
}

/** finish_wait — wait.c:396-419: TASK_RUNNING, then dequeue the entry if a waker has not already (list_empty_careful, lockless). */
export function* finish_wait(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead): Program<void> {
  const bit = 1 << ctx.self;
  yield* k.fn.__set_current_state(k, ctx, TASK_RUNNING); // 400
  const head: number = yield load(wq.head, `${W}:414 finish_wait`, 'if (!list_empty_careful(&wq_entry->entry))');
  if (!(head & bit)) return;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:415 finish_wait`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield rmw(wq.head, (h) => h & ~bit, `${W}:416 finish_wait`, 'list_del_init(&wq_entry->entry)');
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:417 finish_wait`);
}

/**
 * The wake function of one entry. autoremove_wake_function (wait.c:422-430)
 * dequeues the entry when the wakeup succeeded; child_wait_callback
 * (exit.c:1520-1534) first filters by the waiter's wait options, which our
 * do_wait always accepts (it waits for any child), and never dequeues.
 */
export function* wake_entry(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  task: number,
  mode: number,
  wakeFlags: number,
): Program<void> {
  const p = k.task(task);
  const ret = yield* k.fn.default_wake_function(k, ctx, p, mode, wakeFlags);
  if (ret && wq.func === 'autoremove') {
    const bit = 1 << task;
    yield rmw(wq.head, (h) => h & ~bit, `${W}:427 autoremove_wake_function`, 'list_del_init_careful(&wq_entry->entry)');
  }
}

/** __wake_up_common_lock — wait.c:124-144 with __wake_up_common (80-122). */
export function* __wake_up_common_lock(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  mode: number,
  wakeFlags: number,
): Program<void> {
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:137 __wake_up_common_lock`, `spin_lock_irqsave(&${wq.name}->lock)`);
  const head: number = yield load(wq.head, `${W}:95 __wake_up_common`, 'curr = list_first_entry(&wq_head->head)');
  for (const t of members(head)) yield* k.fn.wake_entry(k, ctx, wq, t, mode, wakeFlags); // 100-107
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:140 __wake_up_common_lock`);
}

/** __wake_up — wait.c:157-161 (wake_up(), wake_up_interruptible() …). */
export function __wake_up(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, mode: number): Program<void> {
  return k.fn.__wake_up_common_lock(k, ctx, wq, mode, 0);
}

/** __wake_up_sync_key — wait.c:207-214: one exclusive waker with WF_SYNC (all our entries are non-exclusive). */
export function __wake_up_sync_key(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, mode: number): Program<void> {
  return k.fn.__wake_up_common_lock(k, ctx, wq, mode, WF_SYNC);
}

/**
 * ___wait_event — include/linux/wait.h:303-325, for a sleep in `state` with
 * cmd = schedule() (wait_event_killable is state TASK_KILLABLE, wait.h:929).
 * `condition` is the caller's test, run as steps. Returns 0, or
 * -ERESTARTSYS when a signal ended the wait (then the entry was already
 * dequeued by prepare_to_wait_event and finish_wait is skipped: goto __out).
 */
export function* ___wait_event(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  state: number,
  condition: () => Program<boolean>,
): Program<number> {
  for (;;) {
    const int = yield* k.fn.prepare_to_wait_event(k, ctx, wq, state); // 311
    if (yield* condition()) break; // 313
    if (int) return int; // 316-318: ___wait_is_interruptible(state) holds for every state a caller passes here
    yield* k.fn.schedule(k, ctx); // 321 cmd
  }
  yield* k.fn.finish_wait(k, ctx, wq); // 323
  return 0;
}
