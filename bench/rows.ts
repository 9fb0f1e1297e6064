import type { ScenarioDef } from '../src/model/scenario.ts';

/** What one benchmark row runs. */
export interface BenchJob {
  readonly scenario: string;
  readonly variant: string;
  readonly cpus: number;
  readonly strategy: string;
  readonly invariants: readonly string[] | null;
  /** the expected verdict, for the targets */
  readonly expected: 'holds' | 'violated' | null;
  readonly workers?: number;
}

/** One row of bench/results.json. */
export interface BenchRow {
  readonly scenario: string;
  readonly variant: string;
  readonly cpus: number;
  readonly strategy: string;
  readonly verdict: string;
  readonly executions: number;
  /** Mazurkiewicz traces of the scenario, where a counter gives them */
  readonly traces: number | null;
  /** executions ÷ traces */
  readonly ratio: number | null;
  readonly stepsPerSecond: number | null;
  /** the whole row: search, shrinking and recording the trace */
  readonly wallMs: number;
  /** the search alone */
  readonly searchMs: number;
  readonly peakMB: number;
  readonly traceSteps?: number;
  readonly tracePreemptions?: number;
}

/**
 * The number of Mazurkiewicz traces (executions up to reordering of
 * independent steps) of a scenario variant on `cpus` CPUs, or null where
 * no counter is available. This is the one place the benchmark asks for
 * it: wire a trace counter in here and the `traces` and `ratio` columns
 * fill in for every row.
 */
export function tracesFor(_s: ScenarioDef, _variant: string, _cpus: number): number | null {
  return null;
}

/** Peak resident memory of this process so far, in MB. */
export function peakMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
