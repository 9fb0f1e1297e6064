import { describe, expect, it } from 'vitest';
import { FingerprintSet } from '../src/model/fingerprint-set.ts';

/** xorshift32: deterministic fingerprints spread over both lanes */
function lanes(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x | 0;
  };
}

describe('FingerprintSet', () => {
  it('finds every fingerprint it stored, with its value, across many grows', () => {
    const s = new FingerprintSet(16);
    const next = lanes(7);
    const keys: [number, number][] = [];
    for (let i = 0; i < 20_000; i++) {
      const k: [number, number] = [next(), next()];
      keys.push(k);
      expect(s.visit(k[0], k[1], i % 1000)).toBe(-1);
    }
    expect(s.size).toBe(20_000);
    keys.forEach(([a, b], i) => {
      expect(s.visit(a, b, 0)).toBe(i % 1000);
    });
    expect(s.size).toBe(20_000);
  });

  it('update changes the entry the last visit found or added, even when that visit grew the table', () => {
    const s = new FingerprintSet(4);
    const next = lanes(3);
    const keys: [number, number][] = [];
    for (let i = 0; i < 100; i++) {
      const k: [number, number] = [next(), next()];
      keys.push(k);
      s.visit(k[0], k[1], 1);
      s.update(i + 5);
    }
    keys.forEach(([a, b], i) => {
      expect(s.visit(a, b, 0)).toBe(i + 5);
    });
  });

  it('holds a state in at most 24 bytes once grown, and clear starts over empty', () => {
    const s = new FingerprintSet();
    const next = lanes(11);
    for (let i = 0; i < 50_000; i++) s.visit(next(), next(), 0);
    expect(s.bytes / s.size).toBeLessThanOrEqual(24);
    expect(s.bytes / s.size).toBeGreaterThanOrEqual(16);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.visit(1, 2, 3)).toBe(-1);
  });

  it('stores the fingerprint (0, 0), which marks empty slots, as (1, 0)', () => {
    const s = new FingerprintSet(8);
    expect(s.visit(0, 0, 9)).toBe(-1);
    expect(s.visit(0, 0, 0)).toBe(9);
    expect(s.visit(1, 0, 0)).toBe(9);
    expect(s.size).toBe(1);
  });
});
