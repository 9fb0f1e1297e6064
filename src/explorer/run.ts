import { Machine } from '../model/machine.ts';
import type { ScenarioDef } from '../model/scenario.ts';
import { DfsStrategy } from './dfs.ts';
import { DporStrategy } from './dpor.ts';
import { type Budget, explore, type SearchResult } from './explore.ts';
import { RandomStrategy } from './random.ts';
import { choiceLabel, Recorder } from './record.ts';
import type { Strategy } from './strategy.ts';
import { TRACE_FORMAT, type TraceFile } from './trace.ts';

/** The first is the default of `check`. */
export const STRATEGIES = ['dpor', 'source-dpor', 'dfs', 'random'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export interface RunOptions {
  readonly variant: string;
  readonly cpus: number;
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly runs: number;
  readonly invariants: readonly string[] | null;
  readonly maxSteps: number;
  /** dfs: remember visited states (default) or enumerate every interleaving */
  readonly cache: boolean;
  readonly budget: Budget;
}

export const DEFAULT_MAX_STEPS = 20_000;

export interface RunResult {
  readonly search: SearchResult;
  readonly trace: TraceFile | null;
}

export function makeMachine(s: ScenarioDef, o: Pick<RunOptions, 'variant' | 'cpus' | 'invariants' | 'maxSteps'>): Machine {
  return new Machine(s.build({ variant: o.variant, cpus: o.cpus }), { invariants: o.invariants, maxSteps: o.maxSteps });
}

export function makeStrategy(o: Pick<RunOptions, 'strategy' | 'seed' | 'runs' | 'cache'>): Strategy {
  switch (o.strategy) {
    case 'dpor':
      return new DporStrategy('optimal');
    case 'source-dpor':
      return new DporStrategy('source');
    case 'dfs':
      return new DfsStrategy({ cache: o.cache });
    case 'random':
      return new RandomStrategy(o.seed, o.runs);
  }
}

/** Checks one scenario variant; on a violation, replays it with recording on and returns the trace. */
export function runScenario(s: ScenarioDef, o: RunOptions): RunResult {
  const m = makeMachine(s, o);
  const search = explore(m, makeStrategy(o), o.budget);
  if (search.verdict !== 'violated' || search.schedule === null || search.violation === null) return { search, trace: null };
  const trace = recordTrace(s, o, search.schedule);
  return { search, trace };
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
    variant: o.variant,
    options: {
      cpus: o.cpus,
      strategy: o.strategy,
      seed: o.strategy === 'random' ? o.seed : null,
      invariants: o.invariants ? [...o.invariants] : null,
      maxSteps: o.maxSteps,
    },
    violation: { invariant: v.invariant, message: v.message },
    schedule: labels,
    stats: { steps: labels.length, contextSwitches: rec.contextSwitches, preemptions: rec.preemptions },
    initial: rec.initial,
    steps: rec.steps,
  };
}
