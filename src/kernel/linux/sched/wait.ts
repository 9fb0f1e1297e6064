/**
 * kernel/sched/wait.c and kernel/sched/wait_bit.c (Linux 6.6.9): wait
 * queues and bit waits. A queue's entries are an ordered list in one cell
 * (src/kernel/common/fifo.ts), read and written under the queue's lock: a
 * plain entry goes in at the head (__add_wait_queue: list_add), an
 * exclusive one (WQ_FLAG_EXCLUSIVE) at the tail, and __wake_up walks the
 * list in order, stopping after nr_exclusive exclusive entries it woke.
 * Each queue has one kind of entry (its wake function): `autoremove`
 * (DEFINE_WAIT, prepare_to_wait), `child_wait` (do_wait) or `wake_bit`
 * (a bit waitqueue's entries, wait_on_bit). Abstracted: WQ_FLAG_PRIORITY
 * (no modelled queue has one) and the bookmark that splits walks longer
 * than 64 entries (__wake_up_common:113-118).
 */
import { load, type Program, rmw } from '../../../cpu/ops.ts';
import type { TaskContext } from '../../../model/types.ts';
import { fifoAddHead, fifoAddTail, fifoEntries, fifoHas, fifoRemove } from '../../common/fifo.ts';
import { TASK_NORMAL, TASK_RUNNING } from '../consts.ts';
import type { LinuxKernel } from '../kernel.ts';
import { spin_lock_irqsave, spin_unlock_irqrestore } from '../locking.ts';
import type { LinuxTask, WaitQueueHead } from '../objects.ts';
import { WF_SYNC } from './core.ts';

/** -ERESTARTSYS (include/linux/errno.h) */
export const ERESTARTSYS = 512;
/** -EINTR (include/uapi/asm-generic/errno-base.h) */
const EINTR = 4;

const W = 'linux-6.6 kernel/sched/wait.c';
const B = 'linux-6.6 kernel/sched/wait_bit.c';

/**
 * The entry of the current task put on the list by `add` (one step, under the
 * queue's lock); with `onlyIfAbsent`, the caller's `if
 * (list_empty(&wq_entry->entry))` in the same step. True when the queue was
 * empty.
 */
function* addEntry(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  ref: string,
  onlyIfAbsent: boolean,
  add: (list: number, task: number) => number,
  fn: string,
): Program<boolean> {
  const me = ctx.self;
  const old: number = yield rmw(
    wq.head,
    (h) => (onlyIfAbsent && fifoHas(h, me) ? h : add(h, me)),
    ref,
    `${onlyIfAbsent ? 'if (list_empty(&wq_entry->entry)) ' : ''}${fn}(${wq.name}, ${k.current(ctx).name})`,
  );
  return old === 0;
}

/**
 * __add_wait_queue — include/linux/wait.h:171-182: the entry at the head
 * (list_add); `exclusive` when the entry's flags have WQ_FLAG_EXCLUSIVE
 * (kept beside it in the list cell). Cited at the caller's line (`ref`).
 */
export function __add_wait_queue(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  ref: string,
  onlyIfAbsent = false,
  exclusive = false,
): Program<boolean> {
  return addEntry(k, ctx, wq, ref, onlyIfAbsent, (h, me) => fifoAddHead(h, me, exclusive), '__add_wait_queue');
}

/** __add_wait_queue_entry_tail — include/linux/wait.h:194-197: an exclusive entry at the tail (list_add_tail). */
export function __add_wait_queue_entry_tail(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  ref: string,
  onlyIfAbsent = false,
): Program<boolean> {
  return addEntry(k, ctx, wq, ref, onlyIfAbsent, (h, me) => fifoAddTail(h, me, true), '__add_wait_queue_entry_tail');
}

/**
 * add_wait_queue — wait.c:17-25. `wnothread` marks the entry of a do_wait
 * with __WNOTHREAD (the flag its wait_opts carry, which child_wait_callback
 * reads; the list cell keeps it beside the entry).
 */
export function* add_wait_queue(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, wnothread = false): Program<void> {
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:22 add_wait_queue`, `spin_lock_irqsave(&${wq.name}->lock)`);
  if (wnothread) {
    const me = ctx.self;
    yield rmw(
      wq.head,
      (h) => fifoAddHead(h, me, true),
      `${W}:23 add_wait_queue`,
      `__add_wait_queue(${wq.name}, ${k.current(ctx).name} [__WNOTHREAD])`,
    );
  } else yield* k.fn.__add_wait_queue(k, ctx, wq, `${W}:23 add_wait_queue`);
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:24 add_wait_queue`);
}

/** add_wait_queue_exclusive — wait.c:28-36 */
export function* add_wait_queue_exclusive(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead): Program<void> {
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:33 add_wait_queue_exclusive`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield* k.fn.__add_wait_queue_entry_tail(k, ctx, wq, `${W}:34 add_wait_queue_exclusive`);
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:35 add_wait_queue_exclusive`);
}

/** remove_wait_queue — wait.c:50-57 */
export function* remove_wait_queue(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead): Program<void> {
  const me = ctx.self;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:54 remove_wait_queue`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield rmw(
    wq.head,
    (h) => fifoRemove(h, me),
    `${W}:55 remove_wait_queue`,
    `__remove_wait_queue(${wq.name}, ${k.current(ctx).name})`,
  );
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:56 remove_wait_queue`);
}

/** prepare_to_wait — wait.c:268-279: queue the entry (at the head) if it is not queued, then set_current_state, under the queue lock. */
export function* prepare_to_wait(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, state: number): Program<void> {
  const me = ctx.self;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:274 prepare_to_wait`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield rmw(
    wq.head,
    (h) => (fifoHas(h, me) ? h : fifoAddHead(h, me)),
    `${W}:275 prepare_to_wait`,
    `if (list_empty(&wq_entry->entry)) __add_wait_queue(${wq.name}, ${k.current(ctx).name})`,
  );
  yield* k.fn.set_current_state(k, ctx, state); // 277
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:278 prepare_to_wait`);
}

/** prepare_to_wait_exclusive — wait.c:283-298: the same with an exclusive entry at the tail; true when the queue was empty. */
export function* prepare_to_wait_exclusive(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, state: number): Program<boolean> {
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:290 prepare_to_wait_exclusive`, `spin_lock_irqsave(&${wq.name}->lock)`);
  const wasEmpty = yield* k.fn.__add_wait_queue_entry_tail(k, ctx, wq, `${W}:291 prepare_to_wait_exclusive`, true);
  yield* k.fn.set_current_state(k, ctx, state); // 295
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:296 prepare_to_wait_exclusive`);
  return wasEmpty;
}

/**
 * prepare_to_wait_event — wait.c:310-343 (the ___wait_event loop's step):
 * under the queue lock, a pending signal that ends a sleep in `state` wins
 * (dequeue, -ERESTARTSYS); otherwise queue the entry (exclusive at the
 * tail) and set the state.
 */
export function* prepare_to_wait_event(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  state: number,
  exclusive = false,
): Program<number> {
  const me = ctx.self;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:315 prepare_to_wait_event`, `spin_lock_irqsave(&${wq.name}->lock)`);
  let ret = 0;
  if (yield* k.fn.signal_pending_state(k, ctx, state, k.current(ctx))) {
    yield rmw(wq.head, (h) => fifoRemove(h, me), `${W}:329 prepare_to_wait_event`, 'list_del_init(&wq_entry->entry)');
    ret = -ERESTARTSYS; // 330
  } else {
    if (exclusive)
      yield* k.fn.__add_wait_queue_entry_tail(k, ctx, wq, `${W}:334 prepare_to_wait_event`, true); // 332-334
    else yield* k.fn.__add_wait_queue(k, ctx, wq, `${W}:336 prepare_to_wait_event`, true); // 335-336
    yield* k.fn.set_current_state(k, ctx, state); // 338
  }
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:340 prepare_to_wait_event`);
  return ret;
}

/** finish_wait — wait.c:396-419: TASK_RUNNING, then dequeue the entry if a waker has not already (list_empty_careful, lockless). */
export function* finish_wait(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead): Program<void> {
  const me = ctx.self;
  yield* k.fn.__set_current_state(k, ctx, TASK_RUNNING); // 400
  const head: number = yield load(wq.head, `${W}:414 finish_wait`, 'if (!list_empty_careful(&wq_entry->entry))');
  if (!fifoHas(head, me)) return;
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:415 finish_wait`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield rmw(wq.head, (h) => fifoRemove(h, me), `${W}:416 finish_wait`, 'list_del_init(&wq_entry->entry)');
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:417 finish_wait`);
}

/**
 * The wake function of one entry (__wake_up_common's curr->func), by the
 * queue's kind; its result.
 */
export function* wake_entry(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  task: number,
  mode: number,
  wakeFlags: number,
  flag = false,
  key: LinuxTask | null = null,
): Program<boolean> {
  if (wq.func === 'child_wait') return yield* k.fn.child_wait_callback(k, ctx, task, mode, wakeFlags, flag, key);
  if (wq.func === 'wake_bit') return yield* k.fn.wake_bit_function(k, ctx, wq, task, mode, wakeFlags);
  return yield* k.fn.autoremove_wake_function(k, ctx, wq, task, mode, wakeFlags);
}

/** autoremove_wake_function — wait.c:422-430: wake the task; dequeue the entry when that worked. */
export function* autoremove_wake_function(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  task: number,
  mode: number,
  wakeFlags: number,
): Program<boolean> {
  const ret = yield* k.fn.default_wake_function(k, ctx, k.task(task), mode, wakeFlags); // 424
  if (ret) {
    yield rmw(
      wq.head,
      (h) => fifoRemove(h, task),
      `${W}:427 autoremove_wake_function`,
      'list_del_init_careful(&wq_entry->entry)',
    );
  }
  return ret;
}

/** wake_bit_function — wait_bit.c:21-32: nobody is woken while the bit is still set. */
export function* wake_bit_function(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  task: number,
  mode: number,
  wakeFlags: number,
): Program<boolean> {
  if (wq.bit) {
    const word: number = yield load(wq.bit.word, `${B}:28 wake_bit_function`, 'if (test_bit(key->bit_nr, key->flags)) return 0');
    if (word & wq.bit.mask) return false;
  }
  return yield* k.fn.autoremove_wake_function(k, ctx, wq, task, mode, wakeFlags); // 31
}

/**
 * child_wait_callback — exit.c:1520-1534: a __WNOTHREAD waiter wakes only
 * for its own children (`p` is the reporting task, the wakeup's key).
 * Abstracted: eligible_pid (every report wakes every waiter of the queue; a
 * waiter woken for another pid finds nothing and sleeps again) and the
 * entry staying queued (do_wait removes it itself).
 */
export function* child_wait_callback(
  k: LinuxKernel,
  ctx: TaskContext,
  task: number,
  mode: number,
  wakeFlags: number,
  wnothread: boolean,
  p: LinuxTask | null,
): Program<boolean> {
  if (wnothread && p) {
    const parent: number = yield load(
      p.parent,
      'linux-6.6 kernel/exit.c:1530 child_wait_callback',
      'if ((wo->wo_flags & __WNOTHREAD) && wait->private != p->parent)',
    );
    if (parent !== task) return false;
  }
  return yield* k.fn.default_wake_function(k, ctx, k.task(task), mode, wakeFlags); // 1533
}

/**
 * __wake_up_common — wait.c:80-122: wake the entries in list order; an
 * exclusive entry that was woken counts against nr_exclusive, and the walk
 * stops when it reaches 0 (0: wake all). Returns the nr_exclusive left.
 */
export function* __wake_up_common(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  mode: number,
  nrExclusive: number,
  wakeFlags: number,
  key: LinuxTask | null = null,
): Program<number> {
  const head: number = yield load(wq.head, `${W}:95 __wake_up_common`, 'curr = list_first_entry(&wq_head->head)');
  let nr = nrExclusive;
  for (const e of fifoEntries(head)) {
    const ret = yield* k.fn.wake_entry(k, ctx, wq, e.task, mode, wakeFlags, e.flag, key); // 107
    // 110-111 (a child_wait entry's flag is __WNOTHREAD, never WQ_FLAG_EXCLUSIVE)
    if (ret && e.flag && wq.func !== 'child_wait' && !--nr) break;
  }
  return nr;
}

/** __wake_up_common_lock — wait.c:124-144: __wake_up_common under the queue's lock. */
export function* __wake_up_common_lock(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  mode: number,
  nrExclusive: number,
  wakeFlags: number,
  key: LinuxTask | null = null,
): Program<void> {
  const flags = yield* spin_lock_irqsave(wq.lock, `${W}:137 __wake_up_common_lock`, `spin_lock_irqsave(&${wq.name}->lock)`);
  yield* k.fn.__wake_up_common(k, ctx, wq, mode, nrExclusive, wakeFlags, key); // 138
  yield* spin_unlock_irqrestore(wq.lock, flags, `${W}:140 __wake_up_common_lock`);
}

/** __wake_up — wait.c:157-161: wake_up() is nr_exclusive 1, wake_up_all() 0. */
export function __wake_up(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, mode: number, nrExclusive = 1): Program<void> {
  return k.fn.__wake_up_common_lock(k, ctx, wq, mode, nrExclusive, 0);
}

/** __wake_up_sync_key — wait.c:207-214: one exclusive waker, with WF_SYNC; `key` is __wake_up_parent's child. */
export function __wake_up_sync_key(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  mode: number,
  key: LinuxTask | null = null,
): Program<void> {
  return k.fn.__wake_up_common_lock(k, ctx, wq, mode, 1, WF_SYNC, key);
}

/**
 * ___wait_event — include/linux/wait.h:303-325, for a sleep in `state`
 * with cmd = schedule() (wait_event_killable is state TASK_KILLABLE,
 * wait.h:929; the _exclusive forms pass exclusive). `condition` is the
 * caller's test, run as steps. Returns 0, or -ERESTARTSYS when a signal
 * ended the wait (then the entry was already dequeued by
 * prepare_to_wait_event and finish_wait is skipped: goto __out).
 */
export function* ___wait_event(
  k: LinuxKernel,
  ctx: TaskContext,
  wq: WaitQueueHead,
  state: number,
  condition: () => Program<boolean>,
  exclusive = false,
): Program<number> {
  for (;;) {
    const int = yield* k.fn.prepare_to_wait_event(k, ctx, wq, state, exclusive); // 311
    if (yield* condition()) break; // 313
    if (int) return int; // 316-318: ___wait_is_interruptible(state) holds for every state a caller passes here
    yield* k.fn.schedule(k, ctx); // 321 cmd
  }
  yield* k.fn.finish_wait(k, ctx, wq); // 323
  return 0;
}

// ---- bit waits (kernel/sched/wait_bit.c) -----------------------------------------

/** bit_wait — wait_bit.c:197-204: the action of wait_on_bit. */
export function* bit_wait(k: LinuxKernel, ctx: TaskContext, mode: number): Program<number> {
  yield* k.fn.schedule(k, ctx); // 199
  return (yield* k.fn.signal_pending_state(k, ctx, mode, k.current(ctx))) ? -EINTR : 0; // 200-203
}

/** __wait_on_bit — wait_bit.c:46-59 (with out_of_line_wait_on_bit, 61-68, and bit_wait as the action). */
export function* __wait_on_bit(k: LinuxKernel, ctx: TaskContext, wq: WaitQueueHead, mode: number): Program<number> {
  const bit = wq.bit as { word: number; mask: number };
  let ret = 0;
  for (;;) {
    yield* k.fn.prepare_to_wait(k, ctx, wq, mode); // 50
    const w: number = yield load(bit.word, `${B}:51 __wait_on_bit`, 'if (test_bit(wbq_entry->key.bit_nr, wbq_entry->key.flags))');
    if (w & bit.mask) ret = yield* k.fn.bit_wait(k, ctx, mode); // 52
    const again: number = yield load(bit.word, `${B}:53 __wait_on_bit`, 'while (test_bit_acquire(…) && !ret)');
    if (!(again & bit.mask) || ret) break;
  }
  yield* k.fn.finish_wait(k, ctx, wq); // 55
  return ret;
}

/**
 * wait_on_bit — include/linux/wait_bit.h:70-79: wait in `mode` until the
 * bit `mask` of the cell `word` is clear. 0, or -EINTR.
 */
export function* wait_on_bit(k: LinuxKernel, ctx: TaskContext, word: number, mask: number, mode: number): Program<number> {
  const w: number = yield load(
    word,
    'linux-6.6 include/linux/wait_bit.h:74 wait_on_bit',
    'if (!test_bit_acquire(bit, word)) return 0',
  );
  if (!(w & mask)) return 0;
  return yield* k.fn.__wait_on_bit(k, ctx, k.bitWaitqueue(word, mask), mode); // 76 out_of_line_wait_on_bit
}

/**
 * wake_up_bit — wait_bit.c:147-150 → __wake_up_bit (121-127): wake a
 * waiter of the bit, if the queue has any (waitqueue_active, a lockless
 * test: the caller's barrier orders it after the bit's clear).
 */
export function* wake_up_bit(k: LinuxKernel, ctx: TaskContext, word: number, mask: number): Program<void> {
  const wq = k.bitWaitqueue(word, mask);
  const head: number = yield load(wq.head, `${B}:125 __wake_up_bit`, 'if (waitqueue_active(wq_head))');
  if (head !== 0) yield* k.fn.__wake_up(k, ctx, wq, TASK_NORMAL, 1); // 126
}
