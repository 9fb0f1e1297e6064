import type { Machine } from '../model/machine.ts';
import { mixSeed, Prng } from './prng.ts';
import type { Strategy } from './strategy.ts';

/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
 * Nagarakatte, "A randomized scheduler with probabilistic guarantees of
 * finding bugs", ASPLOS 2010), with depth `d`.
 *
 * The "processes" are the machine's choices: each CPU and each interrupt
 * source (n = cpus + interrupt sources). Each run gives them distinct random
 * priorities d … d+n−1 and picks d−1 change points among the steps 1…k. At
 * every step the enabled choice with the highest priority runs; at the i-th
 * change point the choice about to run drops to priority d−i.
 *
 * Guarantee (the paper's Theorem): for a bug of depth d — one that needs d
 * particular ordering constraints between steps — each run finds it with
 * probability at least 1/(n·k^(d−1)), where k bounds the number of steps of
 * an execution. k is measured: the length of one execution run before the
 * search (lowest choice first), raised whenever a run is longer. Each run
 * draws from its own seed (mixSeed(seed, run)), so runs are independent and
 * the whole search is a deterministic function of the seed.
 */
export class PctStrategy implements Strategy {
  readonly name = 'pct';
  readonly exhaustive = false;
  private done = 0;
  private n = 1;
  private k = 1;
  private prio: number[] = [];
  /** step number (1-based) → which change point it is (1…d−1) */
  private readonly changeAt = new Map<number, number>();

  constructor(
    private readonly seed: number,
    private readonly runs: number,
    readonly depth: number,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`PCT depth must be at least 1 (got ${depth})`);
  }

  /** Measures n and k: one execution with the lowest enabled choice at every step. */
  prepare(m: Machine): void {
    this.n = m.choiceCount;
    m.reset();
    const buf: number[] = [];
    while (m.violation === null && m.steps < m.maxSteps && m.enabled(buf) > 0) m.step(buf[0] as number);
    this.k = Math.max(1, m.steps);
  }

  beginExecution(): boolean {
    if (this.done >= this.runs) return false;
    const rng = new Prng(mixSeed(this.seed, this.done));
    this.done++;
    const d = this.depth;
    // Fisher–Yates over the priorities d … d+n−1.
    const prio = Array.from({ length: this.n }, (_, i) => d + i);
    for (let i = prio.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      const t = prio[i] as number;
      prio[i] = prio[j] as number;
      prio[j] = t;
    }
    this.prio = prio;
    this.changeAt.clear();
    for (let i = 1; i < d; i++) {
      // distinct change points when there are enough steps for them
      let step = 1 + rng.below(this.k);
      while (this.changeAt.has(step) && this.changeAt.size < this.k) step = 1 + rng.below(this.k);
      if (!this.changeAt.has(step)) this.changeAt.set(step, i);
    }
    return true;
  }

  choose(enabled: readonly number[], depth: number, _m: Machine): number {
    let c = this.highest(enabled);
    const change = this.changeAt.get(depth + 1);
    if (change !== undefined) {
      this.prio[c] = this.depth - change;
      c = this.highest(enabled);
    }
    return c;
  }

  private highest(enabled: readonly number[]): number {
    let best = enabled[0] as number;
    for (const c of enabled) if ((this.prio[c] as number) > (this.prio[best] as number)) best = c;
    return best;
  }

  endExecution(m: Machine): void {
    if (m.steps > this.k) this.k = m.steps;
  }

  /** 1/p: each run finds a given depth-d bug with probability at least 1/this. */
  get inverseGuarantee(): number {
    return this.n * this.k ** (this.depth - 1);
  }

  coverage(): string {
    return `no violation in ${this.done} PCT runs with depth ${this.depth}; ${pctGuarantee(this.n, this.k, this.depth)}`;
  }
}

/** The per-run guarantee in words, with the numbers it was computed from. */
export function pctGuarantee(n: number, k: number, d: number): string {
  return `each run finds a given bug of depth ${d} with probability ≥ 1/(n·k^(d−1)) = 1/${n * k ** (d - 1)} (n = ${n} CPUs and interrupt sources, k = ${k} steps)`;
}
