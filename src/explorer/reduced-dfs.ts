import type { CpuState } from '../cpu/cpu.ts';
import type { Op } from '../cpu/ops.ts';
import { collisionProbability } from '../model/hash.ts';
import type { Machine, Snapshot } from '../model/machine.ts';
import type { Violation } from '../model/types.ts';
import { AccessLedger } from './access-ledger.ts';
import { dependent, type Event } from './dependence.ts';
import { type Budget, limitsOf, overlongText, type SearchResult, type SearchVerdict } from './explore.ts';
import { SearchLimits } from './limits.ts';
import { SchedulePath } from './schedule-path.ts';
import { ExactStore, FingerprintStore, type StateStore } from './state-store.ts';
import type { Strategy } from './strategy.ts';

/** Masks of choices use bits 0..30. */
const MAX_CHOICES = 31;
const ALL = 0x7fffffff;

/** A branch point on the current path: the state (as a snapshot) and what is explored from it. */
interface Level {
  /** null when there is one option (the state is rebuilt from an ancestor's snapshot if it is ever needed again) */
  readonly snap: Snapshot | null;
  /** length of the path (choices from the initial state) that reaches this state */
  readonly pathLen: number;
  readonly options: readonly number[];
  index: number;
  /** steps asleep on arrival: equivalent to ones explored elsewhere */
  readonly sleep: readonly Event[];
  /** options explored from here so far, with the footprints they had */
  readonly done: Event[];
  /** the state's identity in the store (StateStore.find) */
  readonly idA: number;
  readonly idB: number;
  readonly idKey: string;
  /** reached for the first time: the steps taken before (else -1), and the choices asleep then */
  readonly since: number;
  readonly asleep: number;
}

export interface ReducedDfsOptions {
  /** sleep sets (default on) */
  readonly sleepSets?: boolean;
  /** take steps inside critical sections alone, as blocks (default on; needs sleep sets' bookkeeping of footprints) */
  readonly blocks?: boolean;
  /** tell states apart by exact key instead of 64-bit fingerprint */
  readonly exact?: boolean;
  /** once KEEP_ALL_BELOW states are kept (`keepAllBelow`), keep a visited state only when its subtree took at least this many steps (default STORE_MIN_STEPS; 0 keeps all) */
  readonly storeMinSteps?: number;
  readonly keepAllBelow?: number;
  /** explore only below this schedule prefix (a slice of a split search) */
  readonly prefix?: readonly number[];
  /** called at every state where nothing is enabled, after the end-of-execution checks (for tests) */
  readonly onEnd?: (m: Machine) => void;
}

const NONE: readonly Event[] = [];

/**
 * A state is remembered once its subtree is explored, and only when that
 * took at least this many steps: reaching it again then saves at least as
 * many; a smaller subtree is cheaper to explore again than to store (2
 * CPUs, linux-6.6: linux/kill-traced keeps 41 % of its states for 0.8 %
 * more steps, linux/resume-vs-wait 40 % for 0.3 %; at 64 steps the latter
 * takes 6.8 % more). Reaching a state again while it is explored cannot happen (the
 * state graph is acyclic), so keeping it at the end instead of on arrival
 * changes nothing else.
 */
export const STORE_MIN_STEPS = 32;

/**
 * Until the visited set holds this many states every state is kept: a small
 * table costs little (it stays in the processor's caches), and a small
 * search then explores each state once, as before it grew.
 */
export const KEEP_ALL_BELOW = 1 << 16;

/** States with one enabled choice are remembered only when the step count is a multiple of 8. */
const PASS_MASK = 7;

/** What one descent ended with. */
const GO_ON = 0;
const VIOLATED = 1;
const REDO = 2;
const RESTART = 3;
const OUT_OF_BUDGET = 4;
const DONE = 5;

/**
 * The exhaustive stateful search (`dfs`): depth-first, every reachable state
 * of the reduced state graph once, going back to a branch point by
 * restoring its snapshot — no execution is replayed from the start.
 *
 * Reductions, each keeping every reachable deadlock, terminal state and
 * invariant verdict:
 *
 * - Blocks (critical-section reduction): a step that the AccessLedger proves
 *   commutes with everything other CPUs can do first — inside a critical
 *   section, a lock release, a CPU-local step — is taken alone, with no
 *   branch point and no stored state; a singleton persistent set. Only the
 *   steps between blocks (lock acquisitions, accesses outside locks,
 *   context switches, waits, writes an invariant watches) are branch points.
 *   A step whose code turns out to write a ghost cell is visible: the descent
 *   is redone with that op site as a branch point. A fact the ledger learns
 *   that disproves an earlier decision restarts the search.
 * - Sleep sets with state caching (Godefroid 1996): a visited branch point
 *   stores the choices asleep when it was explored; reached again with
 *   fewer asleep, only the newly awake ones are explored. Footprints include
 *   the ghost cells a step's code wrote, so two steps that write the same
 *   ghost cell are ordered both ways.
 *
 * The state graph is acyclic (program histories only grow), so no cycle
 * proviso is needed. Visited states are 64-bit fingerprints in a typed-array
 * table (exact keys with `exact`).
 */
export class ReducedDfs implements Strategy {
  readonly name = 'dfs';
  readonly exhaustive = true;
  private readonly levels: Level[] = [];
  private readonly path = new SchedulePath();
  private readonly store: StateStore;
  private ledger: AccessLedger | null = null;
  private readonly buf: number[] = [];
  /** the branch point the machine is at right now, just reached (no need to restore it) */
  private fresh: Level | null = null;
  /** the state the search starts from (after the slice prefix) */
  private root: Snapshot | null = null;
  private rootLen = 0;
  private m: Machine | null = null;
  private budget: Budget = {};
  private t0 = 0;
  private executions = 0;
  private steps = 0;
  private explored = 0;
  /** visited-set lookups (a bound on the fingerprint comparisons a false match could come from) */
  private lookups = 0;
  private maxDepth = 0;
  private nextProgress = 16;
  /** --max-time, memory, interruption (limits.ts) */
  private limits: SearchLimits = new SearchLimits();
  private violation: Violation | null = null;
  private stoppedBy: SearchResult['stoppedBy'] = null;
  /** executions cut by the step bound (when livelock is not checked) */
  private cutLong = 0;

  private readonly storeMin: number;
  private readonly keepAllBelow: number;

  /** whether a state whose subtree took `steps` steps is kept */
  private keeps(steps: number): boolean {
    return steps >= this.storeMin || this.store.size < this.keepAllBelow;
  }

  constructor(private readonly opts: ReducedDfsOptions = {}) {
    this.store = opts.exact ? new ExactStore() : new FingerprintStore();
    this.storeMin = opts.storeMinSteps ?? STORE_MIN_STEPS;
    this.keepAllBelow = opts.keepAllBelow ?? KEEP_ALL_BELOW;
  }

  /** states explored: each arrival at a branch point not found in the visited set (one not kept counts again when reached again) */
  get states(): number {
    return this.explored;
  }

  /** states kept in the visited set (STORE_MIN_STEPS) */
  get storedStates(): number {
    return this.store.size;
  }

  /** bytes the visited set holds (null with exact keys) */
  get stateBytes(): number | null {
    return this.store.bytes;
  }

  /** whether the visited set tells states apart exactly */
  get exactStates(): boolean {
    return this.store.exact;
  }

  /** how many times the search started again because a learned fact disproved a block */
  get restarts(): number {
    return this.ledger?.restarts ?? 0;
  }

  prepare(m: Machine): void {
    if (this.opts.exact) m.trackStates();
    if (m.choiceCount > MAX_CHOICES) {
      throw new Error(
        `dfs keeps sleep sets as bit masks: at most ${MAX_CHOICES} choices (CPUs, interrupt sources${m.tso ? ' and store buffers' : ''}); this model has ${m.choiceCount}`,
      );
    }
  }

  // The explorer's per-execution interface is not used: run() drives the machine itself.
  beginExecution(): boolean {
    throw new Error('ReducedDfs runs through run()');
  }
  choose(): number {
    throw new Error('ReducedDfs runs through run()');
  }
  endExecution(): void {}

  run(m: Machine, budget: Budget): SearchResult {
    this.start(m, budget);
    let r = this.advance();
    while (r === GO_ON) r = this.advance();
    return this.result();
  }

  /**
   * Starts the search (a portfolio then calls `advance` in turns with other
   * searches; `run` calls it to the end).
   */
  start(m: Machine, budget: Budget, limits: SearchLimits = limitsOf(budget)): void {
    this.m = m;
    this.budget = budget;
    this.limits = limits;
    this.t0 = performance.now();
    this.prepare(m);
    // under x86-TSO too: the ledger's proofs cover the drains of store buffers (access-ledger.ts)
    if (this.opts.blocks !== false && this.opts.sleepSets !== false) this.ledger = new AccessLedger(m);
    this.outcome = -1;
  }

  /** what the search ended with (-1 while it runs) */
  private outcome = -1;

  /** executions ended so far */
  get executionCount(): number {
    return this.executions;
  }

  /** steps taken so far (a portfolio shares time by it) */
  get stepsTaken(): number {
    return this.steps;
  }

  /**
   * Explores one more branch (from the root, or from the deepest branch
   * point with an option left) down to its next end. GO_ON while the search
   * goes on; otherwise it is over and `result()` says how.
   */
  advance(): number {
    if (this.outcome >= 0) return this.outcome;
    let r = this.root === null ? this.descendFromRoot() : this.nextBranch();
    if (r === RESTART) {
      this.store.clear();
      this.explored = 0;
      this.lookups = 0;
      this.levels.length = 0;
      this.root = null;
      (this.ledger as AccessLedger).startOver();
      r = GO_ON;
    } else if (r === GO_ON && this.levels.length === 0) {
      r = DONE;
    }
    if (r !== GO_ON) this.outcome = r;
    return r;
  }

  /** Whether the search has ended (see `result`). */
  get over(): boolean {
    return this.outcome >= 0;
  }

  result(): SearchResult {
    const r = this.outcome;
    let verdict: SearchVerdict = 'holds';
    if (r === VIOLATED) verdict = 'violated';
    else if (r === OUT_OF_BUDGET || r < 0 || this.cutLong > 0) verdict = 'incomplete';
    return {
      verdict,
      violation: this.violation,
      schedule: this.violation ? this.path.toArray() : null,
      executions: this.executions,
      steps: this.steps,
      maxDepth: this.maxDepth,
      states: this.explored,
      storedStates: this.store.size,
      stoppedBy: r === OUT_OF_BUDGET ? this.stoppedBy : this.cutLong > 0 ? 'max-steps' : null,
      elapsedMs: performance.now() - this.t0,
      coverage: verdict === 'incomplete' && r !== OUT_OF_BUDGET ? overlongText(this.cutLong, (this.m as Machine).maxSteps) : null,
      ...(this.store.exact ? {} : { collisionProbability: collisionProbability(this.lookups, this.store.size) }),
      ...(this.store.bytes !== null ? { stateBytes: this.store.bytes } : {}),
    };
  }

  private descendFromRoot(): number {
    const m = this.m as Machine;
    m.reset();
    this.path.length = 0;
    for (const c of this.opts.prefix ?? []) {
      if (!m.isEnabled(c)) throw new Error(`the slice prefix is not a schedule of this model (choice ${c})`);
      const r = this.take(c);
      if (r !== GO_ON) return r;
    }
    const root = m.snapshot();
    this.root = root;
    this.rootLen = this.path.length;
    this.fresh = null;
    let r: number;
    do {
      m.restore(root);
      this.path.length = this.rootLen;
      r = this.descend([]);
    } while (r === REDO);
    return r;
  }

  /** Takes the next option of the deepest branch point that has one left (popping finished ones). */
  private nextBranch(): number {
    const levels = this.levels;
    while (levels.length > 0) {
      const level = levels[levels.length - 1] as Level;
      if (level.index >= level.options.length) {
        levels.pop();
        if (level.since >= 0 && this.keeps(this.steps - level.since)) {
          this.store.add(level.idA, level.idB, level.idKey, level.asleep);
        }
        continue;
      }
      const p = level.options[level.index++] as number;
      const r = this.branch(level, p);
      if (r === REDO) {
        level.index--;
        level.done.pop();
        continue;
      }
      return r;
    }
    return GO_ON;
  }

  /** Goes back to a branch point, takes option p, and descends to the next branch point. */
  private branch(level: Level, p: number): number {
    const m = this.m as Machine;
    if (this.fresh !== level) this.restoreLevel(level);
    this.fresh = null;
    const useSleep = this.opts.sleepSets !== false;
    const ev: Event = { proc: p, fp: m.footprint(p) };
    // what was asleep here and what was explored here before p stay asleep below p where independent of it
    const before = level.done.length;
    const r = this.take(p);
    const taken = withGhosts(ev, m);
    level.done.push(taken);
    if (r !== GO_ON) return r;
    if (!useSleep || (level.sleep.length === 0 && before === 0)) return this.descend(NONE);
    const sleep: Event[] = [];
    for (const q of level.sleep) if (!dependent(q, taken)) sleep.push(q);
    for (let i = 0; i < before; i++) {
      const q = level.done[i] as Event;
      if (!dependent(q, taken)) sleep.push(q);
    }
    return this.descend(sleep);
  }

  /** Puts the machine in the level's state: its snapshot, or the nearest earlier one and the path from there. */
  private restoreLevel(level: Level): void {
    const m = this.m as Machine;
    if (level.snap !== null) {
      m.restore(level.snap);
      this.path.length = level.pathLen;
      return;
    }
    let from: Snapshot = this.root as Snapshot;
    let fromLen = this.rootLen;
    for (let i = this.levels.indexOf(level) - 1; i >= 0; i--) {
      const l = this.levels[i] as Level;
      if (l.snap !== null) {
        from = l.snap;
        fromLen = l.pathLen;
        break;
      }
    }
    m.restore(from);
    for (let i = fromLen; i < level.pathLen; i++) m.step(this.path.at(i));
    this.path.length = level.pathLen;
  }

  /** Takes one step (recording its accesses first); GO_ON, VIOLATED, RESTART or OUT_OF_BUDGET. */
  private take(c: number): number {
    const m = this.m as Machine;
    const ledger = this.ledger;
    if (ledger !== null) ledger.record(c);
    m.step(c);
    this.path.push(c);
    this.steps++;
    if (ledger?.invalidated) return RESTART;
    if (m.violation !== null) {
      this.violation = m.violation;
      this.leaf();
      return VIOLATED;
    }
    if (this.limits.tick()) {
      this.stoppedBy = this.limits.stopped;
      return OUT_OF_BUDGET;
    }
    return GO_ON;
  }

  /**
   * From the current state: takes block steps while one is safe, then ends
   * at a terminal state, a visited state, a sleep-set-blocked state, or a
   * new branch point (pushed for the main loop).
   */
  private descend(sleepIn: readonly Event[]): number {
    const m = this.m as Machine;
    const ledger = this.ledger;
    const buf = this.buf;
    let sleep = sleepIn;
    for (;;) {
      const n = m.enabled(buf);
      if (n === 0) {
        m.finish();
        this.opts.onEnd?.(m);
        this.leaf();
        if (m.violation !== null) {
          this.violation = m.violation;
          return VIOLATED;
        }
        return this.budgetLeft();
      }
      if (m.steps >= m.maxSteps && !m.wants('livelock')) {
        this.cutLong++;
        this.leaf();
        return this.budgetLeft();
      }
      const c = ledger !== null ? this.blockChoice(buf, ledger) : -1;
      if (c >= 0) {
        if (sleep.length > 0 && sleep.some((q) => q.proc === c)) {
          this.leaf();
          return this.budgetLeft();
        }
        const ev: Event | null = sleep.length > 0 ? { proc: c, fp: m.footprint(c) } : null;
        // a drain runs no code: it writes no ghost cell
        const op = c < m.cpuCount ? (m.pendingOf((m.cpus[c] as CpuState).current) as Op) : null;
        const r = this.take(c);
        if (m.stepGhosts.length > 0 && ledger !== null && op !== null) {
          // the step was visible after all: it must be a branch point
          ledger.noteGhostWrites(op);
          return r === RESTART ? RESTART : REDO;
        }
        if (r !== GO_ON) return r;
        if (ev !== null) {
          const full = withGhosts(ev, m);
          sleep = sleep.filter((q) => !dependent(q, full));
        }
        continue;
      }
      if (n === 1 && ledger !== null && (m.steps & PASS_MASK) !== 0) {
        // One choice: the state has one successor, so remembering it saves little; remember
        // every 8th such state only, so that a run of them reached again is cut soon.
        const only = buf[0] as number;
        if (sleep.length > 0 && sleep.some((q) => q.proc === only)) {
          this.leaf();
          return this.budgetLeft();
        }
        const ev: Event | null = sleep.length > 0 ? { proc: only, fp: m.footprint(only) } : null;
        const r = this.take(only);
        if (r !== GO_ON) return r;
        if (ev !== null) {
          const full = withGhosts(ev, m);
          sleep = sleep.filter((q) => !dependent(q, full));
        }
        continue;
      }
      let asleep = 0;
      for (const q of sleep) asleep |= 1 << q.proc;
      const stored = this.store.find(m);
      this.lookups++;
      if (stored < 0) this.explored++;
      let avail = ALL;
      if (stored >= 0) {
        avail = stored & ~asleep;
        this.store.update(stored & asleep);
        if (avail === 0) {
          this.leaf();
          return this.budgetLeft();
        }
      }
      const options: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = buf[i] as number;
        if ((avail & (1 << p)) !== 0 && (asleep & (1 << p)) === 0) options.push(p);
      }
      if (options.length === 0) {
        // nothing to explore from here (a subtree of no steps): kept only when every state is
        if (stored < 0 && this.keeps(0)) this.store.add(this.store.lastA, this.store.lastB, this.store.lastKey, asleep);
        this.leaf();
        return this.budgetLeft();
      }
      const snap = options.length > 1 ? m.snapshot() : null;
      const store = this.store;
      const level: Level = {
        snap,
        pathLen: this.path.length,
        options,
        index: 0,
        sleep,
        done: [],
        idA: store.lastA,
        idB: store.lastB,
        idKey: store.lastKey,
        since: stored < 0 ? this.steps : -1,
        asleep,
      };
      this.levels.push(level);
      this.fresh = level;
      return GO_ON;
    }
  }

  /**
   * The lowest enabled CPU whose next step the ledger proves safe to take
   * alone, else (x86-TSO) the lowest store buffer whose drain it proves
   * safe, or -1.
   */
  private blockChoice(enabled: readonly number[], ledger: AccessLedger): number {
    const m = this.m as Machine;
    for (const c of enabled) {
      if (c < m.cpuCount) {
        if (ledger.safe(c)) return c;
      } else if (!m.tso) {
        break;
      } else if (c >= m.drainBase && ledger.drainSafe(c - m.drainBase)) {
        return c;
      }
    }
    return -1;
  }

  /** An execution ended (at its end, or cut): counts it. */
  private leaf(): void {
    const m = this.m as Machine;
    this.executions++;
    if (m.steps > this.maxDepth) this.maxDepth = m.steps;
  }

  private budgetLeft(): number {
    const b = this.budget;
    if (b.maxExecutions !== undefined && this.executions >= b.maxExecutions) {
      this.stoppedBy = 'max-executions';
      return OUT_OF_BUDGET;
    }
    if (b.onProgress && this.executions >= this.nextProgress) {
      this.nextProgress = this.executions + 16;
      b.onProgress({
        executions: this.executions,
        steps: this.steps,
        depth: this.maxDepth,
        elapsedMs: performance.now() - this.t0,
      });
    }
    return GO_ON;
  }
}

/** The event with the ghost cells its step wrote added to its writes (call right after the step). */
function withGhosts(ev: Event, m: Machine): Event {
  if (m.stepGhosts.length === 0) return ev;
  return { proc: ev.proc, fp: { reads: ev.fp.reads, writes: [...ev.fp.writes, ...m.stepGhosts] } };
}
