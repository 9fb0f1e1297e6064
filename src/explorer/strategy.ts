import type { Machine } from '../model/machine.ts';

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
  /** Picks one of `enabled` (non-empty, ascending) at depth `depth` of the current execution. */
  choose(enabled: readonly number[], depth: number, m: Machine): number;
  /**
   * Called after each step with the choice taken (DPOR records footprints
   * here). Returning false cuts the execution: the state reached was already
   * explored, so its future needs no second look.
   */
  afterStep?(choice: number, depth: number, m: Machine): boolean;
  /** distinct states seen, for strategies that remember them */
  readonly states?: number;
  /** The current execution ended (no choice enabled, or a violation). */
  endExecution(m: Machine): void;
  /**
   * For strategies that are not a proof: what a search that found nothing has
   * covered, in words ("no violation with ≤ 2 preemptions").
   */
  coverage?(): string | null;
}

/** Thrown when a replayed prefix does not behave as it did: the model is not deterministic. */
export class NondeterminismError extends Error {}
