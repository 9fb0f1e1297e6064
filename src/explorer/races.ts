import { dependent, type Event } from './dependence.ts';

/** What race analysis needs to know about one finished execution. */
export interface ExecutionView {
  /** the steps, in the order they ran */
  readonly events: readonly Event[];
  /** choices enabled in state i (before step i); state events.length is the end state */
  enabledAt(i: number): readonly number[];
  /** step i is of a kind that can be disabled (a blocking op, an interrupt injection) */
  mayBlock(i: number): boolean;
  /** for an interrupt injection at step i: the next step its CPU had before it, else null */
  displaced(i: number): Event | null;
  /** choices blocked in the end state, with the footprint of the step each waits to make */
  readonly finalBlocked: readonly Event[];
  /** the CPU an interrupt source injects on; -1 for a CPU choice */
  irqCpu(proc: number): number;
  /** Runs the steps `indices` (a set closed under happens-before, ascending) from the start: is `proc` enabled then? */
  enabledAfter(indices: readonly number[], proc: number): boolean;
}

/** A sequence to run from state `at` (after the first `at` steps) that reverses a race. */
export type ReversalSink = (at: number, seq: readonly Event[]) => void;

/**
 * Happens-before and race reversal over one execution (Abdulla, Aronis,
 * Jonsson, Sagonas: "Source sets" and "Optimal DPOR", JACM 2017, §3–§6).
 *
 * Happens-before is the transitive closure of the dependence relation over
 * the execution, kept as vector clocks of step indices. Step e and a later
 * step e' of another choice are in a race when they are dependent and no
 * step lies between them in happens-before. Reversing it means running
 * notdep(e).e' from the state before e, where notdep(e) is every step after
 * e that does not happen after e.
 *
 * Blocking needs three additions; the model's footprints make them exact:
 *
 * 1. An enabling race is not reversible. If e' is a blocking op or an
 *    injection, it may be that e is what enabled it (e' = spin_lock after
 *    the other CPU's spin_unlock, an await after the store it waits for, an
 *    injection after local_irq_restore). Whether e' can run first is decided
 *    by running notdep(e) from the start (`enabledAfter`). When it cannot,
 *    the reversal that matters is an earlier one: see 2.
 * 2. A blocked op is a busy-wait whose failed tests are reads of the cells it
 *    tests. Such a test sitting where the op is blocked would race with the
 *    last writes of those cells (e.g. the other CPU's spin_lock that took the
 *    lock, or the local_irq_save that masked an interrupt): reversing that
 *    race lets the blocked op run before the write. We do exactly that for
 *    every op blocked in the end state (it never ran: a deadlock, an
 *    interrupt never injected, a CPU left waiting) and for every enabling
 *    race of 1, walking back from write to write until a state where the op
 *    is enabled. Nothing else can tell the search that a blocked op could
 *    have run earlier, because the op never appears as a step.
 * 3. An injection on CPU c changes what CPU c does next: the step of c right
 *    after it (a handler op) does not exist without it, so the race is
 *    reversed with the step c had pending before the injection (`displaced`).
 *
 * Lock acquire/release need nothing more: they read and write the lock
 * word, so two acquisitions are ordered through the release between them
 * (an enabling race, case 1) and case 2 moves the second acquisition before
 * the first. switch_to and task wakeups are ordinary steps: the wakeup writes
 * the runqueue cells the other CPU's schedule() reads, and a task resumed on
 * another CPU is ordered after the switch that parked it by taskCtx.
 */
export class RaceAnalysis {
  private readonly n: number;
  private readonly ev: readonly Event[];
  /** clock[j*P + p] = 1 + index of the last step of p that happens before or is j (0: none) */
  private clock = new Int32Array(0);
  /** per cell: ascending indices of the steps that write it */
  private writers: number[][] = [];
  private readonly memo = new Set<string>();

  constructor(
    private readonly x: ExecutionView,
    private readonly procs: number,
    private readonly cells: number,
    /** notdep over the whole execution (optimal DPOR) or only up to e' (source-DPOR) */
    private readonly wholeExecution: boolean,
  ) {
    this.ev = x.events;
    this.n = x.events.length;
  }

  /** Finds every race of the execution and hands each reversal to `sink`. */
  run(sink: ReversalSink): void {
    const { n, ev, procs: P } = this;
    this.clock = new Int32Array(n * P);
    this.writers = Array.from({ length: this.cells }, () => []);
    const lastWrite = new Int32Array(this.cells).fill(-1);
    const readers: number[][] = Array.from({ length: this.cells }, () => []);
    const lastOf = new Int32Array(P).fill(-1);
    const races: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      const e = ev[j] as Event;
      const cands = new Set<number>();
      for (const c of e.fp.reads) if ((lastWrite[c] as number) >= 0) cands.add(lastWrite[c] as number);
      for (const c of e.fp.writes) {
        if ((lastWrite[c] as number) >= 0) cands.add(lastWrite[c] as number);
        for (const r of readers[c] as number[]) cands.add(r);
      }
      const own = lastOf[e.proc] as number;
      cands.delete(own);
      const base = j * P;
      if (own >= 0) this.clock.copyWithin(base, own * P, own * P + P);
      for (const c of cands) this.join(base, c);
      for (const c of cands) {
        const pc = (ev[c] as Event).proc;
        if (pc === e.proc) continue;
        if (own >= 0 && this.before(c, own)) continue;
        let direct = true;
        for (const d of cands) if (d !== c && this.before(c, d)) direct = false;
        if (direct) races.push([c, j]);
      }
      this.clock[base + e.proc] = j + 1;
      lastOf[e.proc] = j;
      for (const c of e.fp.writes) {
        lastWrite[c] = j;
        (readers[c] as number[]).length = 0;
        (this.writers[c] as number[]).push(j);
      }
      for (const c of e.fp.reads) if (!e.fp.writes.includes(c)) (readers[c] as number[]).push(j);
    }
    for (const [e, j] of races) this.reverse(e, j, sink);
    const all = Array.from({ length: n }, (_, i) => i);
    for (const q of this.x.finalBlocked) this.blockedTest(q, lastOf[q.proc] as number, all, sink, n + 1);
  }

  private join(base: number, other: number): void {
    const P = this.procs;
    const c = this.clock;
    for (let p = 0; p < P; p++) {
      const v = c[other * P + p] as number;
      if (v > (c[base + p] as number)) c[base + p] = v;
    }
  }

  /** step a happens before (or is) step b */
  private before(a: number, b: number): boolean {
    return (this.clock[b * this.procs + (this.ev[a] as Event).proc] as number) > a;
  }

  /** Steps of `set` that do not happen after `e` (e itself excluded). */
  private without(set: readonly number[], e: number): number[] {
    return set.filter((i) => !this.before(e, i));
  }

  private lastOwnBefore(proc: number, limit: number): number {
    for (let i = limit - 1; i >= 0; i--) if ((this.ev[i] as Event).proc === proc) return i;
    return -1;
  }

  private reverse(e: number, j: number, sink: ReversalSink): void {
    let ej = this.ev[j] as Event;
    let mayBlock = this.x.mayBlock(j);
    const cpu = this.x.irqCpu((this.ev[e] as Event).proc);
    if (cpu >= 0 && ej.proc === cpu) {
      // Case 3: CPU c runs the step it had before the injection, instead of the handler.
      const d = this.x.displaced(e);
      if (d === null) return;
      ej = d;
      mayBlock = true;
    }
    const rest = this.notdep(e, this.wholeExecution ? this.n : j);
    if (!mayBlock || this.enabled(rest, ej.proc)) this.emit(rest, ej, sink);
    // Case 1: e enabled e'. Case 2 from the state where e' waits.
    else this.blockedTest(ej, this.lastOwnBefore(ej.proc, j), rest, sink, this.n + 1);
    if (this.wholeExecution) return;
    // Source-DPOR takes notdep(e) up to e' and also, as in the paper, over
    // the whole execution: e' (or the step an injection displaced, case 3)
    // may be enabled only by steps after it that do not happen after e —
    // under x86-TSO, the drain of a buffered release that comes later.
    const whole = this.notdep(e, this.n);
    if (whole.length > rest.length && (!mayBlock || this.enabled(whole, ej.proc))) this.emit(whole, ej, sink);
  }

  /** The steps before `scope` that do not happen after `e` (e excluded), ascending: the prefix up to e, then notdep(e). */
  private notdep(e: number, scope: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < scope; i++) if (i < e || !this.before(e, i)) out.push(i);
    return out;
  }

  /**
   * Case 2: `q` waits in state `set` (a happens-before-closed set of steps,
   * ascending) with its last own step `own`. Reverse the race of its failed
   * test with each last write of a tested cell, walking back further where
   * it is still blocked.
   */
  private blockedTest(q: Event, own: number, set: readonly number[], sink: ReversalSink, budget: number): void {
    if (budget <= 0) return;
    const key = `${q.proc}:${set.join(',')}`;
    if (this.memo.has(key)) return;
    this.memo.add(key);
    const inSet = new Uint8Array(this.n);
    for (const i of set) inSet[i] = 1;
    const ws = new Set<number>();
    for (const c of q.fp.reads) {
      const list = this.writers[c] as number[];
      for (let k = list.length - 1; k >= 0; k--) {
        const w = list[k] as number;
        if (inSet[w] === 1) {
          if ((this.ev[w] as Event).proc !== q.proc) ws.add(w);
          break;
        }
      }
    }
    for (const w of ws) {
      if (own >= 0 && this.before(w, own)) continue;
      let direct = true;
      for (const d of ws) if (d !== w && this.before(w, d)) direct = false;
      if (!direct) continue;
      // An injection on q's CPU is what put this op in front of it (case 3):
      // before the injection, the CPU had the displaced step instead.
      let target = q;
      if (this.x.irqCpu((this.ev[w] as Event).proc) === q.proc) {
        const d = this.x.displaced(w);
        if (d === null) continue;
        target = d;
      }
      const rest = this.without(set, w);
      if (this.enabled(rest, target.proc)) this.emit(rest, target, sink);
      else this.blockedTest(target, own, rest, sink, budget - 1);
    }
  }

  /** Is `proc` enabled after the steps `set`? A prefix of the execution is answered from the record. */
  private enabled(set: readonly number[], proc: number): boolean {
    const k = set.length;
    if (k === 0 || set[k - 1] === k - 1) return this.x.enabledAt(k).includes(proc);
    return this.x.enabledAfter(set, proc);
  }

  /**
   * Hands on "run the steps of `rest` (happens-before closed), then `last`".
   * The sequence starts from the longest prefix of the execution inside
   * `rest`: that state is on the current path, where it can be scheduled.
   */
  private emit(rest: readonly number[], last: Event, sink: ReversalSink): void {
    let at = 0;
    while (at < rest.length && rest[at] === at) at++;
    const seq: Event[] = [];
    for (let i = at; i < rest.length; i++) seq.push(this.ev[rest[i] as number] as Event);
    seq.push(last);
    sink(at, seq);
  }
}

/** Is `p` (with next step `fp`) a weak initial of `seq`? Returns `seq` without p's first step if so, else null. */
export function weakInitialRest(p: Event, seq: readonly Event[]): readonly Event[] | null {
  for (let i = 0; i < seq.length; i++) {
    const e = seq[i] as Event;
    if (e.proc === p.proc) return [...seq.slice(0, i), ...seq.slice(i + 1)];
    if (dependent(p, e)) return null;
  }
  return seq;
}

/** The choices whose first step in `seq` has no dependent step before it in `seq` (its initials). */
export function initials(seq: readonly Event[]): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < seq.length; i++) {
    const e = seq[i] as Event;
    if (seen.has(e.proc)) continue;
    seen.add(e.proc);
    let free = true;
    for (let k = 0; k < i && free; k++) if (dependent(seq[k] as Event, e)) free = false;
    if (free) out.push(e.proc);
  }
  return out;
}
