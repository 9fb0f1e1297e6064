/**
 * Memory layout: a flat array of numbered cells, each with a name and a
 * formatter for traces. Kernel objects allocate their fields as cells
 * (`T.__state`, `rq0.lock`), so a footprint is just a list of cell numbers.
 *
 * Sets of tasks (runqueues, wait queues, ptraced lists) and sets of signals
 * are bitmasks in one cell: a whole set is read or written in one access,
 * exactly where the kernel does it under one lock.
 */

export type Formatter = (value: number) => string;

export interface CellInfo {
  readonly name: string;
  readonly init: number;
  readonly fmt: Formatter;
  /** lock cells: 'spin' or 'rw'; plain data: '' */
  readonly lock: '' | 'spin' | 'rw';
  /** ghost cells record facts for invariants; programs never read them */
  readonly ghost: boolean;
  /**
   * For a lock cell: how its release is done on x86, which matters under
   * the x86-TSO memory model. 'store': a plain store with release semantics
   * (Linux's spin_unlock and write_unlock, Rust's `store(false, Release)`),
   * which goes through the store buffer like any store; 'locked': a locked
   * read-modify-write or an `xchg` (Rust's `fetch_and`, a `SeqCst` store),
   * which drains the buffer. A read_unlock is always locked (an atomic
   * decrement).
   */
  readonly release: LockRelease;
}

/** How a lock is released on x86 (see CellInfo.release). */
export type LockRelease = 'store' | 'locked';

export const decimal: Formatter = (v) => String(v);

export class MemoryLayout {
  private readonly cells: CellInfo[] = [];
  private readonly byName = new Map<string, number>();

  /** Allocates a cell; names must be unique (they identify cells in traces). */
  cell(name: string, init = 0, fmt: Formatter = decimal, ghost = false): number {
    return this.add({ name, init, fmt, lock: '', ghost, release: 'store' });
  }

  /**
   * A raw spinlock: 0 when free, owner CPU + 1 when held. `release`: how
   * its unlock is done on x86 (default a release store, as Linux's
   * queued_spin_unlock: smp_store_release(&lock->locked, 0)).
   */
  spinlock(name: string, release: LockRelease = 'store'): number {
    return this.add({ name, init: 0, fmt: fmtSpin, lock: 'spin', ghost: false, release });
  }

  /**
   * A reader-writer lock: 0 free, n > 0 readers, -1 a writer. `writeRelease`:
   * how its write unlock is done on x86 (default a release store, as Linux's
   * queued_write_unlock: smp_store_release(&lock->wlocked, 0)).
   */
  rwlock(name: string, writeRelease: LockRelease = 'store'): number {
    return this.add({ name, init: 0, fmt: fmtRw, lock: 'rw', ghost: false, release: writeRelease });
  }

  ghost(name: string, init = 0, fmt: Formatter = decimal): number {
    return this.cell(name, init, fmt, true);
  }

  private add(info: CellInfo): number {
    if (this.byName.has(info.name)) throw new Error(`duplicate memory cell name '${info.name}'`);
    const addr = this.cells.length;
    this.cells.push(info);
    this.byName.set(info.name, addr);
    return addr;
  }

  get size(): number {
    return this.cells.length;
  }

  info(addr: number): CellInfo {
    const c = this.cells[addr];
    if (!c) throw new Error(`no memory cell ${addr}`);
    return c;
  }

  name(addr: number): string {
    return this.cells[addr]?.name ?? `#${addr}`;
  }

  addr(name: string): number {
    const a = this.byName.get(name);
    if (a === undefined) throw new Error(`no memory cell named '${name}'`);
    return a;
  }

  format(addr: number, value: number): string {
    const c = this.cells[addr];
    return c ? c.fmt(value) : String(value);
  }

  /** Changes a cell's value at time 0 (while the model is being built: a count known only once every task is declared). */
  setInitial(addr: number, value: number): void {
    const c = this.info(addr);
    this.cells[addr] = { ...c, init: value };
  }

  initialValues(): Int32Array {
    const m = new Int32Array(this.cells.length);
    for (let i = 0; i < this.cells.length; i++) m[i] = (this.cells[i] as CellInfo).init;
    return m;
  }

  all(): readonly CellInfo[] {
    return this.cells;
  }
}

function fmtSpin(v: number): string {
  return v === 0 ? 'free' : `held by CPU${v - 1}`;
}
function fmtRw(v: number): string {
  if (v === 0) return 'free';
  return v < 0 ? 'write-held' : `${v} reader${v > 1 ? 's' : ''}`;
}

/** Formats a bitmask using one name per bit (task names, signal names). */
export function bitsFormatter(names: (bit: number) => string): Formatter {
  return (v) => {
    if (v === 0) return '{}';
    const out: string[] = [];
    for (let b = 0; b < 31; b++) if (v & (1 << b)) out.push(names(b));
    return `{${out.join(',')}}`;
  };
}

/** Formats a value from a table of names, falling back to the number. */
export function enumFormatter(table: Readonly<Record<number, string>>): Formatter {
  return (v) => table[v] ?? String(v);
}

/** Formats flag words: each set bit by its name. */
export function flagsFormatter(flags: Readonly<Record<number, string>>): Formatter {
  const entries = Object.entries(flags).map(([k, n]) => [Number(k), n] as const);
  return (v) => {
    if (v === 0) return '0';
    const out: string[] = [];
    let rest = v;
    for (const [bit, n] of entries) {
      if ((v & bit) === bit && bit !== 0) {
        out.push(n);
        rest &= ~bit;
      }
    }
    if (rest !== 0) out.push(`0x${rest.toString(16)}`);
    return out.join('|');
  };
}
