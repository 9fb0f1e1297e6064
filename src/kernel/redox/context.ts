/**
 * Redox's `Context` (src/context/context.rs) as memory cells, and the two
 * methods the ptrace paths use on it, `block` and `unblock`.
 *
 * A field that no modelled path ever writes for a given context (the idle
 * contexts' status, a context without signals' pending queue, a pinned
 * context's cpu_id) is a constant rather than a cell: reading it is not a
 * shared access, so it costs no step. Every field some path writes is a cell
 * and every read or write of it is its own step.
 */
import { enumFormatter } from '../../cpu/memory.ts';
import { load, type Program, store } from '../../cpu/ops.ts';
import type { RedoxKernel } from './kernel.ts';

export const RUNNABLE = 0;
export const BLOCKED = 1;
export const EXITED = 2;
export const statusFormatter = enumFormatter({ 0: 'Runnable', 1: 'Blocked', 2: 'Exited' });

/** `cpu_id == None` */
export const CPU_NONE = -1;
export const cpuIdFormatter = (v: number): string => (v === CPU_NONE ? 'None' : `Some(${v})`);

/** A field of a Context: a memory cell (`addr >= 0`) or a constant. */
export interface Field {
  readonly addr: number;
  readonly value: number;
}

export function constant(value: number): Field {
  return { addr: -1, value };
}

/** Reads a field: one load step for a cell, no step for a constant. */
export function* readField(_k: RedoxKernel, f: Field, ref: string, note: string): Program<number> {
  if (f.addr < 0) return f.value;
  const v: number = yield load(f.addr, ref, note);
  return v;
}

export interface RedoxContext {
  readonly pid: number;
  readonly name: string;
  /** engine task id */
  readonly task: number;
  readonly idle: boolean;
  /** the context's `RwLock<Context>`; -1 for an idle context (see switch.ts) */
  readonly lock: number;
  readonly status: Field;
  readonly running: Field;
  readonly ptraceStop: Field;
  readonly cpuId: Field;
  /** `pending` signal queue: how many instances of `sigNo` are queued */
  readonly pending: Field;
  /** `ksig`: the signal whose handler frame is active (0 = None) */
  readonly ksig: Field;
  readonly ksigRestore: Field;
  /** `arch.signal_stack(...)` was called: the context resumes in signal_handler */
  readonly sigframe: Field;
  /** 1 once the context is in the contexts map (a clone child starts at 0) */
  readonly exists: Field;
  readonly sigNo: number;
}

/** Context::block (context.rs:304-311 @cf0a7620, :379 @cbb17327), with the context's lock held by the caller. */
export function* blockLocked(k: RedoxKernel, c: RedoxContext, ref: string): Program<boolean> {
  const st = yield* k.fn.readField(k, c.status, ref, 'block: if self.status == Runnable');
  if (st !== RUNNABLE) return false;
  yield store(c.status.addr, BLOCKED, ref, 'block: self.status = Blocked');
  return true;
}

/**
 * Context::unblock (context.rs:314-329 @cf0a7620, :390 @cbb17327), with the
 * context's lock held. The IPI it sends to the owning CPU is what wakes that
 * CPU's idle loop; the idle loop's wait (switch.ts) stands for it.
 */
export function* unblockLocked(k: RedoxKernel, c: RedoxContext, ref: string): Program<boolean> {
  const st = yield* k.fn.readField(k, c.status, ref, 'unblock: if self.status == Blocked');
  if (st !== BLOCKED) return false;
  yield store(c.status.addr, RUNNABLE, ref, 'unblock: self.status = Runnable (IPI to the owning CPU)');
  return true;
}
