import type { Machine } from '../model/machine.ts';
import { ReplayPath } from './choice-stack.ts';
import { dependent, type Event } from './dependence.ts';
import { type ExecutionView, initials, RaceAnalysis, weakInitialRest } from './races.ts';
import { NondeterminismError, type Strategy } from './strategy.ts';

/** A node of a wakeup tree: run `proc` (whose step has footprint `fp`), then one of `children`. */
class WakeupNode {
  readonly children: WakeupNode[] = [];
  constructor(readonly ev: Event) {}
}

/** One state of the current execution (the state before step `depth`). */
interface Level {
  /** choices enabled here */
  readonly enabled: readonly number[];
  /** choices whose step here need not be tried: explored before, or equivalent to what was */
  readonly sleep: Event[];
  /** optimal: the wakeup tree; wakeup[0] is the branch being explored */
  readonly wakeup: WakeupNode[];
  /** source-DPOR: choices to try here (the one being explored last) */
  readonly backtrack: number[];
  /** source-DPOR: choices tried here already */
  readonly done: number[];
  /** the step taken here in the current execution */
  taken: Event;
  /** it is a blocking op or an injection */
  mayBlock: boolean;
  /** for an injection: the step its CPU had pending before it */
  displaced: Event | null;
}

export type DporMode = 'optimal' | 'source';

/**
 * Dynamic partial-order reduction (Abdulla, Aronis, Jonsson, Sagonas,
 * "Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction",
 * JACM 64(4), 2017; first as "Optimal DPOR", POPL 2014).
 *
 * Stateless: each execution starts from reset() and replays the current
 * path. Two steps are dependent when the same choice makes them or their
 * footprints conflict (src/explorer/dependence.ts). Two executions are
 * equivalent (one Mazurkiewicz trace) when one is the other with adjacent
 * independent steps swapped; every invariant the machine checks gives the
 * same verdict on equivalent executions — deadlock and terminal invariants
 * look at the end state, which is the same; safety invariants by the rule in
 * src/model/types.ts; assertion steps read cells in their footprint — so
 * exploring one execution per trace checks them all.
 *
 * - `source`: source sets with sleep sets. At least one execution per
 *   trace; sleep sets may cut some executions short ("sleep-set blocked").
 * - `optimal`: wakeup trees instead of source sets: exactly one execution
 *   per trace, and none is ever cut.
 *
 * After each execution, src/explorer/races.ts finds its races and how to
 * reverse them, including the extra cases blocking ops and interrupts need.
 *
 * Under x86-TSO the drains of CPU c's buffer are a choice of their own, and
 * footprints say what each step touches (Machine.tsoFootprint): a drain
 * writes its memory cell and the buffer, a buffered store only the buffer, a
 * load that forwards only the buffer. Nothing else changes: an op that waits
 * for its buffer to drain (a fence, a locked op) is a blocking op the last
 * drain enabled (races.ts, case 1), and the drain that a waiting op needs
 * may come after it in an execution (races.ts, source-DPOR's whole notdep).
 */
export class DporStrategy implements Strategy {
  readonly name: string;
  readonly exhaustive = true;
  private readonly path = new ReplayPath<Level>();
  private readonly stack = this.path.levels;
  private finalBlocked: Event[] = [];
  private finalEnabled: number[] = [];
  /** executions cut because every enabled choice was asleep (always 0 for optimal) */
  sleepBlocked = 0;
  /** replays run to decide whether a reversed race can run */
  simulations = 0;

  constructor(readonly mode: DporMode = 'optimal') {
    this.name = mode === 'optimal' ? 'dpor' : 'source-dpor';
  }

  beginExecution(): boolean {
    return this.path.begin();
  }

  choose(enabled: readonly number[], depth: number, m: Machine): number {
    const s = this.stack;
    if (depth < s.length) {
      return this.path.replay(
        depth,
        enabled,
        (level) => this.current(level),
        (level, p) => this.record(level, p, m),
      );
    }
    const parent = s[depth - 1];
    const sleep = parent ? parent.sleep.filter((q) => !dependent(q, parent.taken)) : [];
    const inherited = parent && this.mode === 'optimal' ? (parent.wakeup[0] as WakeupNode).children : [];
    const level: Level = {
      enabled: enabled.slice(),
      sleep,
      wakeup: inherited,
      backtrack: [],
      done: [],
      taken: { proc: -1, fp: { reads: [], writes: [] } },
      mayBlock: false,
      displaced: null,
    };
    if (inherited.length === 0) {
      const p = enabled.find((c) => !sleep.some((q) => q.proc === c));
      if (p === undefined) {
        this.sleepBlocked++;
        this.recordEnd(m, enabled);
        this.cut = true;
        return -1;
      }
      if (this.mode === 'optimal') level.wakeup.push(new WakeupNode({ proc: p, fp: m.footprint(p) }));
      else level.backtrack.push(p);
    }
    s.push(level);
    const p = this.current(level);
    if (!enabled.includes(p)) throw new NondeterminismError(`depth ${depth}: wakeup choice ${p} is not enabled`);
    this.record(level, p, m);
    return p;
  }

  private current(level: Level): number {
    if (this.mode === 'optimal') return (level.wakeup[0] as WakeupNode).ev.proc;
    return level.backtrack[level.backtrack.length - 1] as number;
  }

  private record(level: Level, p: number, m: Machine): void {
    level.taken = { proc: p, fp: m.footprint(p) };
    level.mayBlock = m.blockingNext(p);
    level.displaced = null;
    if (m.irqOf(p) >= 0) {
      const cpu = m.cpuOfChoice(p);
      const t = (m.cpus[cpu] as { current: number }).current;
      if (t >= 0 && m.pendingOf(t) !== null) level.displaced = { proc: cpu, fp: m.footprint(cpu) };
    }
  }

  private recordEnd(m: Machine, enabled: readonly number[]): void {
    this.finalEnabled = enabled.slice();
    this.finalBlocked = [];
    for (let q = 0; q < m.choiceCount; q++) if (m.blocked(q)) this.finalBlocked.push({ proc: q, fp: m.footprint(q) });
  }

  endExecution(m: Machine): void {
    if (m.violation !== null) {
      this.path.stop();
      return;
    }
    if (!this.cut) this.recordEnd(m, []);
    this.cut = false;
    this.analyse(m, this.stack.length);
    this.backtrack();
  }

  /** choose() cut the current execution (sleep-set blocked) and recorded its end state */
  private cut = false;

  private analyse(m: Machine, n: number): void {
    const s = this.stack;
    const events = s.slice(0, n).map((l) => l.taken);
    const view: ExecutionView = {
      events,
      enabledAt: (i) => (i < n ? (s[i] as Level).enabled : this.finalEnabled),
      mayBlock: (i) => (s[i] as Level).mayBlock,
      displaced: (i) => (s[i] as Level).displaced,
      finalBlocked: this.finalBlocked,
      irqCpu: (p) => (m.irqOf(p) < 0 ? -1 : m.cpuOfChoice(p)),
      enabledAfter: (indices, proc) => {
        this.simulations++;
        m.reset();
        for (const i of indices) {
          const c = (events[i] as Event).proc;
          if (!m.isEnabled(c)) throw new NondeterminismError(`reordered replay: choice ${c} is not enabled`);
          m.step(c);
          // A reordered prefix that breaks an invariant is a real execution: let the search run it.
          if (m.violation !== null) return true;
        }
        return m.isEnabled(proc);
      },
    };
    const cells = m.footprintCells;
    const ra = new RaceAnalysis(view, m.choiceCount, cells, this.mode === 'optimal');
    ra.run((at, seq) => (this.mode === 'optimal' ? this.insertWakeup(at, seq) : this.insertSource(at, seq)));
  }

  /** Optimal DPOR: add `seq` to the wakeup tree at `at` unless an explored or planned branch covers it. */
  private insertWakeup(at: number, seq: readonly Event[]): void {
    const level = this.stack[at] as Level;
    for (const q of level.sleep) if (weakInitialRest(q, seq) !== null) return;
    let children = level.wakeup;
    let v = seq;
    for (;;) {
      let next: WakeupNode | null = null;
      for (const c of children) {
        const rest = weakInitialRest(c.ev, v);
        if (rest !== null) {
          next = c;
          v = rest;
          break;
        }
      }
      if (next === null) break;
      // Through the branch being explored: the next level of the current
      // execution exists, with a sleep set of its own that may already cover
      // the rest (a reversal found in a reordered execution can start with
      // steps that commute with the branch taken here).
      if (children === level.wakeup && next === children[0] && at + 1 < this.stack.length) {
        this.insertWakeup(at + 1, v);
        return;
      }
      if (next.children.length === 0 || v.length === 0) return;
      children = next.children;
    }
    let list = children;
    for (const e of v) {
      const node = new WakeupNode(e);
      list.push(node);
      list = node.children;
    }
  }

  /** Source-DPOR: make sure some initial of `seq` is tried at `at`. */
  private insertSource(at: number, seq: readonly Event[]): void {
    const level = this.stack[at] as Level;
    const init = initials(seq);
    if (init.some((p) => level.backtrack.includes(p) || level.done.includes(p))) return;
    const awake = init.filter((p) => !level.sleep.some((q) => q.proc === p));
    if (awake.length === 0) return;
    level.backtrack.unshift(awake[0] as number);
  }

  /** Finishes the explored branch of each level, deepest first, until a level has another to try. */
  private backtrack(): void {
    this.path.backtrack((level) => {
      level.sleep.push(level.taken);
      if (this.mode === 'optimal') {
        level.wakeup.shift();
        return level.wakeup.length > 0;
      }
      level.done.push(level.backtrack.pop() as number);
      const asleep = (p: number) => level.sleep.some((q) => q.proc === p);
      while (level.backtrack.length > 0 && asleep(level.backtrack[level.backtrack.length - 1] as number)) {
        level.backtrack.pop();
      }
      return level.backtrack.length > 0;
    });
  }
}
