import type { Machine } from '../model/machine.ts';
import type { Budget, SearchResult } from './explore.ts';

/**
 * One interface every search strategy implements (shuttle's three-method
 * scheduler, plus what a systematic search needs to know about the end of an
 * execution). Strategies see the machine only through `enabled`, `step`,
 * `footprint` and `reset` — never the kernel model behind it.
 */
export interface Strategy {
  /** name shown in output and traces */
  readonly name: string;
  /** true when running it to the end covers every execution within the bounds */
  readonly exhaustive: boolean;
  /** Called once before the first execution. */
  prepare?(m: Machine): void;
  /** Starts the next execution; false when the search is over. */
  beginExecution(): boolean;
  /**
   * Picks one of `enabled` (non-empty, ascending) at depth `depth` of the
   * current execution, or returns -1 to cut the execution there: a
   * partial-order reduction knows every continuation is equivalent to one
   * explored elsewhere (a sleep-set-blocked state). A cut execution is not a
   * maximal one: no deadlock or terminal invariant is evaluated at its end.
   */
  choose(enabled: readonly number[], depth: number, m: Machine): number;
  /**
   * Called after each step with the choice taken (DPOR records footprints
   * here). Returning false cuts the execution: the state reached was already
   * explored, so its future needs no second look.
   */
  afterStep?(choice: number, depth: number, m: Machine): boolean;
  /** distinct states seen, for strategies that remember them */
  readonly states?: number;
  /**
   * A strategy that drives the machine itself (going back by snapshots
   * rather than one execution at a time) runs the whole search here; the
   * explorer then calls nothing else.
   */
  run?(m: Machine, budget: Budget): SearchResult;
  /** The current execution ended (no choice enabled, a violation, or a cut). */
  endExecution(m: Machine): void;
  /**
   * For strategies that are not a proof: what a search that found nothing has
   * covered, in words ("no violation with ≤ 2 preemptions").
   */
  coverage?(): string | null;
}

/** Thrown when a replayed prefix does not behave as it did: the model is not deterministic. */
export class NondeterminismError extends Error {}
