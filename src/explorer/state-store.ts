import { FingerprintSet } from '../model/fingerprint-set.ts';
import type { Machine } from '../model/machine.ts';

/**
 * The visited states of a stateful search, each with a small value (a mask
 * of choices). `visit` looks up the machine's current state: it returns the
 * value stored for it, or -1 when the state is new (and stores it with
 * `value`); `update` then changes that entry's value.
 */
export interface StateStore {
  visit(m: Machine, value: number): number;
  update(value: number): void;
  readonly size: number;
  /** bytes the store holds, when known */
  readonly bytes: number | null;
  /** states are told apart exactly (no fingerprint collisions possible) */
  readonly exact: boolean;
  clear(): void;
}

/** States by 64-bit fingerprint (Machine.fingerprint) in a typed-array hash table. */
export class FingerprintStore implements StateStore {
  readonly exact = false;
  private readonly set = new FingerprintSet();

  visit(m: Machine, value: number): number {
    m.fingerprint();
    return this.set.visit(m.fpA, m.fpB, value);
  }
  update(value: number): void {
    this.set.update(value);
  }
  get size(): number {
    return this.set.size;
  }
  get bytes(): number {
    return this.set.bytes;
  }
  clear(): void {
    this.set.clear();
  }
}

/** A JavaScript Map holds at most 2^24 entries. */
export const EXACT_STATE_LIMIT = 2 ** 24 - 1;

/** The error a search keeping exact keys gives when it outgrows a Map. */
export function tooManyExactStates(): Error {
  return new Error(
    `exact state keys: more than ${EXACT_STATE_LIMIT.toLocaleString('en-US')} states (a JavaScript Map's limit); run without --exact-states (64-bit fingerprints)`,
  );
}

/** States by their exact key (Machine.stateKey): slower and larger, for cross-checks (`--exact-states`). */
export class ExactStore implements StateStore {
  readonly exact = true;
  readonly bytes = null;
  private readonly map = new Map<string, number>();
  private lastKey = '';

  visit(m: Machine, value: number): number {
    const key = m.stateKey();
    this.lastKey = key;
    const v = this.map.get(key);
    if (v !== undefined) return v;
    if (this.map.size >= EXACT_STATE_LIMIT) throw tooManyExactStates();
    this.map.set(key, value);
    return -1;
  }
  update(value: number): void {
    this.map.set(this.lastKey, value);
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
}
