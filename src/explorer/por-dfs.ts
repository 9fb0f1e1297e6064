import type { Machine } from '../model/machine.ts';
import { ShardedMap } from '../model/sharded-map.ts';
import { ReplayPath, sameChoices } from './choice-stack.ts';
import { dependent, type Event } from './dependence.ts';
import { NondeterminismError, type Strategy } from './strategy.ts';

/** One state on the current path: what was enabled, what is explored from it, and the sleep set it was reached with. */
interface Level {
  readonly enabled: readonly number[];
  /** the choices this visit explores, in order (may grow: see `expand`) */
  readonly options: number[];
  index: number;
  /** steps asleep on arrival: equivalent to ones explored elsewhere */
  readonly sleep: readonly Event[];
  /** choices explored from here on this visit, with their footprints */
  readonly done: Event[];
  taken: Event;
  /** choices that an earlier visit of the same state left unexplored (a bitmask); all on a first visit */
  readonly avail: number;
  /** true while `options` is a one-CPU persistent set that may still have to grow */
  reduced: boolean;
  /** watched writes before the step taken here (to see whether it was visible) */
  watchedBefore: number;
  readonly key: string;
}

const NO_EVENT: Event = { proc: -1, fp: { reads: [], writes: [] } };
/** Masks of choices use bits 0..29; bit 30 marks a state whose one-CPU persistent set was visible. */
const MAX_CHOICES = 30;
const FULL = 1 << MAX_CHOICES;
const ALL = FULL - 1;

/**
 * Stateful depth-first search with two partial-order reductions that keep
 * every reachable deadlock and every invariant verdict:
 *
 * - Sleep sets (Godefroid 1996) with state caching: a visited state stores
 *   the choices that were asleep when it was explored; reaching it again
 *   with fewer asleep, the search explores only the newly awake ones and
 *   stores the intersection ("state-space caching with sleep sets", the
 *   revisit rule that keeps caching sound). Sleep sets alone still visit
 *   every reachable state; they save the transitions into states already
 *   seen, which in a replaying search are whole executions.
 * - One-CPU persistent sets: when some CPU's next step touches only its own
 *   CPU-local state (irq/preempt ops, fences, annotations: the footprint is
 *   cpuLocal(c) alone) and no interrupt can still be injected on that CPU,
 *   no other choice can be dependent with that step before it runs, so it
 *   is explored alone. The state graph is acyclic (histories only grow), so
 *   no cycle proviso is needed. Visibility is checked after the step: a step
 *   that wrote a cell an invariant watches (a ghost write in the code after
 *   the yield, say) makes the state explore every choice after all.
 *
 * Dependence is the one DPOR uses (dependence.ts, Machine.footprint), with
 * the same rule for safety invariants (watched cells written in one order).
 * `dfs --no-por` is the plain stateful search these are checked against.
 */
export class PorDfsStrategy implements Strategy {
  readonly name = 'dfs';
  readonly exhaustive = true;
  private readonly path = new ReplayPath<Level>();
  private readonly visited = new ShardedMap<number>();

  /** `persistent: false` keeps only the sleep sets, which still visit every reachable state (the tests check that) */
  constructor(private readonly opts: { persistent?: boolean } = {}) {}

  get states(): number {
    return this.visited.size;
  }

  prepare(m: Machine): void {
    m.trackStates();
    if (m.cpuCount + m.def.irqs.length > MAX_CHOICES) {
      throw new Error(`dfs keeps sleep sets as bit masks: at most ${MAX_CHOICES} CPUs and interrupt sources`);
    }
  }

  beginExecution(): boolean {
    return this.path.begin();
  }

  choose(enabled: readonly number[], depth: number, m: Machine): number {
    const s = this.path.levels;
    if (depth < s.length) {
      const level = s[depth] as Level;
      if (!sameChoices(level.enabled, enabled)) {
        throw new NondeterminismError(
          `replaying depth ${depth}: enabled choices were [${level.enabled}] and are now [${enabled}]`,
        );
      }
      return this.path.replay(
        depth,
        enabled,
        (l) => l.options[l.index] as number,
        (l, p) => {
          l.taken = { proc: p, fp: m.footprint(p) };
          l.watchedBefore = m.watchedWrites;
        },
      );
    }
    const parent = s[depth - 1];
    const sleep = parent ? [...parent.sleep, ...parent.done].filter((q) => !dependent(q, parent.taken)) : [];
    const asleep = maskOf(sleep);
    const key = m.stateKey();
    const stored = this.visited.get(key);
    let avail = ALL;
    if (stored !== undefined) {
      // explored before with `stored` asleep: only what was asleep then and is awake now is new
      avail = stored & ~asleep & ALL;
      this.visited.set(key, stored & (asleep | FULL));
      if (avail === 0) return -1;
    } else {
      this.visited.set(key, asleep);
    }
    const single =
      this.opts.persistent === false || (stored !== undefined && (stored & FULL) !== 0) ? -1 : persistentCpu(enabled, m);
    const pick = single >= 0 ? [single] : enabled;
    const options = pick.filter((p) => (avail & bit(p)) !== 0 && (asleep & bit(p)) === 0);
    if (options.length === 0) return -1;
    const level: Level = {
      enabled: enabled.slice(),
      options,
      index: 0,
      sleep,
      done: [],
      taken: NO_EVENT,
      avail,
      reduced: single >= 0,
      watchedBefore: m.watchedWrites,
      key,
    };
    s.push(level);
    const p = options[0] as number;
    level.taken = { proc: p, fp: m.footprint(p) };
    return p;
  }

  afterStep(_choice: number, depth: number, m: Machine): boolean {
    const level = this.path.levels[depth] as Level;
    if (level.reduced && depth === this.path.levels.length - 1 && m.watchedWrites !== level.watchedBefore) {
      expand(level);
      this.visited.set(level.key, (this.visited.get(level.key) as number) | FULL);
    }
    return true;
  }

  endExecution(m: Machine): void {
    if (m.violation !== null) {
      this.path.stop();
      return;
    }
    this.path.backtrack((level) => {
      level.done.push(level.taken);
      if (level.index + 1 >= level.options.length) return false;
      level.index++;
      return true;
    });
  }
}

/**
 * The lowest CPU whose next step is CPU-local and cannot be preceded by an
 * interrupt on that CPU, or -1. Such a step commutes with every step any
 * other choice can take before it: {that CPU} is a persistent set.
 */
function persistentCpu(enabled: readonly number[], m: Machine): number {
  if (enabled.length < 2) return -1;
  for (const c of enabled) {
    if (c >= m.cpuCount) break;
    if (m.irqPossibleOn(c)) continue;
    const fp = m.footprint(c);
    const local = m.cpuLocal(c);
    if (fp.reads.every((a) => a === local) && fp.writes.every((a) => a === local)) return c;
  }
  return -1;
}

/** The persistent set was a visible step: every choice not asleep (and not explored before) joins it. */
function expand(level: Level): void {
  level.reduced = false;
  const asleep = maskOf(level.sleep);
  for (const p of level.enabled) {
    if (level.options.includes(p)) continue;
    if ((level.avail & bit(p)) !== 0 && (asleep & bit(p)) === 0) level.options.push(p);
  }
}

function bit(p: number): number {
  return 1 << p;
}

function maskOf(events: readonly Event[]): number {
  let mask = 0;
  for (const e of events) mask |= bit(e.proc);
  return mask;
}
