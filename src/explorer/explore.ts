import type { Machine } from '../model/machine.ts';
import type { Violation } from '../model/types.ts';
import type { Strategy } from './strategy.ts';

export interface Budget {
  /** stop after this many executions (the search is then incomplete) */
  readonly maxExecutions?: number;
  /** stop after this much wall time (the search is then incomplete) */
  readonly maxTimeMs?: number;
  /** called now and then with progress (for a status line); never affects the search */
  readonly onProgress?: (p: Progress) => void;
}

export interface Progress {
  readonly executions: number;
  readonly steps: number;
  readonly depth: number;
  readonly elapsedMs: number;
}

export type SearchVerdict = 'holds' | 'violated' | 'incomplete';

export interface SearchResult {
  readonly verdict: SearchVerdict;
  readonly violation: Violation | null;
  /** the schedule (choices) of the violating execution */
  readonly schedule: readonly number[] | null;
  readonly executions: number;
  readonly steps: number;
  readonly maxDepth: number;
  /** distinct states, when the strategy remembers them */
  readonly states: number | null;
  /** why the search stopped early, when incomplete */
  readonly stoppedBy: 'max-executions' | 'max-time' | 'max-steps' | 'not-exhaustive' | null;
  readonly elapsedMs: number;
  /** what a search that found nothing covered, for strategies that are not a proof */
  readonly coverage: string | null;
}

/**
 * Drives a strategy over a machine: one execution after another until a
 * violation, the end of the search, or the budget. "holds" only when the
 * strategy is exhaustive and ran to its end.
 */
export function explore(m: Machine, strategy: Strategy, budget: Budget = {}): SearchResult {
  if (strategy.run) return strategy.run(m, budget);
  const t0 = performance.now();
  const buf: number[] = [];
  const schedule: number[] = [];
  let executions = 0;
  let steps = 0;
  let maxDepth = 0;
  let nextProgress = 16;
  const result = (verdict: SearchVerdict, stoppedBy: SearchResult['stoppedBy'], v: Violation | null): SearchResult => ({
    verdict,
    violation: v,
    schedule: v ? schedule.slice() : null,
    executions,
    steps,
    maxDepth,
    states: strategy.states ?? null,
    stoppedBy,
    elapsedMs: performance.now() - t0,
    coverage: verdict === 'incomplete' ? (strategy.coverage?.() ?? null) : null,
  });
  strategy.prepare?.(m);
  while (strategy.beginExecution()) {
    if (budget.maxExecutions !== undefined && executions >= budget.maxExecutions) {
      return result('incomplete', 'max-executions', null);
    }
    if (budget.maxTimeMs !== undefined && executions % 64 === 0 && performance.now() - t0 > budget.maxTimeMs) {
      return result('incomplete', 'max-time', null);
    }
    m.reset();
    schedule.length = 0;
    let depth = 0;
    for (;;) {
      const n = m.enabled(buf);
      if (n === 0) {
        m.finish();
        break;
      }
      const c = strategy.choose(buf, depth, m);
      if (c < 0) break;
      schedule.push(c);
      m.step(c);
      depth++;
      if (m.violation !== null) break;
      if (strategy.afterStep && !strategy.afterStep(c, depth - 1, m)) break;
    }
    executions++;
    steps += depth;
    if (depth > maxDepth) maxDepth = depth;
    strategy.endExecution(m);
    if (m.violation !== null) return result('violated', null, m.violation);
    if (budget.onProgress && executions >= nextProgress) {
      nextProgress = executions + 16;
      budget.onProgress({ executions, steps, depth: maxDepth, elapsedMs: performance.now() - t0 });
    }
  }
  return strategy.exhaustive ? result('holds', null, null) : result('incomplete', 'not-exhaustive', null);
}
