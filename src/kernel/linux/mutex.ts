/**
 * kernel/locking/mutex.c (Linux 6.6.9): the sleeping mutex — an owner word
 * (the owner task and the WAITERS / HANDOFF / PICKUP flags), a wait_lock
 * and a FIFO wait list — with mutex_lock, _interruptible, _killable and
 * mutex_unlock handing the lock off or waking the first waiter, and the
 * wake_q of kernel/sched/core.c it wakes through.
 *
 * Abstracted: CONFIG_MUTEX_SPIN_ON_OWNER's optimistic spinning (it only
 * decides who takes a free or handed-off lock first, orders the search
 * explores anyway), ww_mutex, lockdep and the debug checks. Each
 * atomic_long_try_cmpxchg loop on the owner word is one atomic step: it
 * retries only when another CPU changed the word in between, and then it
 * does again what one step does.
 */
import type { Formatter, MemoryLayout } from '../../cpu/memory.ts';
import { check, load, type Program, preemptDisable, preemptEnable, rmw, spinLock, spinUnlock } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { fifoAddTail, fifoFirst, fifoFormatter, fifoRemove } from '../common/fifo.ts';
import { TASK_INTERRUPTIBLE, TASK_KILLABLE, TASK_RUNNING, TASK_UNINTERRUPTIBLE } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import type { LinuxTask } from './objects.ts';

const M = 'linux-6.6 kernel/locking/mutex.c';
const r = (line: number, fn: string) => `${M}:${line} ${fn}`;

/** mutex.c:68-72 — the owner word's low bits */
export const MUTEX_FLAG_WAITERS = 0x01;
export const MUTEX_FLAG_HANDOFF = 0x02;
export const MUTEX_FLAG_PICKUP = 0x04;
const MUTEX_FLAGS = 0x07;
/** the owner word of a task (task id + 1 above the flag bits; 0 is no owner) */
export const ownerWord = (task: number) => (task + 1) << 3;
/** __owner_task: the owner's task id, or -1 */
export const ownerTask = (owner: number) => (owner >> 3) - 1;

/** struct mutex (include/linux/mutex.h:64) */
export interface Mutex {
  readonly name: string;
  readonly owner: number;
  readonly wait_lock: number;
  readonly wait_list: number;
}

export function mutexCells(layout: MemoryLayout, name: string, nameOf: (task: number) => string): Mutex {
  const flags = ['WAITERS', 'HANDOFF', 'PICKUP'];
  const ownerFmt: Formatter = (v) => {
    const t = ownerTask(v);
    const f = flags.filter((_, i) => v & (1 << i));
    return [t < 0 ? 'none' : nameOf(t), ...f].join('|');
  };
  return {
    name,
    owner: layout.cell(`${name}.owner`, 0, ownerFmt),
    wait_lock: layout.spinlock(`${name}.wait_lock`),
    wait_list: layout.cell(`${name}.wait_list`, 0, fifoFormatter(nameOf)),
  };
}

/** might_sleep() — kernel/sched/core.c:10105 __might_sleep: the caller must be allowed to sleep. */
function mightSleep(what: string) {
  return check(
    'lock-discipline',
    [],
    (_m, cpu) =>
      !cpu.irqsOn || cpu.preempt !== 0 || cpu.locksHeld !== 0
        ? `${what} in atomic context (irqs ${cpu.irqsOn ? 'on' : 'off'}, preempt count ${cpu.preempt}, ${cpu.locksHeld} lock(s) held)`
        : null,
    'linux-6.6 kernel/sched/core.c:10105 __might_sleep',
    `might_sleep() in ${what}`,
  );
}

/** __mutex_trylock_fast — mutex.c:166-175: cmpxchg(owner, 0, current). */
export function* __mutex_trylock_fast(_k: LinuxKernel, ctx: TaskContext, lock: Mutex): Program<boolean> {
  const me = ownerWord(ctx.self);
  const old: number = yield rmw(
    lock.owner,
    (o) => (o === 0 ? me : o),
    r(171, '__mutex_trylock_fast'),
    'atomic_long_try_cmpxchg_acquire(&lock->owner, &zero, curr)',
  );
  return old === 0;
}

/**
 * __mutex_trylock_common — mutex.c:103-137: take a free lock, pick up a
 * lock handed to us, or (`handoff`) ask the owner to hand it over. True when
 * this call made current the owner (the C returns NULL only then, :130-131).
 * As in the C, the owner word is read first (:107) and the cmpxchg (:129) is
 * made only when there is something to take or a flag to set: a lock another
 * task owns is left after one plain load (:115, :119, :122 break) — under
 * x86-TSO that load, unlike a locked cmpxchg, does not drain the store
 * buffer. A failed cmpxchg (the word changed since the load) goes round
 * again with the value it found; a lock current already owns without
 * MUTEX_FLAG_PICKUP is not taken again.
 */
export function* __mutex_trylock_common(_k: LinuxKernel, ctx: TaskContext, lock: Mutex, handoff: boolean): Program<boolean> {
  const F = '__mutex_trylock_common';
  const curr = ownerWord(ctx.self);
  let owner: number = yield load(lock.owner, r(107, F), 'owner = atomic_long_read(&lock->owner)');
  for (;;) {
    let flags = owner & MUTEX_FLAGS;
    let task = owner & ~MUTEX_FLAGS;
    if (task) {
      if (flags & MUTEX_FLAG_PICKUP) {
        if (task !== curr) return false; // 114-115
        flags &= ~MUTEX_FLAG_PICKUP; // 116
      } else if (handoff) {
        if (flags & MUTEX_FLAG_HANDOFF) return false; // 118-119
        flags |= MUTEX_FLAG_HANDOFF; // 120
      } else {
        return false; // 122
      }
    } else {
      task = curr; // 126
    }
    const expected = owner;
    const want = task | flags;
    const old: number = yield rmw(
      lock.owner,
      (o) => (o === expected ? want : o),
      r(129, F),
      `atomic_long_try_cmpxchg_acquire(&lock->owner, &owner, ${task === curr ? 'curr' : 'owner'}${flags & MUTEX_FLAG_HANDOFF ? ' | HANDOFF' : ''})`,
    );
    if (old === expected) return task === curr; // 130-132
    owner = old; // the failed cmpxchg left the value it found in owner: round again
  }
}

/** __mutex_add_waiter — mutex.c:204-213 [wait_lock held]: list_add_tail, then WAITERS if first. */
export function* __mutex_add_waiter(_k: LinuxKernel, ctx: TaskContext, lock: Mutex): Program<void> {
  const old: number = yield rmw(
    lock.wait_list,
    (l) => fifoAddTail(l, ctx.self),
    r(210, '__mutex_add_waiter'),
    'list_add_tail(&waiter->list, list)',
  );
  if (old === 0)
    yield rmw(
      lock.owner,
      (o) => o | MUTEX_FLAG_WAITERS,
      r(212, '__mutex_add_waiter'),
      '__mutex_set_flag(lock, MUTEX_FLAG_WAITERS)',
    );
}

/** __mutex_remove_waiter — mutex.c:215-223 [wait_lock held]: list_del; the last one clears the flags. */
export function* __mutex_remove_waiter(_k: LinuxKernel, ctx: TaskContext, lock: Mutex): Program<void> {
  const old: number = yield rmw(
    lock.wait_list,
    (l) => fifoRemove(l, ctx.self),
    r(218, '__mutex_remove_waiter'),
    'list_del(&waiter->list)',
  );
  if (fifoRemove(old, ctx.self) === 0) {
    yield rmw(lock.owner, (o) => o & ~MUTEX_FLAGS, r(220, '__mutex_remove_waiter'), '__mutex_clear_flag(lock, MUTEX_FLAGS)');
  }
}

/**
 * __mutex_lock_common — mutex.c:568-741 (no ww_ctx): `state` is
 * TASK_UNINTERRUPTIBLE (mutex_lock), TASK_INTERRUPTIBLE or TASK_KILLABLE.
 * Returns 0, or -EINTR when a signal ended the wait.
 */
export function* __mutex_lock_common(k: LinuxKernel, ctx: TaskContext, lock: Mutex, state: number): Program<number> {
  const F = '__mutex_lock_common';
  yield preemptDisable(r(602, F), 'preempt_disable()');
  if (yield* k.fn.__mutex_trylock_common(k, ctx, lock, false)) {
    yield preemptEnable(r(613, F), 'got the lock: preempt_enable()');
    return 0; // 606-614 (mutex_optimistic_spin: not modelled)
  }
  yield spinLock(lock.wait_lock, r(617, F), 'raw_spin_lock(&lock->wait_lock)');
  let ret = 0;
  if (!(yield* k.fn.__mutex_trylock_common(k, ctx, lock, false))) {
    // 621: taken now, goto skip_wait; else wait for it
    yield* k.fn.__mutex_add_waiter(k, ctx, lock); // 637
    yield* k.fn.set_current_state(k, ctx, state); // 648
    for (;;) {
      if (yield* k.fn.__mutex_trylock_common(k, ctx, lock, false)) break; // 659-660 goto acquired
      if (yield* k.fn.signal_pending_state(k, ctx, state, k.current(ctx))) {
        ret = -EINTR; // 667-669 goto err
        break;
      }
      yield spinUnlock(lock.wait_lock, r(678, F), 'raw_spin_unlock(&lock->wait_lock)');
      yield preemptEnable(`linux-6.6 kernel/sched/core.c:6830 schedule_preempt_disabled`, 'sched_preempt_enable_no_resched()');
      yield* k.fn.schedule(k, ctx); // 679 schedule_preempt_disabled
      yield preemptDisable(`linux-6.6 kernel/sched/core.c:6832 schedule_preempt_disabled`, 'preempt_disable()');
      const list: number = yield load(lock.wait_list, r(681, F), 'first = __mutex_waiter_is_first(lock, &waiter)');
      const first = fifoFirst(list) === ctx.self;
      yield* k.fn.set_current_state(k, ctx, state); // 683
      const got = yield* k.fn.__mutex_trylock_common(k, ctx, lock, first); // 689 __mutex_trylock_or_handoff
      yield spinLock(lock.wait_lock, r(got ? 701 : 699, F), 'raw_spin_lock(&lock->wait_lock)');
      if (got) break;
    }
    yield* k.fn.__set_current_state(k, ctx, TASK_RUNNING); // 703 / 732
    yield* k.fn.__mutex_remove_waiter(k, ctx, lock); // 715 / 733
  }
  yield spinUnlock(lock.wait_lock, r(ret ? 736 : 727, F), 'raw_spin_unlock(&lock->wait_lock)');
  yield preemptEnable(r(ret ? 739 : 728, F), 'preempt_enable()');
  return ret;
}

/** -EINTR (include/uapi/asm-generic/errno-base.h) */
export const EINTR = 4;

/** might_sleep(); the fast path, else the slow path (__mutex_lock*_slowpath, 1032-1048) */
function* lockWith(k: LinuxKernel, ctx: TaskContext, lock: Mutex, state: number, fn: string): Program<number> {
  yield mightSleep(fn);
  if (yield* k.fn.__mutex_trylock_fast(k, ctx, lock)) return 0;
  return yield* k.fn.__mutex_lock_common(k, ctx, lock, state);
}

/** mutex_lock — mutex.c:281-287. */
export function* mutex_lock(k: LinuxKernel, ctx: TaskContext, lock: Mutex): Program<void> {
  yield* lockWith(k, ctx, lock, TASK_UNINTERRUPTIBLE, 'mutex_lock');
}

/** mutex_lock_interruptible — mutex.c:977-985: 0, or -EINTR. */
export function mutex_lock_interruptible(k: LinuxKernel, ctx: TaskContext, lock: Mutex): Program<number> {
  return lockWith(k, ctx, lock, TASK_INTERRUPTIBLE, 'mutex_lock_interruptible');
}

/** mutex_lock_killable — mutex.c:1001-1009: 0, or -EINTR (a fatal signal). */
export function mutex_lock_killable(k: LinuxKernel, ctx: TaskContext, lock: Mutex): Program<number> {
  return lockWith(k, ctx, lock, TASK_KILLABLE, 'mutex_lock_killable');
}

/** __mutex_handoff — mutex.c:231-250: owner = task | PICKUP (keeping WAITERS). */
export function* __mutex_handoff(_k: LinuxKernel, _ctx: TaskContext, lock: Mutex, task: LinuxTask | null): Program<void> {
  const w = task ? ownerWord(task.id) | MUTEX_FLAG_PICKUP : 0;
  yield rmw(
    lock.owner,
    (o) => (o & MUTEX_FLAG_WAITERS) | w,
    r(246, '__mutex_handoff'),
    `atomic_long_try_cmpxchg_release(&lock->owner, &owner, ${task ? `${task.name}|PICKUP` : 'NULL'})`,
  );
}

/**
 * mutex_unlock — mutex.c:537-543 → __mutex_unlock_fast (177-182), else
 * __mutex_unlock_slowpath (901-943).
 */
export function* mutex_unlock(k: LinuxKernel, ctx: TaskContext, lock: Mutex): Program<void> {
  const F = '__mutex_unlock_slowpath';
  const curr = ownerWord(ctx.self);
  const fast: number = yield rmw(
    lock.owner,
    (o) => (o === curr ? 0 : o),
    r(181, '__mutex_unlock_fast'),
    'atomic_long_try_cmpxchg_release(&lock->owner, &curr, 0UL)',
  );
  if (fast === curr) return;
  // 915-926: release the lock unless HANDOFF; go on to wake only when WAITERS was set
  const owner: number = yield rmw(
    lock.owner,
    (o) => (o & MUTEX_FLAG_HANDOFF ? o : o & MUTEX_FLAGS),
    r(924, F),
    'if (!(owner & HANDOFF)) atomic_long_try_cmpxchg_release(&lock->owner, &owner, __owner_flags(owner))',
  );
  yield check(
    'kernel-warn',
    [],
    () =>
      ownerTask(owner) !== ctx.self ? `MUTEX_WARN_ON: ${k.current(ctx).name} unlocks ${lock.name}, which it does not own` : null,
    r(918, F),
    'MUTEX_WARN_ON(__owner_task(owner) != current)',
  );
  if (!(owner & (MUTEX_FLAG_HANDOFF | MUTEX_FLAG_WAITERS))) return; // 925-928
  yield spinLock(lock.wait_lock, r(932, F), 'raw_spin_lock(&lock->wait_lock)');
  const list: number = yield load(
    lock.wait_list,
    r(934, F),
    'if (!list_empty(&lock->wait_list)) next = list_first_entry(…)->task',
  );
  const next = fifoFirst(list) < 0 ? null : k.task(fifoFirst(list));
  const queued = next !== null && (yield* k.fn.wake_q_add(k, ctx, next)); // 943
  if (owner & MUTEX_FLAG_HANDOFF) yield* k.fn.__mutex_handoff(k, ctx, lock, next); // 946-947
  yield spinUnlock(lock.wait_lock, r(949, F), 'raw_spin_unlock(&lock->wait_lock)');
  if (next && queued) yield* k.fn.wake_up_q(k, ctx, next); // 951
}
