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
  /**
   * Looks up the machine's current state without adding it: its stored
   * value, or -1. The state's identity is kept in lastA/lastB/lastKey (for
   * a later `add`); `update` then changes a found entry's value.
   */
  find(m: Machine): number;
  readonly lastA: number;
  readonly lastB: number;
  readonly lastKey: string;
  /** Adds a state by the identity `find` gave (absent from the store). */
  add(a: number, b: number, key: string, value: number): void;
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

  lastA = 0;
  lastB = 0;
  readonly lastKey = '';

  visit(m: Machine, value: number): number {
    m.fingerprint();
    return this.set.visit(m.fpA, m.fpB, value);
  }
  find(m: Machine): number {
    m.fingerprint();
    this.lastA = m.fpA;
    this.lastB = m.fpB;
    return this.set.lookup(m.fpA, m.fpB);
  }
  add(a: number, b: number, _key: string, value: number): void {
    this.set.add(a, b, value);
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
  lastKey = '';
  readonly lastA = 0;
  readonly lastB = 0;

  find(m: Machine): number {
    const key = m.stateKey();
    this.lastKey = key;
    return this.map.get(key) ?? -1;
  }
  add(_a: number, _b: number, key: string, value: number): void {
    if (this.map.size >= EXACT_STATE_LIMIT) throw tooManyExactStates();
    this.map.set(key, value);
  }

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
