import { load, type Program, store } from '../../cpu/ops.ts';

/**
 * A plain C read-modify-write of one word — `x |= m`, `x &= ~m`, `x++`,
 * `sigaddset(&set, sig)` — as the compiler emits it: a load, then a store of
 * the new value. Not atomic: another CPU may write the word in between (on
 * x86 even a single `or` or `add` without `lock` is a load and a store to
 * the memory system), and under x86-TSO its store goes through the store
 * buffer and drains later, unlike a locked instruction (set_bit, atomic_inc,
 * cmpxchg: `rmw` in cpu/ops.ts), which drains the buffer and writes memory
 * at once. Two steps, as every shared access is its own. Returns the old value.
 */
export function* plainRmw(addr: number, update: (old: number) => number, ref: string, note: string): Program<number> {
  const old: number = yield load(addr, ref, `${note}: load`);
  yield store(addr, update(old), ref, `${note}: store`);
  return old;
}
