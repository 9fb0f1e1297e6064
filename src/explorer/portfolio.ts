import type { Machine } from '../model/machine.ts';
import type { Strategy } from './strategy.ts';

/**
 * Several strategies at once, stopping at the first violation (shuttle's
 * portfolio runner, here in one thread). The members take turns by
 * execution — member 0's next execution, then member 1's, … — so the result
 * is the same on every machine and every run, whatever the timing. A member
 * whose search is over drops out. When an exhaustive member finishes, the
 * whole portfolio is over: everything has been covered, and the verdict is
 * "holds" if no member found a violation.
 */
export class PortfolioStrategy implements Strategy {
  readonly name = 'portfolio';
  private turn = -1;
  private readonly live: boolean[];
  private proof = false;

  constructor(readonly members: readonly Strategy[]) {
    if (members.length === 0) throw new Error('a portfolio needs at least one strategy');
    this.live = members.map(() => true);
  }

  /** true once an exhaustive member has run to its end */
  get exhaustive(): boolean {
    return this.proof;
  }

  /** the member running the current execution (after a violation: the one that found it) */
  get current(): Strategy {
    return this.members[this.turn] as Strategy;
  }

  prepare(m: Machine): void {
    for (const s of this.members) s.prepare?.(m);
  }

  beginExecution(): boolean {
    const n = this.members.length;
    for (let tried = 0; tried < n; tried++) {
      this.turn = (this.turn + 1) % n;
      if (!this.live[this.turn]) continue;
      const s = this.members[this.turn] as Strategy;
      if (s.beginExecution()) return true;
      this.live[this.turn] = false;
      if (s.exhaustive) {
        this.proof = true;
        return false;
      }
    }
    return false;
  }

  choose(enabled: readonly number[], depth: number, m: Machine): number {
    return this.current.choose(enabled, depth, m);
  }

  afterStep(choice: number, depth: number, m: Machine): boolean {
    const s = this.current;
    return s.afterStep ? s.afterStep(choice, depth, m) : true;
  }

  endExecution(m: Machine): void {
    this.current.endExecution(m);
  }

  coverage(): string {
    return this.members.map((s) => `${memberName(s)}: ${s.coverage?.() ?? 'cut short'}`).join('; ');
  }
}

function memberName(s: Strategy): string {
  const depth = (s as { depth?: number }).depth;
  return depth !== undefined ? `${s.name} d=${depth}` : s.name;
}
