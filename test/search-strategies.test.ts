import { describe, expect, it } from 'vitest';
import { store } from '../src/cpu/ops.ts';
import { BoundedStrategy } from '../src/explorer/bounded.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { PctStrategy } from '../src/explorer/pct.ts';
import { PortfolioStrategy } from '../src/explorer/portfolio.ts';
import { RandomStrategy } from '../src/explorer/random.ts';
import { Machine } from '../src/model/machine.ts';
import { model } from './helpers.ts';
import { preemptionsOf, tornRead } from './models.ts';

const R = 'test';

describe('bounded (iterative context bounding)', () => {
  it('with bound 0 finds nothing, says so, and is never "holds"', () => {
    const r = explore(new Machine(tornRead(0, 0)), new BoundedStrategy(0));
    expect(r.verdict).toBe('incomplete');
    expect(r.coverage).toBe('no violation with ≤ 0 preemptions');
  });

  it('with bound 1 finds the torn read, using exactly one preemption', () => {
    const m = new Machine(tornRead(2, 2));
    const r = explore(m, new BoundedStrategy(3));
    expect(r.verdict).toBe('violated');
    expect(preemptionsOf(m, r.schedule as number[])).toBe(1);
  });

  it('explores every schedule with ≤ K preemptions: without the cache, the count matches a brute-force enumeration', () => {
    // 2 CPUs × 3 independent stores each: every interleaving, bucketed by its preemptions.
    const def = model(2, (b) =>
      [0, 1].map((i) => {
        const c = b.layout.cell(`c${i}`);
        return function* () {
          for (let j = 0; j < 3; j++) yield store(c, j + 1, R);
        };
      }),
    );
    const all: number[][] = [];
    const walk = (prefix: number[], left: number[]) => {
      if (left[0] === 0 && left[1] === 0) return void all.push(prefix);
      for (const c of [0, 1])
        if ((left[c] as number) > 0)
          walk(
            [...prefix, c],
            left.map((l, i) => (i === c ? l - 1 : l)),
          );
    };
    walk([], [3, 3]);
    expect(all.length).toBe(20);
    const m = new Machine(def);
    const within = (k: number) => all.filter((s) => preemptionsOf(m, s) <= k).length;
    // Each round re-runs the executions of the rounds before it.
    for (const k of [0, 1, 2]) {
      const r = explore(new Machine(def), new BoundedStrategy(k, false));
      let expected = 0;
      for (let b = 0; b <= k; b++) expected += within(b);
      expect(r.executions, `bound ${k}`).toBe(expected);
    }
    // The bound stops growing once no execution is left out.
    const big = explore(new Machine(def), new BoundedStrategy(50, false));
    expect(big.coverage).toMatch(/no execution needed more/);
  });
});

describe('pct', () => {
  it('is deterministic for a seed and states its per-run guarantee', () => {
    const def = tornRead(3, 3);
    const a = explore(new Machine(def), new PctStrategy(9, 200, 2));
    const b = explore(new Machine(def), new PctStrategy(9, 200, 2));
    expect(a.verdict).toBe('violated');
    expect(a.schedule).toEqual(b.schedule);
    expect(a.executions).toBe(b.executions);
    const fixed = model(1, (b) => {
      const x = b.layout.cell('x');
      return [
        function* () {
          yield store(x, 1, R);
          yield store(x, 2, R);
        },
      ];
    });
    const r = explore(new Machine(fixed), new PctStrategy(1, 10, 3));
    expect(r.verdict).toBe('incomplete');
    // n = 1 CPU, k = 2 steps, d = 3: 1/(1·2²)
    expect(r.coverage).toContain('= 1/4 (n = 1 CPUs and interrupt sources, k = 2 steps)');
  });

  it('depth 1 never preempts: it cannot find a bug that needs a preemption, depth 2 can', () => {
    // t1 must be preempted between its loads and t0 must run its store there: depth 2.
    const d1 = explore(new Machine(tornRead(0, 4)), new PctStrategy(3, 100, 1));
    expect(d1.verdict).toBe('incomplete');
    const d2 = explore(new Machine(tornRead(0, 4)), new PctStrategy(3, 100, 2));
    expect(d2.verdict).toBe('violated');
  });
});

describe('portfolio', () => {
  it('stops at the first violation, deterministically, and says "holds" when its exhaustive member ends', () => {
    const members = () => [new PctStrategy(5, 50, 1), new RandomStrategy(5, 50), new DfsStrategy()];
    const a = explore(new Machine(tornRead(2, 2)), new PortfolioStrategy(members()));
    const b = explore(new Machine(tornRead(2, 2)), new PortfolioStrategy(members()));
    expect(a.verdict).toBe('violated');
    expect([a.executions, a.schedule]).toEqual([b.executions, b.schedule]);
    const safe = model(2, (bb) =>
      [0, 1].map((i) => {
        const c = bb.layout.cell(`c${i}`);
        return function* () {
          yield store(c, 1, R);
        };
      }),
    );
    expect(explore(new Machine(safe), new PortfolioStrategy(members())).verdict).toBe('holds');
    expect(explore(new Machine(safe), new PortfolioStrategy([new RandomStrategy(1, 5)])).verdict).toBe('incomplete');
  });
});
