import type { IrqBounds } from '../model/irq-bounds.ts';
import type { Machine } from '../model/machine.ts';
import type { MemoryModel } from '../model/memory-model.ts';
import type { ScenarioDef, ScenarioSource } from '../model/scenario.ts';
import { AutoStrategy } from './auto.ts';
import { BoundedStrategy } from './bounded.ts';
import { DelayBoundedStrategy } from './delay-bounded.ts';
import { DfsStrategy } from './dfs.ts';
import { DporStrategy } from './dpor.ts';
import { type Budget, explore, type SearchResult } from './explore.ts';
import { isLimitStop } from './limits.ts';
import { makeMachine } from './make-machine.ts';
import { PctStrategy } from './pct.ts';
import { runSlicesInWorkers } from './pool.ts';
import { PortfolioStrategy } from './portfolio.ts';
import { mixSeed } from './prng.ts';
import { RandomStrategy } from './random.ts';
import { choiceLabel, Recorder } from './record.ts';
import { ReducedDfs } from './reduced-dfs.ts';
import { type Shrunk, shrinkSchedule } from './shrink.ts';
import { now, runSliceTask, type SliceTask } from './slice-task.ts';
import { computeSlices, mergeSlices, SLICE_TARGET, SLICEABLE, type SliceResult } from './slices.ts';
import type { Strategy } from './strategy.ts';
import { DEFAULT_DELAYS, DEFAULT_PCT_DEPTH, DEFAULT_PREEMPTIONS, type StrategyName } from './strategy-names.ts';
import { recordedFile, TRACE_FORMAT, type TraceFile } from './trace.ts';

export { DEFAULT_PCT_DEPTH, DEFAULT_PREEMPTIONS, STRATEGIES, type StrategyName } from './strategy-names.ts';

export interface RunOptions {
  readonly variant: string;
  readonly cpus: number;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly runs: number;
  readonly invariants: readonly string[] | null;
  readonly maxSteps: number;
  /** interrupt budgets that replace the scenario's (recorded in the trace) */
  readonly irq?: IrqBounds;
  /** the memory model (absent: the model's own, else sequentially consistent; recorded in the trace) */
  readonly memoryModel?: MemoryModel;
  /** dfs: remember visited states (default) or enumerate every interleaving */
  readonly cache: boolean;
  /** dfs with the cache: sleep sets and critical-section blocks (default on; off: the plain stateful search) */
  readonly por?: boolean;
  /** dfs: tell visited states apart by exact key rather than 64-bit fingerprint */
  readonly exactStates?: boolean;
  /** delay: the largest delay bound tried (default DEFAULT_DELAYS) */
  readonly delays?: number;
  /** bounded: the largest preemption bound tried (default DEFAULT_PREEMPTIONS) */
  readonly preemptions?: number;
  /** pct: the bug depth d (default DEFAULT_PCT_DEPTH) */
  readonly depth?: number;
  /** minimize the counterexample before it is recorded (default on) */
  readonly shrink?: boolean;
  readonly budget: Budget;
  /**
   * Split the search into fixed slices by schedule prefix and search them
   * on this many worker threads (1: one after another in this thread). The
   * result is the same for every value; it can differ from an unsplit
   * search (see slices.ts).
   */
  readonly workers?: number;
  /**
   * where the scenario came from (the loader's record): worker threads load
   * it from there, and a trace records a scenario file's path and hash
   */
  readonly source?: ScenarioSource | null;
  /** search only shard `index` (1-based) of `count`: the slices whose number is index−1 modulo count */
  readonly shard?: { readonly index: number; readonly count: number };
  /**
   * A sliced search that can be resumed (a checkpoint): the slices already
   * searched, which are taken as they are, and a hook called with each
   * slice this run searches, as it finishes.
   */
  readonly resumable?: {
    readonly done: readonly SliceResult[];
    /** how many slices the search has (called once, before any slice is searched) */
    readonly onSlices?: (count: number) => void;
    readonly onSlice?: (r: SliceResult) => void;
  };
}

/** which strategies take a seed (and so record it in traces) */
export const SEEDED: readonly StrategyName[] = ['pct', 'random', 'portfolio'];

export { DEFAULT_MAX_STEPS } from './make-machine.ts';
export { makeMachine };

export interface RunResult {
  readonly search: SearchResult;
  readonly trace: TraceFile | null;
  /** what shrinking did, when it ran */
  readonly shrunk: Shrunk | null;
}

export type StrategyOptions = Pick<
  RunOptions,
  'strategy' | 'seed' | 'runs' | 'cache' | 'por' | 'exactStates' | 'preemptions' | 'delays' | 'depth'
>;

export function makeStrategy(o: StrategyOptions): Strategy {
  switch (o.strategy) {
    case 'auto':
      return new AutoStrategy({ exact: o.exactStates === true });
    case 'dpor':
      return new DporStrategy('optimal');
    case 'source-dpor':
      return new DporStrategy('source');
    case 'dfs':
      if (!o.cache) return new DfsStrategy({ cache: false });
      // --no-por: the unreduced stateful search (every state, every order), the reference the reductions are checked against
      return o.por === false
        ? new ReducedDfs({ exact: o.exactStates === true, sleepSets: false, blocks: false })
        : new ReducedDfs({ exact: o.exactStates === true });
    case 'bounded':
      return new BoundedStrategy(o.preemptions ?? DEFAULT_PREEMPTIONS, o.cache);
    case 'delay':
      return new DelayBoundedStrategy(o.delays ?? DEFAULT_DELAYS);
    case 'pct':
      return new PctStrategy(o.seed, o.runs, o.depth ?? DEFAULT_PCT_DEPTH);
    case 'random':
      return new RandomStrategy(o.seed, o.runs);
    case 'portfolio':
      return makePortfolio(o);
  }
}

/**
 * The portfolio: PCT with depths 1, 2 and 3, seeded random walks, and
 * preemption bounding up to 2 find most bugs quickly; plain DFS runs beside
 * them so that, when it ends, the portfolio has a proof ("holds").
 */
function makePortfolio(o: StrategyOptions): PortfolioStrategy {
  return new PortfolioStrategy([
    new PctStrategy(mixSeed(o.seed, 1), o.runs, 1),
    new PctStrategy(mixSeed(o.seed, 2), o.runs, 2),
    new PctStrategy(mixSeed(o.seed, 3), o.runs, 3),
    new RandomStrategy(mixSeed(o.seed, 4), o.runs),
    new BoundedStrategy(DEFAULT_PREEMPTIONS, o.cache),
    new DfsStrategy({ cache: o.cache }),
  ]);
}

/** Checks one scenario variant; on a violation, replays it with recording on and returns the trace. */
export function runScenario(s: ScenarioDef, o: RunOptions): RunResult {
  if (o.workers !== undefined || o.shard !== undefined || o.resumable !== undefined) return runSliced(s, o);
  const m = makeMachine(s, o);
  const search = explore(m, makeStrategy(o), o.budget);
  if (search.verdict !== 'violated' || search.schedule === null || search.violation === null) {
    return { search, trace: null, shrunk: null };
  }
  return traceOf(s, o, search.schedule, search.violation.invariant, search);
}

/** Shrinks (unless turned off) and records the trace of a violating schedule. */
export function traceOf(
  s: ScenarioDef,
  o: Omit<RunOptions, 'budget'>,
  schedule: readonly number[],
  invariant: string,
  search: SearchResult,
): RunResult {
  let shrunk: RunResult['shrunk'] = null;
  if (o.shrink !== false) {
    shrunk = shrinkSchedule(makeMachine(s, o), schedule, invariant);
  }
  const trace = recordTrace(s, o, shrunk ? shrunk.schedule : schedule);
  return { search, trace, shrunk };
}

/** How a trace records the machine's memory model: absent for sequential consistency (as traces written before there was a choice). */
function traceMemoryModel(m: Machine): Pick<TraceFile['options'], 'memoryModel' | 'storeBuffer'> {
  const mm = m.memoryModel;
  return mm.name === 'sc' ? {} : { memoryModel: mm.name, storeBuffer: mm.storeBuffer };
}

/** Runs a schedule from the start with the recorder attached and builds the trace file. */
export function recordTrace(s: ScenarioDef, o: Omit<RunOptions, 'budget'>, schedule: readonly number[]): TraceFile {
  const m = makeMachine(s, o);
  const rec = new Recorder(m);
  m.observer = rec;
  const labels: string[] = [];
  for (const c of schedule) {
    if (!m.isEnabled(c)) throw new Error(`recording: choice ${c} is not enabled at step ${labels.length + 1}`);
    labels.push(choiceLabel(m, c));
    m.step(c);
  }
  if (m.violation === null) m.finish();
  const v = m.violation;
  if (v === null) throw new Error('recording: the schedule no longer ends in a violation');
  return {
    format: TRACE_FORMAT,
    scenario: s.name,
    ...(recordedFile(o.source) ? { source: recordedFile(o.source) } : {}),
    variant: o.variant,
    options: {
      cpus: o.cpus,
      strategy: o.strategy,
      seed: SEEDED.includes(o.strategy) ? o.seed : null,
      invariants: o.invariants ? [...o.invariants] : null,
      maxSteps: o.maxSteps,
      ...(o.irq !== undefined && Object.keys(o.irq).length > 0 ? { irq: { ...o.irq } } : {}),
      ...traceMemoryModel(m),
    },
    violation: { invariant: v.invariant, message: v.message },
    schedule: labels,
    stats: { steps: labels.length, contextSwitches: rec.contextSwitches, preemptions: rec.preemptions },
    initial: rec.initial,
    steps: rec.steps,
  };
}

/** The slices of a search, and the results of those this run searched (all of them, or one shard's). */
export interface SlicedRun {
  readonly slices: number;
  readonly results: SliceResult[];
  readonly elapsedMs: number;
}

/** Searches the slices (all, or one shard's), in worker threads or one after another here. */
export function searchSlices(s: ScenarioDef, o: RunOptions): SlicedRun {
  if (!(SLICEABLE as readonly string[]).includes(o.strategy)) {
    throw new Error(`strategy ${o.strategy} cannot be split into slices (only ${SLICEABLE.join(', ')})`);
  }
  const t0 = now();
  const dedup = !o.cache ? 'none' : o.strategy === 'bounded' ? 'bounded' : 'state';
  const slices = computeSlices(makeMachine(s, o), SLICE_TARGET, dedup);
  const shard = o.shard;
  o.resumable?.onSlices?.(slices.length);
  const mine = shard ? slices.filter((x) => x.index % shard.count === shard.index - 1) : slices;
  const source = o.source ?? null;
  if (source === null && (o.workers ?? 1) > 1) {
    throw new Error('--workers needs a scenario loaded by name or from a file (worker threads load it again)');
  }
  const tasks: SliceTask[] = mine.map((slice) => ({
    scenario: source ?? { builtin: s.name },
    variant: o.variant,
    cpus: o.cpus,
    invariants: o.invariants,
    maxSteps: o.maxSteps,
    ...(o.irq !== undefined ? { irq: o.irq } : {}),
    ...(o.memoryModel !== undefined ? { memoryModel: o.memoryModel } : {}),
    search: { strategy: o.strategy, cache: o.cache, preemptions: o.preemptions ?? DEFAULT_PREEMPTIONS },
    slice,
    ...(o.budget.maxExecutions !== undefined ? { maxExecutions: o.budget.maxExecutions } : {}),
    ...(o.budget.maxTimeMs !== undefined ? { deadline: t0 + o.budget.maxTimeMs } : {}),
    ...(o.budget.maxMemoryMb !== undefined ? { maxMemoryMb: o.budget.maxMemoryMb } : {}),
  }));
  // slices searched before (a checkpoint): none after the lowest violating one is needed
  const done = new Map((o.resumable?.done ?? []).map((r) => [r.index, r]));
  const firstHit = Math.min(...[...done.values()].filter((r) => r.verdict === 'violated').map((r) => r.index));
  const pending = tasks.filter((t) => !done.has(t.slice.index) && t.slice.index < firstHit);
  let executions = 0;
  let steps = 0;
  let depth = 0;
  const progress = (r: SliceResult) => {
    executions += r.executions;
    steps += r.steps;
    depth = Math.max(depth, r.maxDepth);
    o.budget.onProgress?.({ executions, steps, depth, elapsedMs: now() - t0 });
  };
  const results: SliceResult[] = [];
  if ((o.workers ?? 1) > 1) {
    for (const r of done.values()) progress(r);
    const fresh = runSlicesInWorkers(pending, o.workers as number, (r) => {
      progress(r);
      o.resumable?.onSlice?.(r);
    });
    results.push(...done.values(), ...fresh);
    results.sort((a, b) => a.index - b.index);
  } else {
    for (const t of tasks) {
      let r = done.get(t.slice.index);
      if (r === undefined) {
        r = runSliceTask(t, s);
        o.resumable?.onSlice?.(r);
      }
      results.push(r);
      progress(r);
      // a violation decides; a slice stopped by a limit (time, memory, an interrupt) means the rest would stop too
      if (r.verdict === 'violated' || isLimitStop(r.stoppedBy)) break;
      // mergeSlices cuts the total here: later slices cannot count
      if (o.budget.maxExecutions !== undefined && executions > o.budget.maxExecutions) break;
    }
  }
  return { slices: slices.length, results, elapsedMs: now() - t0 };
}

/** A sliced search, merged into one result, with its counterexample shrunk and recorded. */
function runSliced(s: ScenarioDef, o: RunOptions): RunResult {
  const run = searchSlices(s, o);
  return finishSliced(s, o, run);
}

/** Merges slice results (from this run or from shard files) and records the counterexample. */
export function finishSliced(
  s: ScenarioDef,
  o: Omit<RunOptions, 'budget'> & { budget: Pick<Budget, 'maxExecutions'> },
  run: SlicedRun,
): RunResult {
  const search = mergeSlices(
    run.results,
    run.slices,
    {
      strategy: o.strategy,
      preemptions: o.preemptions ?? DEFAULT_PREEMPTIONS,
      ...(o.budget.maxExecutions !== undefined ? { maxExecutions: o.budget.maxExecutions } : {}),
    },
    run.elapsedMs,
  );
  if (search.verdict !== 'violated' || search.schedule === null || search.violation === null) {
    return { search, trace: null, shrunk: null };
  }
  return traceOf(s, o, search.schedule, search.violation.invariant, search);
}
