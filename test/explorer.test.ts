import { describe, expect, it } from 'vitest';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { RandomStrategy } from '../src/explorer/random.ts';
import { Machine } from '../src/model/machine.ts';
import { independent, tornRead } from './models.ts';

describe('dfs', () => {
  it('without the cache enumerates every interleaving exactly once', () => {
    expect(explore(new Machine(independent(2, 2)), new DfsStrategy({ cache: false })).executions).toBe(6);
    expect(explore(new Machine(independent(2, 3)), new DfsStrategy({ cache: false })).executions).toBe(20);
    expect(explore(new Machine(independent(3, 2)), new DfsStrategy({ cache: false })).executions).toBe(90);
  });

  it('with the cache visits each distinct state once: a grid of (k+1)^n states', () => {
    const r = explore(new Machine(independent(2, 3)), new DfsStrategy());
    expect(r.verdict).toBe('holds');
    // 16 states of the 4x4 grid, minus the initial state, which is not stored
    expect(r.states).toBe(15);
  });

  it('finds a violation that needs one particular interleaving, with and without the cache', () => {
    // t1 reads x twice; the bad outcome needs t0's store between the two loads.
    const def = tornRead(0, 0);
    for (const cache of [true, false]) {
      const r = explore(new Machine(def), new DfsStrategy({ cache }));
      expect(r.verdict).toBe('violated');
      expect(r.violation?.invariant).toBe('reads-agree');
      expect(r.schedule).toEqual([1, 0, 1, 1, 1]); // the first violating order in ascending DFS order
    }
  });

  it('stops with incomplete when the execution budget runs out', () => {
    const r = explore(new Machine(independent(3, 2)), new DfsStrategy({ cache: false }), { maxExecutions: 10 });
    expect(r.verdict).toBe('incomplete');
    expect(r.stoppedBy).toBe('max-executions');
    expect(r.executions).toBe(10);
  });
});

describe('random', () => {
  it('is never "holds", and the same seed walks the same schedules', () => {
    const a = explore(new Machine(independent(2, 3)), new RandomStrategy(42, 50));
    expect(a.verdict).toBe('incomplete');
    expect(a.stoppedBy).toBe('not-exhaustive');
    const seen: number[][] = [];
    for (let round = 0; round < 2; round++) {
      const m = new Machine(independent(2, 3));
      const s = new RandomStrategy(7, 1);
      const picks: number[] = [];
      explore(m, {
        name: 'spy',
        exhaustive: false,
        beginExecution: () => s.beginExecution(),
        choose: (en, d, mm) => {
          const c = s.choose(en, d, mm);
          picks.push(c);
          return c;
        },
        endExecution: () => {},
      });
      seen.push(picks);
    }
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]?.length).toBe(6);
  });
});
