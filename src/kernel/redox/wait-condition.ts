/**
 * WaitCondition (src/sync/wait_condition.rs): a spin Mutex over a Vec of
 * contexts. The Vec is a multiset here (4 bits per context: how many times it
 * is queued), because a context can be queued twice (a stop inside a signal
 * handler on top of a stop) and the order of entries never matters: notify
 * pops them all, and wait() looks for its own id.
 *
 * 2019 (@cf0a7620) wait() takes no guard and no predicate: the caller checks
 * its condition under some other lock, drops it, and only then calls wait().
 * A notify() between the caller's check and the push below finds an empty
 * list and is lost; the caller then sleeps. wait() returns false when it
 * finds itself still queued (woken by a signal or notify_signal), and the
 * ptrace callers loop on `while !wait() {}` without re-checking anything.
 *
 * 2020 (@cbb17327, since fdf46d80) wait() takes the caller's MutexGuard and
 * drops it after the push, before switching.
 */
import { load, type Program, rmw, spinLock, spinUnlock, writeLock, writeUnlock } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import type { RedoxContext } from './context.ts';
import type { RedoxKernel } from './kernel.ts';

const FILE = 'src/sync/wait_condition.rs';

export interface WaitCondition {
  readonly name: string;
  /** `contexts: Mutex<..>` */
  readonly lock: number;
  /** the Vec, as a multiset of task ids (4 bits each) */
  readonly list: number;
}

export function countOf(list: number, task: number): number {
  return (list >>> (4 * task)) & 0xf;
}

export function newWaitCondition(k: RedoxKernel, name: string): WaitCondition {
  const l = k.b.layout;
  return {
    name,
    lock: l.spinlock(`${name}.lock`),
    list: l.cell(`${name}.contexts`, 0, (v) => {
      const names: string[] = [];
      for (const c of k.contexts) for (let i = 0; i < countOf(v, c.task); i++) names.push(c.name);
      return `[${names.join(',')}]`;
    }),
  };
}

/** WaitCondition::notify (:20-27): pop every entry and unblock it. Returns how many. */
export function* notify(k: RedoxKernel, wc: WaitCondition, caller: string): Program<number> {
  const R = (l: number | string) => k.ref(FILE, 'WaitCondition::notify', l, l);
  yield spinLock(wc.lock, R(21), `${wc.name}.notify() from ${caller}`);
  let list: number = yield load(wc.list, R(22), 'len = contexts.len()');
  let n = 0;
  // Entries are popped from the end of the Vec; the order among distinct
  // contexts is immaterial (all are unblocked before the lock is dropped).
  for (let i = k.contexts.length - 1; i >= 0; i--) {
    const c = k.contexts[i] as RedoxContext;
    while (countOf(list, c.task) > 0) {
      list -= 1 << (4 * c.task);
      const rest = list;
      yield rmw(wc.list, () => rest, R(23), `contexts.pop() -> ${c.name}`);
      yield writeLock(c.lock, R(24), `${c.name}.write()`);
      yield* k.fn.unblockLocked(k, c, R(24));
      yield writeUnlock(c.lock, R(24), `drop ${c.name}.write()`);
      n++;
    }
  }
  yield spinUnlock(wc.lock, R(21), `drop ${wc.name}.contexts`);
  return n;
}

/**
 * WaitCondition::wait (:40-83 @cf0a7620; :40-84 @cbb17327 with `guard`):
 * block, push, [drop guard], switch, then look for ourselves in the list.
 * Returns true when a notify popped us, false when we were still queued.
 */
export function* wait(k: RedoxKernel, wc: WaitCondition, me: RedoxContext, guard: number, ctx: TaskContext): Program<boolean> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'WaitCondition::wait', l19, l20);
  const bit = 1 << (4 * me.task);
  yield* k.fn.blockSelf(k, me, R(50, 50), R(52, 52));
  yield spinLock(wc.lock, R(55, 55), `${wc.name}.contexts.lock()`);
  yield rmw(wc.list, (l) => l + bit, R(55, 55), `push(${me.name})`);
  yield spinUnlock(wc.lock, R(55, 55), `drop ${wc.name}.contexts`);
  if (guard >= 0) yield spinUnlock(guard, R('-', 57), 'drop(guard)');
  yield* k.fn.contextSwitch(k, ctx);
  yield spinLock(wc.lock, R(63, 65), `${wc.name}.contexts.lock()`);
  // The search reads each entry's id under its context read lock; ids never change: not modelled as steps.
  const list: number = yield load(wc.list, R('65-79', '67-81'), `search for ${me.name}`);
  let waited = true;
  if (countOf(list, me.task) > 0) {
    yield rmw(wc.list, (l) => l - bit, R(73, 75), `contexts.remove(${me.name}): woken by a signal`);
    waited = false;
  }
  yield spinUnlock(wc.lock, R(80, 82), `drop ${wc.name}.contexts`);
  return waited;
}
