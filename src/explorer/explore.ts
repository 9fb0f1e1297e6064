import type { Machine } from '../model/machine.ts';
import type { Violation } from '../model/types.ts';
import { type LimitStop, SearchLimits, wallNow } from './limits.ts';
import type { Strategy } from './strategy.ts';

export interface Budget {
  /** stop after this many executions (the search is then incomplete) */
  readonly maxExecutions?: number;
  /** stop after this much wall time (the search is then incomplete) */
  readonly maxTimeMs?: number;
  /** stop when the process's resident memory passes this many MiB (the heap limit is always watched) */
  readonly maxMemoryMb?: number;
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

export type StopReason = 'max-executions' | 'max-steps' | 'not-exhaustive' | LimitStop;

export interface SearchResult {
  readonly verdict: SearchVerdict;
  readonly violation: Violation | null;
  /** the schedule (choices) of the violating execution */
  readonly schedule: readonly number[] | null;
  readonly executions: number;
  readonly steps: number;
  readonly maxDepth: number;
  /**
   * states explored, when the strategy remembers states: each arrival at a
   * state not found among those it keeps (a state it did not keep counts
   * again each time it is reached again)
   */
  readonly states: number | null;
  /** states kept in the visited set, when fewer may be kept than explored */
  readonly storedStates?: number;
  /** why the search stopped early, when incomplete (`max-steps`: some executions were cut at --max-steps) */
  readonly stoppedBy: StopReason | null;
  readonly elapsedMs: number;
  /** what a search that found nothing covered, for strategies that are not a proof */
  readonly coverage: string | null;
  /**
   * For a search that tells states apart by 64-bit fingerprint: a bound
   * on the probability that a state was taken for a stored one that shares
   * its fingerprint (so that it may have gone unexplored), as TLC reports it.
   */
  readonly collisionProbability?: number;
  /** bytes the visited-state set held, when known */
  readonly stateBytes?: number;
}

/**
 * Runs the executions a strategy asks for, one at a time: reset, then the
 * strategy's choices until nothing is enabled, a violation, the strategy
 * cuts the execution, or it reaches --max-steps (cut and counted in
 * `overlong`). `explore` runs them to the end; a portfolio runs several of
 * these in turns.
 */
export class ExecutionRunner {
  executions = 0;
  steps = 0;
  maxDepth = 0;
  /** executions cut at --max-steps (livelock not checked) */
  overlong = 0;
  /** the choices of the current (after a violation: the violating) execution */
  readonly schedule: number[] = [];
  private readonly buf: number[] = [];

  constructor(
    readonly m: Machine,
    readonly strategy: Strategy,
  ) {
    strategy.prepare?.(m);
  }

  /**
   * Runs the next execution: 'ran', 'violated' (m.violation says what),
   * 'over' when the strategy has no more, or 'stopped' when it has one but
   * `stop` (asked just before it would run) says not to, or `limits` stops
   * it on the way (its `stopped` says why).
   */
  next(stop?: () => boolean, limits?: SearchLimits): 'ran' | 'violated' | 'over' | 'stopped' {
    const { m, strategy, buf, schedule } = this;
    if (!strategy.beginExecution()) return 'over';
    if (stop?.()) return 'stopped';
    if (limits?.tick()) return 'stopped';
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
      if (limits?.tick()) return 'stopped';
      if (depth >= m.maxSteps) {
        this.overlong++;
        break;
      }
      if (strategy.afterStep && !strategy.afterStep(c, depth - 1, m)) break;
    }
    this.executions++;
    this.steps += depth;
    if (depth > this.maxDepth) this.maxDepth = depth;
    strategy.endExecution(m);
    return m.violation !== null ? 'violated' : 'ran';
  }
}

/**
 * Drives a strategy over a machine: one execution after another until a
 * violation, the end of the search, or the budget. "holds" only when the
 * strategy is exhaustive and ran to its end. A strategy with its own `run`
 * (one that goes back by snapshots) drives the machine itself.
 */
export function explore(m: Machine, strategy: Strategy, budget: Budget = {}): SearchResult {
  if (strategy.run) return strategy.run(m, budget);
  const t0 = performance.now();
  const runner = new ExecutionRunner(m, strategy);
  let nextProgress = 16;
  // --max-time, memory and interruption (limits.ts); executions longer than --max-steps are cut and counted
  const limits = limitsOf(budget);
  const result = (verdict: SearchVerdict, stoppedBy: SearchResult['stoppedBy'], v: Violation | null): SearchResult => ({
    verdict,
    violation: v,
    schedule: v ? runner.schedule.slice() : null,
    executions: runner.executions,
    steps: runner.steps,
    maxDepth: runner.maxDepth,
    states: strategy.states ?? null,
    stoppedBy,
    elapsedMs: performance.now() - t0,
    coverage:
      verdict !== 'incomplete'
        ? null
        : stoppedBy === 'max-steps'
          ? overlongText(runner.overlong, m.maxSteps)
          : (strategy.coverage?.() ?? null),
  });
  const stop = (): boolean => budget.maxExecutions !== undefined && runner.executions >= budget.maxExecutions;
  for (;;) {
    const r = runner.next(stop, limits);
    if (r === 'stopped') return result('incomplete', limits.stopped ?? 'max-executions', null);
    if (r === 'over') break;
    if (r === 'violated') return result('violated', null, m.violation);
    if (budget.onProgress && runner.executions >= nextProgress) {
      nextProgress = runner.executions + 16;
      budget.onProgress({
        executions: runner.executions,
        steps: runner.steps,
        depth: runner.maxDepth,
        elapsedMs: performance.now() - t0,
      });
    }
  }
  if (runner.overlong > 0) return result('incomplete', 'max-steps', null);
  return strategy.exhaustive ? result('holds', null, null) : result('incomplete', 'not-exhaustive', null);
}

/** The limits (limits.ts) a budget sets. */
export function limitsOf(budget: Budget): SearchLimits {
  return new SearchLimits({
    ...(budget.maxTimeMs !== undefined ? { deadline: wallNow() + budget.maxTimeMs } : {}),
    ...(budget.maxMemoryMb !== undefined ? { maxMemoryMb: budget.maxMemoryMb } : {}),
  });
}

/** What a search cut by --max-steps covered. */
export function overlongText(overlong: number, maxSteps: number): string {
  return `${overlong} execution${overlong === 1 ? '' : 's'} reached --max-steps ${maxSteps} and were cut (livelock is not checked)`;
}
