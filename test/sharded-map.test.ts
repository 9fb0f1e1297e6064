import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '../src/model/sharded-map.ts';

describe('ShardedMap', () => {
  it('behaves as a Map for any sequence of sets and gets', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.integer())), (ops) => {
        const a = new ShardedMap<number>();
        const b = new Map<string, number>();
        for (const [k, v] of ops) {
          a.set(k, v);
          b.set(k, v);
          expect(a.size).toBe(b.size);
        }
        for (const [k] of ops) expect(a.get(k)).toBe(b.get(k));
        expect(a.get('\u0000absent')).toBeUndefined();
        a.clear();
        expect(a.size).toBe(0);
      }),
      { seed: 3, numRuns: 200 },
    );
  });

  it('holds more entries than one Map can (2^24)', () => {
    const m = new ShardedMap<number>();
    const n = 2 ** 24 + 10;
    for (let i = 0; i < n; i++) m.set(String(i), i & 7);
    expect(m.size).toBe(n);
    expect(m.get(String(n - 1))).toBe((n - 1) & 7);
  }, 120_000);
});
