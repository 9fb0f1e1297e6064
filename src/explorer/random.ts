import type { Machine } from '../model/machine.ts';
import { Prng } from './prng.ts';
import type { Strategy } from './strategy.ts';

/**
 * Seeded random walks: at each step a uniformly chosen enabled choice. Never
 * exhaustive, so a search with no violation ends "incomplete", never "holds".
 */
export class RandomStrategy implements Strategy {
  readonly name = 'random';
  readonly exhaustive = false;
  private readonly rng: Prng;
  private done = 0;

  constructor(
    seed: number,
    private readonly runs: number,
  ) {
    this.rng = new Prng(seed);
  }

  beginExecution(): boolean {
    return this.done++ < this.runs;
  }

  choose(enabled: readonly number[], _depth: number, _m: Machine): number {
    return enabled[this.rng.below(enabled.length)] as number;
  }

  endExecution(_m: Machine): void {}
}
