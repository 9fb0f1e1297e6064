import { FingerprintSet } from '../model/fingerprint-set.ts';
import { stepA, stepB } from '../model/hash.ts';
import type { Machine } from '../model/machine.ts';
import { backtrack, type ChoiceLevel, replayChoice } from './choice-stack.ts';
import type { Strategy } from './strategy.ts';

/** `options`: the choices within the bound, the non-preempting one first. */
interface Level extends ChoiceLevel {
  /** 1 where taking options[i] is a preemption */
  readonly costs: number[];
  /** preemptions spent on the path before this level */
  readonly used: number;
}

/**
 * Preemption-bounded search: iterative context bounding (Musuvathi & Qadeer,
 * "Iterative context bounding for systematic testing of multithreaded
 * programs", PLDI 2007, the CHESS search). A preemption is a step of one
 * choice right after a step of another choice that could have gone on —
 * the same count the trace recorder reports. Switching away from a CPU
 * whose next step is blocked, or whose task ended, is free.
 *
 * It runs a depth-first search with bound 0, then 1, …, up to `max`, and
 * stops at the first violation, so what it finds uses as few preemptions as
 * possible. It is not a proof: with no violation the verdict stays
 * "incomplete" and states the bound.
 *
 * Each round remembers the states it reached (by fingerprint, see
 * Machine.fingerprint) together with the last choice and the preemptions spent: a state seen with the same last choice and no
 * more preemptions spent has the same (or a larger) bounded future, already
 * explored. The memory is cleared between rounds, since a larger bound
 * widens every state's future.
 */
export class BoundedStrategy implements Strategy {
  readonly name = 'bounded';
  readonly exhaustive = false;
  private readonly stack: Level[] = [];
  private bound = 0;
  private started = false;
  /** a choice was left out because of the bound in this round */
  private pruned = false;
  /** the last round left nothing out: higher bounds would find nothing new */
  private saturated = false;
  private readonly visited = new FingerprintSet(1 << 12);
  /** beginExecution said the search is over */
  private finished = false;

  /**
   * `start`: where the search begins when it explores below a fixed schedule
   * prefix (a slice of a parallel search): the prefix's last choice and the
   * preemptions it already spent.
   */
  constructor(
    private readonly max: number,
    private readonly cache = true,
    private readonly start: { readonly last: number; readonly used: number } = { last: -1, used: 0 },
  ) {
    this.bound = Math.min(start.used, max);
  }

  /** the bound of the round running (or the last one run) */
  get currentBound(): number {
    return this.bound;
  }

  get states(): number | undefined {
    return this.cache ? this.visited.size : undefined;
  }

  prepare(_m: Machine): void {}

  beginExecution(): boolean {
    if (!this.started) {
      this.started = true;
      if (this.start.used <= this.max) return true;
      // the prefix alone spends more preemptions than the bound allows
      this.finished = true;
      return false;
    }
    if (backtrack(this.stack)) return true;
    if (!this.pruned) {
      this.saturated = true;
      this.finished = true;
      return false;
    }
    if (this.bound >= this.max) {
      this.finished = true;
      return false;
    }
    this.bound++;
    this.pruned = false;
    this.visited.clear();
    return true;
  }

  choose(enabled: readonly number[], depth: number, _m: Machine): number {
    const s = this.stack;
    if (depth < s.length) return replayChoice(s[depth] as Level, enabled, depth);
    const prev = depth > 0 ? (s[depth - 1] as Level) : null;
    const last = prev ? (prev.options[prev.index] as number) : this.start.last;
    const used = prev ? prev.used + (prev.costs[prev.index] as number) : this.start.used;
    const choices: number[] = [];
    const costs: number[] = [];
    const canContinue = enabled.includes(last);
    if (canContinue) {
      choices.push(last);
      costs.push(0);
    }
    for (const c of enabled) {
      if (c === last) continue;
      if (canContinue && used + 1 > this.bound) {
        this.pruned = true;
        continue;
      }
      choices.push(c);
      costs.push(canContinue ? 1 : 0);
    }
    s.push({ enabled: enabled.slice(), options: choices, costs, index: 0, used });
    return choices[0] as number;
  }

  afterStep(choice: number, depth: number, m: Machine): boolean {
    if (!this.cache || depth + 1 < this.stack.length) return true;
    const level = this.stack[depth] as Level;
    const used = level.used + (level.costs[level.index] as number);
    m.fingerprint();
    const seen = this.visited.visit(stepA(m.fpA, choice), stepB(m.fpB, choice), used);
    if (seen >= 0 && seen <= used) return false;
    this.visited.update(used);
    return true;
  }

  endExecution(_m: Machine): void {}

  coverage(): string {
    if (!this.finished) {
      const cut = `the round with ${this.bound} preemptions was cut short`;
      return this.bound > 0 ? `no violation with ≤ ${this.bound - 1} preemptions; ${cut}` : cut;
    }
    if (this.saturated) {
      return `no violation with ≤ ${this.bound} preemptions, and no execution needed more (bound ${this.max} not reached)`;
    }
    return `no violation with ≤ ${this.bound} preemptions`;
  }
}
