import { NondeterminismError } from './strategy.ts';

/** One level of a depth-first search: the choices to try there and the one being tried. */
export interface ChoiceLevel {
  /** the enabled choices when the level was first reached */
  readonly enabled: readonly number[];
  /** the ones the search tries, in order (all of `enabled`, or those within a bound) */
  readonly options: readonly number[];
  index: number;
}

/** Moves to the next untried option at the deepest level that has one; false when none is left. */
export function backtrack(stack: ChoiceLevel[]): boolean {
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as ChoiceLevel;
    if (top.index + 1 < top.options.length) {
      top.index++;
      return true;
    }
    stack.pop();
  }
  return false;
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
