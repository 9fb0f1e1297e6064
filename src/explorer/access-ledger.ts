import { type CpuState, SB_ENTRY } from '../cpu/cpu.ts';
import { K, type Op } from '../cpu/ops.ts';
import type { Machine } from '../model/machine.ts';

/** What a protection decision relied on, per cell (so that learning otherwise can undo it). */
const RELIED_EXCLUSIVE = 1;
const RELIED_READ_ONLY = 2;
const RELIED_LOCKSET = 4;
const RELIED_UNLOCK = 8;
/** a write was taken alone on the grounds that no invariant check reads the cell */
const RELIED_UNCHECKED = 16;

const NO_OWNER = -1;
const SHARED = -2;

/**
 * What the search has seen of how each memory cell is accessed — Eraser's
 * lockset algorithm (Savage et al., 1997), kept for a reduction rather than
 * for race reports:
 *
 * - `owner`: the one task (or interrupt handler) that has accessed the cell,
 *   or SHARED;
 * - `written`: whether any step has written it (a never-written cell is read-only);
 * - `lockset`: the locks held at every access, and `writeLockset`: the locks
 *   held exclusively at every write (a spinlock, or an rwlock write-held);
 * - for a lock cell, `irregular`: touched other than by lock/unlock (a
 *   trylock, a load, an await, an assertion).
 *
 * From it, `safe` says whether the next step of a CPU commutes with every
 * step the other CPUs can take before it, so that the search may take it
 * alone, with no branch point and no stored state (a Lipton-style block
 * inside a critical section):
 *
 * - a read of a cell no other owner has touched, of a never-written cell, or
 *   of a cell whose every writer held a lock this CPU holds;
 * - a write of a cell no other owner has touched, or of a cell whose every
 *   accessor held a lock this CPU holds exclusively;
 * - the release of a lock this CPU holds that nobody touches irregularly
 *   (no other step can run between or depend on it: acquirers are blocked);
 * - steps that touch only the CPU's own state (irq and preempt ops, fences,
 *   annotations);
 *
 * and in every case: no interrupt can come on this CPU first, and no other
 * CPU's next step touches the same cells. Those facts are learned as the
 * search runs, so a decision may rest on one that a later step disproves
 * (a second owner, a write, an access without the lock). The ledger then
 * says `invalidated`, and the search starts again from the beginning with
 * what it has learned (Stoller's argument, "Model-checking multi-threaded
 * distributed Java programs", 2000: a search that schedules only at
 * synchronisation points and checks the locking discipline on the way finds
 * a discipline violation if the full search can reach one). The tests
 * compare the verdicts and the terminal states with the unreduced search.
 *
 * Under x86-TSO a store enters its CPU's FIFO store buffer and reaches
 * memory in a drain, a choice of its own; the same blocks stay sound, and a
 * drain can be one too. "No other choice conflicts" must then hold for
 * every other choice that can run first: the other CPUs' steps, the drains
 * of their buffers, and the drains of this CPU's own buffer.
 *
 * - A step of CPU c taken alone (`safe`). Its own drains cannot disable it
 *   (they only make room) and commute with it: a load reads the newest
 *   buffered store of its cell, else memory, and a drain moves that value
 *   from the one to the other; a buffered store joins the tail while a
 *   drain leaves from the head (the store was enabled, so the buffer had
 *   room); a step that waits for an empty buffer (a full barrier, a locked
 *   instruction, lock acquisition) is enabled only when the buffer is
 *   empty, and then no drain of c can run before it (only c's stores fill
 *   the buffer). An interrupt on c, which an emptied buffer lets in, is
 *   ruled out as under SC (`irqMayComeOn` ignores the buffer). The other
 *   CPUs' steps are as under SC, and their drains are held off by the
 *   lockset: a cell every accessor touched under a lock L that c holds is
 *   in no other buffer, since a store made under L sits ahead of that
 *   holder's release of L in FIFO order, and c's acquisition of L, a
 *   locked read-modify-write of memory, saw L free only once that release
 *   (and so the store) had drained; `othersLeave` checks the other buffers
 *   too, so a fact not learned yet cannot hide one.
 * - A drain of CPU c taken alone (`drainSafe`): its entry (cell a) writes
 *   memory. c's own steps cannot run a locked instruction, a full barrier
 *   or a context switch before it (they wait for the empty buffer), nor
 *   take an interrupt; its loads and its buffered stores commute with it
 *   (as above). The other CPUs never touch a before it when a has one
 *   owner (its stores are all in c's buffer: a task leaves a CPU only
 *   through a context switch, which drains it) or when every access to a
 *   held a lock that c holds exclusively in memory: a lock in `held`, or
 *   one whose release sits behind the entry in c's buffer (FIFO: the
 *   release drains after it, and no one acquires the lock before that). A
 *   drain of a lock's release is taken alone on the grounds of `unlockSafe`:
 *   acquirers are blocked until it, and nobody touches the lock otherwise.
 *   The cell is not one an invariant or an interrupt source reads, as for a
 *   write; a drain runs no code, so writes no ghost cell.
 *
 * A read after the CPU's own release of the lock that guards its cell is
 * not taken alone, even while the release sits in the CPU's buffer (so
 * that nobody can take the lock yet): the drain of that release is a
 * choice that can come first, after which another CPU can take the lock
 * and write the cell before the read. `heldInMemory` is for drains only:
 * an entry ahead of the release in the FIFO drains before it, so no other
 * CPU can take the lock first (test/reduced-dfs-tso.test.ts,
 * readAfterOwnBufferedUnlock, shows a search that took the read alone
 * missing an outcome).
 *
 * A buffered store changes no memory at all, so it would commute with
 * every other CPU's step wherever it is; the rules above still ask of it
 * what they ask under SC (only its drain is what others can see).
 */
export class AccessLedger {
  private readonly owner: Int32Array;
  private readonly written: Uint8Array;
  private readonly lockset: Int32Array;
  private readonly writeLockset: Int32Array;
  private readonly relied: Uint8Array;
  /** bit of each lock cell in lock sets (0: not a lock, or beyond the 31 that fit) */
  private readonly lockBit: Int32Array;
  private readonly isRw: Uint8Array;
  private readonly irregular: Uint8Array;
  /** writes that are never taken alone: cells an interrupt source's enabling test or a safety invariant reads */
  private readonly visibleWrite: Uint8Array;
  /** op sites (by source reference, kind and cell) whose code was seen to write a ghost cell */
  private readonly ghostSites = new Map<string, Set<number>>();
  /** the kind-and-cell keys of those sites: most steps are told apart by a number, before a string lookup */
  private readonly ghostKeys = new Set<number>();
  /** some decision rested on a fact a step has since disproved: the search must start again */
  invalidated = false;
  /** how many times a fact was disproved (each one a restart) */
  restarts = 0;

  constructor(private readonly m: Machine) {
    const n = m.layout.size;
    this.owner = new Int32Array(n).fill(NO_OWNER);
    this.written = new Uint8Array(n);
    this.lockset = new Int32Array(n).fill(-1);
    this.writeLockset = new Int32Array(n).fill(-1);
    this.relied = new Uint8Array(n);
    this.lockBit = new Int32Array(n);
    this.isRw = new Uint8Array(n);
    this.irregular = new Uint8Array(n);
    this.visibleWrite = new Uint8Array(n);
    let bits = 0;
    m.layout.all().forEach((c, a) => {
      if (c.lock === '') return;
      if (c.lock === 'rw') this.isRw[a] = 1;
      if (bits < 31) this.lockBit[a] = 1 << bits++;
    });
    for (const src of m.def.irqs) for (const a of src.reads) this.visibleWrite[a] = 1;
    for (const a of m.watchedBySafety()) this.visibleWrite[a] = 1;
    m.recordInvariantReads((a) => this.checked(a));
  }

  /** Forgets which decisions relied on what (a new search starts; what was learned stays). */
  startOver(): void {
    this.relied.fill(0);
    this.invalidated = false;
  }

  // ---- learning --------------------------------------------------------

  /** Records the accesses of the step `choice` is about to take (call just before Machine.step). */
  record(choice: number): void {
    const m = this.m;
    if (choice >= m.cpuCount) return;
    const cpu = m.cpus[choice] as CpuState;
    const op = m.pendingOf(cpu.current);
    if (op === null) return;
    const owner = m.ownerOf(cpu.current);
    const any = this.heldAny(cpu);
    switch (op.k) {
      case K.LOAD:
        if (this.isLockCell(op.a)) this.markIrregular(op.a);
        this.read(op.a, any, owner);
        return;
      case K.STORE:
      case K.RMW:
        if (this.isLockCell(op.a)) this.markIrregular(op.a);
        this.write(op.a, any, this.heldExcl(cpu), owner);
        return;
      case K.SPIN_TRYLOCK:
      case K.WRITE_TRYLOCK:
      case K.READ_TRYLOCK:
        this.markIrregular(op.a);
        this.write(op.a, any, this.heldExcl(cpu), owner);
        return;
      case K.SPIN_LOCK:
      case K.SPIN_UNLOCK:
      case K.READ_LOCK:
      case K.READ_UNLOCK:
      case K.WRITE_LOCK:
      case K.WRITE_UNLOCK:
        this.write(op.a, any, this.heldExcl(cpu), owner);
        return;
      case K.AWAIT:
      case K.ASSERT:
        for (const a of op.addrs ?? []) {
          if (this.isLockCell(a)) this.markIrregular(a);
          this.read(a, any, owner);
        }
        return;
      default:
    }
  }

  /** After a step: did its code write a ghost cell? Then its op site is visible from now on. */
  noteGhostWrites(op: Op): void {
    let set = this.ghostSites.get(op.ref);
    if (set === undefined) {
      set = new Set();
      this.ghostSites.set(op.ref, set);
    }
    set.add(siteKey(op));
    this.ghostKeys.add(siteKey(op));
  }

  /** An invariant check read cell `a`: a write of it is visible from now on. */
  private checked(a: number): void {
    if (this.visibleWrite[a] === 1) return;
    this.visibleWrite[a] = 1;
    if ((this.relied[a] as number) & RELIED_UNCHECKED) this.disproved();
  }

  private isLockCell(a: number): boolean {
    return this.m.layout.info(a).lock !== '';
  }

  private markIrregular(a: number): void {
    if (this.irregular[a] === 1) return;
    if ((this.relied[a] as number) & RELIED_UNLOCK) this.disproved();
    this.irregular[a] = 1;
  }

  private touch(a: number, owner: number): void {
    const o = this.owner[a] as number;
    if (o === owner || o === SHARED) return;
    if (o === NO_OWNER) {
      this.owner[a] = owner;
      return;
    }
    if ((this.relied[a] as number) & RELIED_EXCLUSIVE) this.disproved();
    this.owner[a] = SHARED;
  }

  private read(a: number, any: number, owner: number): void {
    this.touch(a, owner);
    const ls = this.lockset[a] as number;
    if ((ls & any) !== ls) {
      if ((this.relied[a] as number) & RELIED_LOCKSET) this.disproved();
      this.lockset[a] = ls & any;
    }
  }

  private write(a: number, any: number, excl: number, owner: number): void {
    this.read(a, any, owner);
    if (this.written[a] === 0) {
      if ((this.relied[a] as number) & RELIED_READ_ONLY) this.disproved();
      this.written[a] = 1;
    }
    const wls = this.writeLockset[a] as number;
    if ((wls & excl) !== wls) {
      if ((this.relied[a] as number) & RELIED_LOCKSET) this.disproved();
      this.writeLockset[a] = wls & excl;
    }
  }

  private disproved(): void {
    if (!this.invalidated) this.restarts++;
    this.invalidated = true;
  }

  // ---- deciding --------------------------------------------------------

  /** Locks held by the CPU in any mode, as a bit set. */
  private heldAny(cpu: CpuState): number {
    let s = 0;
    for (const l of cpu.held) s |= this.lockBit[l] as number;
    return s;
  }

  /** Locks held by the CPU exclusively (spinlocks, write-held rwlocks). */
  private heldExcl(cpu: CpuState): number {
    let s = 0;
    const mem = this.m.mem;
    for (const l of cpu.held) if (this.isRw[l] === 0 || mem[l] === -1) s |= this.lockBit[l] as number;
    return s;
  }

  /**
   * May the search take the next step of CPU `c` (enabled) alone? See the
   * class comment. Records what the answer relied on.
   */
  safe(c: number): boolean {
    const m = this.m;
    const cpu = m.cpus[c] as CpuState;
    const op = m.pendingOf(cpu.current) as Op;
    if (m.irqMayComeOn(c)) return false;
    const owner = m.ownerOf(cpu.current);
    const key = siteKey(op);
    if (this.ghostKeys.has(key) && this.ghostSites.get(op.ref)?.has(key)) return false;
    switch (op.k) {
      case K.NOP:
      case K.FENCE:
      case K.IRQ_SAVE:
      case K.IRQ_RESTORE:
      case K.IRQ_DISABLE:
      case K.IRQ_ENABLE:
      case K.PREEMPT_DISABLE:
      case K.PREEMPT_ENABLE:
        return true;
      case K.LOAD:
        return !this.isLockCell(op.a) && this.othersLeave(c, op.a, false, false) && this.readSafe(op.a, cpu, owner);
      case K.STORE:
      case K.RMW:
        return !this.isLockCell(op.a) && this.othersLeave(c, op.a, true, false) && this.writeSafe(op.a, cpu, owner);
      case K.ASSERT: {
        for (const a of op.addrs ?? []) {
          if (this.isLockCell(a) || !this.othersLeave(c, a, false, false) || !this.readSafe(a, cpu, owner)) return false;
        }
        return true;
      }
      case K.SPIN_UNLOCK:
      case K.READ_UNLOCK:
      case K.WRITE_UNLOCK:
        return this.unlockSafe(op.a, cpu, c);
      case K.SPIN_LOCK:
      case K.READ_LOCK:
      case K.WRITE_LOCK:
      case K.SPIN_TRYLOCK:
      case K.READ_TRYLOCK:
      case K.WRITE_TRYLOCK:
        return this.lockBit[op.a] !== 0 && this.othersLeave(c, op.a, true, false) && this.writeSafe(op.a, cpu, owner);
      default:
        // AWAIT (its enabling depends on others), SWITCH_TO (moves tasks between CPUs)
        return false;
    }
  }

  private readSafe(a: number, cpu: CpuState, owner: number): boolean {
    const o = this.owner[a] as number;
    if (o === NO_OWNER || o === owner) {
      this.relied[a] = (this.relied[a] as number) | RELIED_EXCLUSIVE;
      return true;
    }
    if (this.written[a] === 0) {
      this.relied[a] = (this.relied[a] as number) | RELIED_READ_ONLY;
      return true;
    }
    if (((this.writeLockset[a] as number) & this.heldAny(cpu)) !== 0) {
      this.relied[a] = (this.relied[a] as number) | RELIED_LOCKSET;
      return true;
    }
    return false;
  }

  private writeSafe(a: number, cpu: CpuState, owner: number): boolean {
    if (this.visibleWrite[a] === 1) return false;
    this.relied[a] = (this.relied[a] as number) | RELIED_UNCHECKED;
    const o = this.owner[a] as number;
    if (o === NO_OWNER || o === owner) {
      this.relied[a] = (this.relied[a] as number) | RELIED_EXCLUSIVE;
      return true;
    }
    if (((this.lockset[a] as number) & this.heldExcl(cpu)) !== 0) {
      this.relied[a] = (this.relied[a] as number) | RELIED_LOCKSET;
      return true;
    }
    return false;
  }

  /**
   * May the search drain the oldest entry of CPU `c`'s store buffer (x86-TSO)
   * alone? See the class comment. Records what the answer relied on.
   */
  drainSafe(c: number): boolean {
    const sb = (this.m.cpus[c] as CpuState).sb;
    const a = sb[0] as number;
    if (this.visibleWrite[a] === 1) return false;
    if (this.isLockCell(a)) {
      // a release store draining: acquirers wait for it, and nobody else touches the lock
      if (this.irregular[a] === 1 || !this.othersLeave(c, a, true, true)) return false;
      this.relied[a] = (this.relied[a] as number) | RELIED_UNLOCK | RELIED_UNCHECKED;
      return true;
    }
    if (!this.othersLeave(c, a, true, false)) return false;
    this.relied[a] = (this.relied[a] as number) | RELIED_UNCHECKED;
    if ((this.owner[a] as number) >= 0) {
      this.relied[a] = (this.relied[a] as number) | RELIED_EXCLUSIVE;
      return true;
    }
    if (((this.lockset[a] as number) & this.heldInMemory(c)) !== 0) {
      this.relied[a] = (this.relied[a] as number) | RELIED_LOCKSET;
      return true;
    }
    return false;
  }

  /**
   * Locks CPU `c` holds exclusively in memory (x86-TSO): those it holds, and
   * those whose release store is still in its buffer (nobody can take them
   * before that store drains). A lock touched irregularly is left out.
   */
  private heldInMemory(c: number): number {
    const cpu = this.m.cpus[c] as CpuState;
    let s = this.heldExcl(cpu);
    const sb = cpu.sb;
    for (let i = 0; i < sb.length; i += SB_ENTRY) {
      const l = sb[i] as number;
      if (this.lockBit[l] === 0 || this.irregular[l] === 1) continue;
      this.relied[l] = (this.relied[l] as number) | RELIED_UNLOCK;
      s |= this.lockBit[l] as number;
    }
    return s;
  }

  private unlockSafe(l: number, cpu: CpuState, c: number): boolean {
    if (this.irregular[l] === 1 || this.visibleWrite[l] === 1 || !cpu.held.includes(l)) return false;
    if (!this.othersLeave(c, l, true, true)) return false;
    this.relied[l] = (this.relied[l] as number) | RELIED_UNLOCK | RELIED_UNCHECKED;
    return true;
  }

  /**
   * No other CPU's next step touches cell `a` in a way that conflicts with
   * this one (a write conflicts with any access, a read with a write), and
   * under x86-TSO no other CPU's store buffer holds a store to `a` (its
   * drain writes it). `release`: this step releases lock `a`, and another
   * CPU blocked in acquiring it does not count (it cannot run before the
   * release).
   */
  private othersLeave(c: number, a: number, write: boolean, release: boolean): boolean {
    const m = this.m;
    for (let d = 0; d < m.cpuCount; d++) {
      if (d === c) continue;
      const cpu = m.cpus[d] as CpuState;
      const sb = cpu.sb;
      for (let i = 0; i < sb.length; i += SB_ENTRY) if (sb[i] === a) return false;
      const cur = cpu.current;
      if (cur < 0) continue;
      const op = m.pendingOf(cur);
      if (op === null) continue;
      switch (op.k) {
        case K.LOAD:
          if (op.a === a && write) return false;
          break;
        case K.STORE:
        case K.RMW:
        case K.SPIN_TRYLOCK:
        case K.READ_TRYLOCK:
        case K.WRITE_TRYLOCK:
        case K.SPIN_UNLOCK:
        case K.READ_UNLOCK:
        case K.WRITE_UNLOCK:
          if (op.a === a) return false;
          break;
        case K.SPIN_LOCK:
        case K.READ_LOCK:
        case K.WRITE_LOCK:
          if (op.a === a && !release) return false;
          break;
        case K.AWAIT:
        case K.ASSERT:
          if (write && (op.addrs ?? []).includes(a)) return false;
          break;
        default:
      }
    }
    return true;
  }
}

function siteKey(op: Op): number {
  return op.k + 64 * (op.a + 1);
}
