/**
 * Seeded pseudo-random numbers (splitmix32): the only randomness the tool
 * uses, so the same seed always gives the same search.
 */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** next 32-bit unsigned value */
  next(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** uniform integer in [0, n) */
  below(n: number): number {
    return this.next() % n;
  }
}

/** Derives an independent seed for run or shard `i` of a base seed. */
export function mixSeed(base: number, i: number): number {
  const p = new Prng((base ^ Math.imul(i + 1, 0x27d4eb2d)) >>> 0);
  return p.next();
}
