import type { Machine } from '../model/machine.ts';
import { backtrack, type ChoiceLevel, replayChoice } from './choice-stack.ts';
import type { Strategy } from './strategy.ts';

/** `options`: the choices within the delay budget, the most delayed first; costs[i]: the delays options[i] spends */
interface Level extends ChoiceLevel {
  readonly costs: number[];
  /** delays spent on the path before this level */
  readonly used: number;
}

/**
 * Delay-bounded search (Emmi, Qadeer and Rakamarić, "Delay-bounded
 * scheduling", POPL 2011): a deterministic round-robin scheduler — keep
 * running the choice that ran last while it can, else the next enabled one
 * in cyclic order — and every schedule that departs from it at most `max`
 * times, where a delay skips the scheduler's pick for the next one in cyclic
 * order. One delay already reaches a race anywhere in a run: stop the
 * sleeper right after its test, let every other CPU run on in turn, then the
 * sleeper again.
 *
 * Bounds 0, 1, …, max are tried in turn. Within a round, delayed options are
 * tried before the scheduler's own pick, so the executions of a round depart
 * at the earliest step first (step 0, then 1, …): a race early in a long run
 * is found in a few executions, where a depth-first search that varies the
 * end of the run first would reach it last. No states are remembered: a
 * round with bound d runs O(L^d) executions of length L. Not a proof: with
 * no violation the verdict stays "incomplete" and states the bound.
 */
export class DelayBoundedStrategy implements Strategy {
  readonly name = 'delay';
  readonly exhaustive = false;
  private readonly stack: Level[] = [];
  private bound = 0;
  private started = false;
  /** a delay was left out because of the bound in this round */
  private pruned = false;
  private finished = false;
  private saturated = false;

  constructor(private readonly max: number) {}

  get currentBound(): number {
    return this.bound;
  }

  beginExecution(): boolean {
    if (!this.started) {
      this.started = true;
      return true;
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
    return true;
  }

  choose(enabled: readonly number[], depth: number, m: Machine): number {
    const s = this.stack;
    if (depth < s.length) return replayChoice(s[depth] as Level, enabled, depth);
    const prev = depth > 0 ? (s[depth - 1] as Level) : null;
    const last = prev ? (prev.options[prev.index] as number) : -1;
    const used = prev ? prev.used + (prev.costs[prev.index] as number) : 0;
    // the round-robin order from here: the last choice if it can go on, then the next ones cyclically
    const n = m.choiceCount;
    const order: number[] = [];
    const from = last < 0 ? 0 : last;
    for (let i = 0; i < n; i++) {
      const c = (from + i) % n;
      if (enabled.includes(c)) order.push(c);
    }
    const options: number[] = [];
    const costs: number[] = [];
    for (let d = Math.min(order.length - 1, this.bound - used); d >= 1; d--) {
      options.push(order[d] as number);
      costs.push(d);
    }
    if (order.length - 1 > this.bound - used) this.pruned = true;
    options.push(order[0] as number);
    costs.push(0);
    s.push({ enabled: enabled.slice(), options, costs, index: 0, used });
    return options[0] as number;
  }

  endExecution(_m: Machine): void {}

  coverage(): string {
    if (!this.finished) {
      const cut = `the round with ${this.bound} delays was cut short`;
      return this.bound > 0 ? `no violation with ≤ ${this.bound - 1} delays of the round-robin scheduler; ${cut}` : cut;
    }
    if (this.saturated) {
      return `no violation with ≤ ${this.bound} delays of the round-robin scheduler, and no schedule needed more (bound ${this.max} not reached)`;
    }
    return `no violation with ≤ ${this.bound} delays of the round-robin scheduler`;
  }
}
