import { cellA, cellB } from './hash.ts';

/**
 * A set of lock cells (the lockdep sets: locks taken in irq context, locks
 * held with irqs on) that keeps an order-independent fingerprint of itself
 * up to date as locks are added — the XOR of its members' hashes — so that a
 * state's fingerprint never sorts or copies it.
 */
export class LockSet {
  private readonly members = new Set<number>();
  hashA = 0;
  hashB = 0;

  constructor(private readonly salt: number) {}

  get size(): number {
    return this.members.size;
  }

  has(lock: number): boolean {
    return this.members.has(lock);
  }

  add(lock: number): void {
    if (this.members.has(lock)) return;
    this.members.add(lock);
    this.hashA ^= cellA(lock, this.salt);
    this.hashB ^= cellB(lock, this.salt);
  }

  clear(): void {
    this.members.clear();
    this.hashA = 0;
    this.hashB = 0;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.members[Symbol.iterator]();
  }
}
