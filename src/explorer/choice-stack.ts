import { NondeterminismError } from './strategy.ts';

/** One level of a depth-first search: the choices to try there and the one being tried. */
export interface ChoiceLevel {
  /** the enabled choices when the level was first reached */
  readonly enabled: readonly number[];
  /** the ones the search tries, in order (all of `enabled`, or those within a bound) */
  readonly options: readonly number[];
  index: number;
}

/**
 * Walks the stack deepest first: `advance` moves a level on to its next
 * branch (true) or reports it has none left (false), and a finished level is
 * popped. Returns the depth of the level that moved on, or -1 when the stack
 * ran empty.
 */
export function backtrackWith<L>(stack: L[], advance: (level: L) => boolean): number {
  while (stack.length > 0) {
    if (advance(stack[stack.length - 1] as L)) return stack.length - 1;
    stack.pop();
  }
  return -1;
}

/** Moves to the next untried option at the deepest level that has one; false when none is left. */
export function backtrack(stack: ChoiceLevel[]): boolean {
  return (
    backtrackWith(stack, (top) => {
      if (top.index + 1 >= top.options.length) return false;
      top.index++;
      return true;
    }) >= 0
  );
}

/** The choice to replay at `depth`; throws when the model no longer offers the same choices there. */
export function replayChoice(level: ChoiceLevel, enabled: readonly number[], depth: number): number {
  if (!sameChoices(level.enabled, enabled)) {
    throw new NondeterminismError(`replaying depth ${depth}: enabled choices were [${level.enabled}] and are now [${enabled}]`);
  }
  return level.options[level.index] as number;
}

export function sameChoices(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The path a stateless search replays from reset() on every execution, for
 * searches whose levels keep more than a list of options (sleep sets, wakeup
 * trees): the levels, the depth whose branch changed since the last
 * execution, and whether any branch is left.
 */
export class ReplayPath<L> {
  readonly levels: L[] = [];
  /** depth of the level whose branch changed since the last execution */
  branchAt = 0;
  private started = false;
  private more = true;

  /** Starts the next execution; false when the search is over. */
  begin(): boolean {
    if (!this.started) {
      this.started = true;
      return true;
    }
    return this.more;
  }

  /** Ends the search (a violation was found). */
  stop(): void {
    this.more = false;
  }

  /**
   * The choice `current` names at a level the path already has; throws when
   * the model no longer enables it. `onBranch` runs at the level whose branch
   * changed: its step is taken for the first time.
   */
  replay(
    depth: number,
    enabled: readonly number[],
    current: (level: L) => number,
    onBranch: (level: L, p: number) => void,
  ): number {
    const level = this.levels[depth] as L;
    const p = current(level);
    if (!enabled.includes(p)) {
      throw new NondeterminismError(`replaying depth ${depth}: choice ${p} is not enabled (enabled: [${enabled}])`);
    }
    if (depth === this.branchAt) onBranch(level, p);
    return p;
  }

  /** Backtracks with `advance` (see backtrackWith); the search is over when no level has a branch left. */
  backtrack(advance: (level: L) => boolean): void {
    const d = backtrackWith(this.levels, advance);
    if (d < 0) this.more = false;
    else this.branchAt = d;
  }
}
