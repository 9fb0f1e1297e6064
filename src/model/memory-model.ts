/**
 * The memory models the CPUs can follow.
 *
 * - `sc`, sequential consistency: every step's memory access takes effect at
 *   once, visible to every CPU; the schedule is a total order of accesses.
 * - `tso`, x86-TSO (Sewell, Sarkar, Owens, Zappa Nardelli, Myreen, "x86-TSO:
 *   a rigorous and usable programmer's model for x86 multiprocessors",
 *   CACM 53(7), 2010): each CPU has a FIFO store buffer. A store enters it; a
 *   load reads the newest buffered store to its cell on its own CPU, else
 *   memory; draining the oldest entry to memory is a step of its own, a
 *   choice the explorer makes. A full barrier, a locked instruction (atomic
 *   read-modify-write, xchg, cmpxchg, a lock acquisition), interrupt entry
 *   and return, and a context switch drain the whole buffer first. The
 *   buffer's depth is a bound: a store into a full buffer drains the oldest
 *   entry first.
 */

export const MEMORY_MODELS = ['sc', 'tso'] as const;
export type MemoryModelName = (typeof MEMORY_MODELS)[number];

export interface MemoryModel {
  readonly name: MemoryModelName;
  /** store-buffer depth per CPU (tso only) */
  readonly storeBuffer: number;
}

/** The store-buffer depth when none is given. */
export const DEFAULT_STORE_BUFFER = 8;
/** The deepest store buffer allowed. */
export const MAX_STORE_BUFFER = 64;

export const SC: MemoryModel = { name: 'sc', storeBuffer: 0 };

export function memoryModel(name: MemoryModelName, storeBuffer = DEFAULT_STORE_BUFFER): MemoryModel {
  return name === 'sc' ? SC : { name, storeBuffer };
}

export function isMemoryModelName(x: unknown): x is MemoryModelName {
  return typeof x === 'string' && (MEMORY_MODELS as readonly string[]).includes(x);
}

/** How the bounds line and reports name a memory model. */
export function describeMemoryModel(mm: MemoryModel): string {
  return mm.name === 'sc'
    ? 'sequentially consistent memory'
    : `x86-TSO memory, store buffers of ${mm.storeBuffer} entries per CPU`;
}

/** What a scenario or an expectation row may state about its memory model. */
export interface StatesMemoryModel {
  readonly memoryModel?: MemoryModelName;
  /** x86-TSO: the store-buffer depth (default DEFAULT_STORE_BUFFER) */
  readonly storeBuffer?: number;
}

/** The memory model of a row: the row's own, else the scenario's, else sequentially consistent. */
export function statedMemoryModel(scenario: StatesMemoryModel, row?: StatesMemoryModel | null): MemoryModel {
  const name = row?.memoryModel ?? scenario.memoryModel ?? 'sc';
  return memoryModel(name, row?.storeBuffer ?? scenario.storeBuffer ?? DEFAULT_STORE_BUFFER);
}

export function sameMemoryModel(a: MemoryModel, b: MemoryModel): boolean {
  return a.name === b.name && (a.name === 'sc' || a.storeBuffer === b.storeBuffer);
}

/** A table cell: `sc`, `tso`, or `tso/N` for a store-buffer depth other than the default. */
export function memoryModelCell(mm: MemoryModel): string {
  if (mm.name === 'sc') return 'sc';
  return mm.storeBuffer === DEFAULT_STORE_BUFFER ? 'tso' : `tso/${mm.storeBuffer}`;
}

/** Why a stated memory model is not usable (null when it is). */
export function memoryModelProblem(x: StatesMemoryModel): string | null {
  if (x.memoryModel !== undefined && !isMemoryModelName(x.memoryModel)) {
    return `memoryModel '${String(x.memoryModel)}' is not one of ${MEMORY_MODELS.join(', ')}`;
  }
  if (x.storeBuffer !== undefined) {
    if (!Number.isInteger(x.storeBuffer) || x.storeBuffer < 1 || x.storeBuffer > MAX_STORE_BUFFER) {
      return `storeBuffer must be a whole number from 1 to ${MAX_STORE_BUFFER} (got ${String(x.storeBuffer)})`;
    }
  }
  return null;
}
