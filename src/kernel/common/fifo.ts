/**
 * An ordered list of tasks in one memory cell — a wait queue's or a mutex's
 * wait list — read and written whole, in one step, under the lock that
 * protects it (as list_add_tail / list_del are, under wq->lock or
 * wait_lock). Each entry is 6 bits: the task id + 1 (5 bits, task ids are
 * below 31) and one flag bit (WQ_FLAG_EXCLUSIVE for a wait queue), first
 * entry in the low bits. Five entries fit in a cell; a sixth is a model
 * error (no modelled queue has more waiters).
 */
import type { Formatter } from '../../cpu/memory.ts';

export const FIFO_MAX = 5;
const BITS = 6;

export interface FifoEntry {
  readonly task: number;
  readonly flag: boolean;
}

function entry(task: number, flag: boolean): number {
  if (task < 0 || task > 30) throw new Error(`task id ${task} does not fit a list entry`);
  return (task + 1) | (flag ? 32 : 0);
}

/** The entries, first to last. */
export function fifoEntries(list: number): FifoEntry[] {
  const out: FifoEntry[] = [];
  for (let v = list; v !== 0; v >>>= BITS) out.push({ task: (v & 31) - 1, flag: (v & 32) !== 0 });
  return out;
}

export function fifoLength(list: number): number {
  let n = 0;
  for (let v = list; v !== 0; v >>>= BITS) n++;
  return n;
}

function pack(entries: readonly FifoEntry[]): number {
  if (entries.length > FIFO_MAX) throw new Error(`a list cell holds at most ${FIFO_MAX} entries`);
  let v = 0;
  for (let i = entries.length - 1; i >= 0; i--)
    v = (v << BITS) | entry((entries[i] as FifoEntry).task, (entries[i] as FifoEntry).flag);
  return v;
}

/** list_add_tail */
export function fifoAddTail(list: number, task: number, flag = false): number {
  return pack([...fifoEntries(list), { task, flag }]);
}

/** list_add (at the head) */
export function fifoAddHead(list: number, task: number, flag = false): number {
  return pack([{ task, flag }, ...fifoEntries(list)]);
}

/** list_del of the task's entry (none: unchanged) */
export function fifoRemove(list: number, task: number): number {
  return pack(fifoEntries(list).filter((e) => e.task !== task));
}

export function fifoHas(list: number, task: number): boolean {
  return fifoEntries(list).some((e) => e.task === task);
}

/** list_first_entry's task, or -1 for an empty list */
export function fifoFirst(list: number): number {
  return list === 0 ? -1 : (list & 31) - 1;
}

/** `[A, B excl]`: the tasks in order, with the flag's name where it is set. */
export function fifoFormatter(nameOf: (task: number) => string, flagName = ''): Formatter {
  return (v) =>
    `[${fifoEntries(v)
      .map((e) => (e.flag && flagName ? `${nameOf(e.task)} ${flagName}` : nameOf(e.task)))
      .join(', ')}]`;
}
