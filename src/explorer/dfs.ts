import type { Machine } from '../model/machine.ts';
import { backtrack, type ChoiceLevel, replayChoice } from './choice-stack.ts';
import { EXACT_STATE_LIMIT, tooManyExactStates } from './state-store.ts';
import type { Strategy } from './strategy.ts';

/**
 * Exhaustive depth-first search, with no partial-order reduction. Each
 * execution starts from reset() and replays the prefix of the last one up to
 * the deepest level with an untried choice, then takes that choice. Choices
 * are tried in ascending order, so the search order is deterministic.
 *
 * With `cache` (the default) it remembers every state it has reached, by the
 * exact key Machine.stateKey() gives, and does not explore a state twice —
 * SPIN's visited set. That is sound: DFS finishes a state's whole subtree
 * before it backtracks above it, and a state cannot recur on its own path
 * (program histories only grow). Without the cache it enumerates every
 * interleaving one by one: the ground truth that reduced searches are
 * counted against, usable on small models only.
 */
export class DfsStrategy implements Strategy {
  readonly name: string = 'dfs';
  readonly exhaustive = true;
  private readonly stack: ChoiceLevel[] = [];
  private started = false;
  private readonly visited: Set<string> | null;

  constructor(opts: { cache?: boolean } = {}) {
    this.visited = opts.cache === false ? null : new Set<string>();
  }

  get states(): number | undefined {
    return this.visited?.size;
  }

  /** Call once with the machine before exploring (state keys need history tracking). */
  prepare(m: Machine): void {
    if (this.visited !== null) m.trackStates();
  }

  afterStep(_choice: number, depth: number, m: Machine): boolean {
    if (this.visited === null || depth + 1 < this.stack.length) return true;
    const key = m.stateKey();
    if (this.visited.has(key)) return false;
    if (this.visited.size >= EXACT_STATE_LIMIT) throw tooManyExactStates();
    this.visited.add(key);
    return true;
  }

  beginExecution(): boolean {
    if (!this.started) {
      this.started = true;
      return true;
    }
    return backtrack(this.stack);
  }

  choose(enabled: readonly number[], depth: number, _m: Machine): number {
    const s = this.stack;
    if (depth < s.length) return replayChoice(s[depth] as ChoiceLevel, enabled, depth);
    const copy = enabled.slice();
    s.push({ enabled: copy, options: copy, index: 0 });
    return enabled[0] as number;
  }

  endExecution(_m: Machine): void {}
}
