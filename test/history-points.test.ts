import { describe, expect, it } from 'vitest';
import { load, type Program, store } from '../src/cpu/ops.ts';
import { DporStrategy } from '../src/explorer/dpor.ts';
import { explore, type SearchResult } from '../src/explorer/explore.ts';
import { makeMachine } from '../src/explorer/make-machine.ts';
import { ReducedDfs } from '../src/explorer/reduced-dfs.ts';
import type { Strategy } from '../src/explorer/strategy.ts';
import { continuationKey, NOT_KEPT } from '../src/model/frame.ts';
import { Machine } from '../src/model/machine.ts';
import type { ModelDef } from '../src/model/types.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { model } from './helpers.ts';

const R = 'test history points';

/**
 * A program's answers to the continuations it has seen are kept (Frame's
 * history points), so going back to an earlier state and sending a value
 * seen there before runs no program code. Nothing a search reports may
 * depend on it: these tests compare searches with the points kept and with
 * none kept (historyBudget 0, every new value runs the program, as a
 * replay from the record would).
 */

/** Two CPUs reading each other's cell and writing on what they read, with a ghost tally; `resumes` counts the program code run. */
function readers(counter: { resumes: number }): ModelDef {
  return model(2, (b) => {
    const x = [b.layout.cell('x0'), b.layout.cell('x1')];
    const g = b.layout.ghost('tally');
    return [0, 1].map(
      (me) =>
        function* (ctx): Program<void> {
          for (let i = 0; i < 3; i++) {
            const v: number = yield load(x[1 - me] as number, R);
            counter.resumes++;
            ctx.ghost.add(g, v);
            yield store(x[me] as number, v + i + 1, R);
            counter.resumes++;
          }
        },
    );
  });
}

/** The state at an end: memory (ghost cells included) and which tasks finished. */
function endKey(m: Machine): string {
  return `${m.mem.join(',')}|${[...Array(m.taskCount).keys()].map((t) => m.taskDone(t))}`;
}

/** A search of `def` (the reduced dfs, noting each end state, unless another strategy is given). */
function search(def: ModelDef, historyBudget: number, strategy?: Strategy) {
  const ends = new Set<string>();
  const m = new Machine(def, { invariants: ['livelock'], historyBudget });
  const r = explore(m, strategy ?? new ReducedDfs({ blocks: false, onEnd: (x) => ends.add(endKey(x)) }), {});
  return { r, ends: [...ends].sort(), points: m.historyPoints, rebuilt: m.rebuiltSteps };
}

const counts = (r: SearchResult) => [r.verdict, r.executions, r.states, r.steps];

describe('history points (a program is not run again on a continuation it has answered)', () => {
  it('the same search, the same end states and ghost tallies, with less program code run', () => {
    const kept = { resumes: 0 };
    const none = { resumes: 0 };
    const a = search(readers(kept), 1 << 18);
    const b = search(readers(none), 0);
    expect(counts(a.r)).toEqual(counts(b.r));
    expect(a.ends).toEqual(b.ends);
    expect(a.ends.length).toBeGreaterThan(3);
    expect(a.points).toBeGreaterThan(0);
    expect(b.points).toBe(0);
    expect(kept.resumes).toBeLessThan(none.resumes);
    expect(a.rebuilt).toBeLessThan(b.rebuilt);
  });

  it('a continuation is told apart by its value and its CPU; a value that is not a 32-bit integer is never kept', () => {
    const keys = new Map<number, string>();
    for (const value of [-(2 ** 31), -65, -64, -1, 0, 1, 63, 64, 2 ** 31 - 1]) {
      for (const cpu of [-1, 0, 1, 2, 62]) {
        const k = continuationKey(value, cpu);
        expect(k).toBeGreaterThanOrEqual(-(2 ** 40));
        expect(keys.get(k), `${value} on ${cpu}`).toBeUndefined();
        keys.set(k, `${value} on ${cpu}`);
      }
    }
    expect(keys.has(NOT_KEPT)).toBe(false);
    expect(continuationKey(0.5, 0)).toBe(NOT_KEPT);
    expect(continuationKey(2 ** 31, 0)).toBe(NOT_KEPT);
    expect(continuationKey(1, 63)).toBe(NOT_KEPT);
  });

  it('past its budget the machine keeps no more points, and the search is unchanged', () => {
    const small = search(readers({ resumes: 0 }), 5);
    const none = search(readers({ resumes: 0 }), 0);
    expect(small.points).toBe(5);
    expect(counts(small.r)).toEqual(counts(none.r));
    expect(small.ends).toEqual(none.ends);
  });

  it('a search that replays from the start (dpor) gives the same result with points kept or not', () => {
    const a = search(readers({ resumes: 0 }), 1 << 18, new DporStrategy());
    const b = search(readers({ resumes: 0 }), 0, new DporStrategy());
    expect(counts(a.r)).toEqual(counts(b.r));
    expect(a.points).toBeGreaterThan(0);
  });

  it.each([
    ['demo/lost-wakeup', 'buggy', 2],
    ['demo/lost-wakeup', 'fixed', 2],
    ['linux/seize-detach', 'linux-6.6', 1],
    ['linux/gdb-traceme', 'linux-6.6', 1],
    ['dragonos/c3-detach-wakeup', 'pr1663', 2],
    ['linux/sleep-wake', 'linux-6.6', 2],
    ['linux/wake-migrate', 'linux-6.6', 3],
  ])('%s [%s] on %i CPU(s): the same verdict and counts with points kept or not', (name, variant, cpus) => {
    const s = findScenario(name);
    if (!s) throw new Error(`no scenario ${name}`);
    const run = (historyBudget: number) => {
      const m = makeMachine(s, { variant, cpus, invariants: null, maxSteps: 20_000, historyBudget });
      const r = explore(m, new ReducedDfs(), {});
      return { r, points: m.historyPoints };
    };
    const a = run(1 << 18);
    const b = run(0);
    expect(counts(a.r)).toEqual(counts(b.r));
    expect(a.r.violation?.invariant ?? null).toEqual(b.r.violation?.invariant ?? null);
    expect(a.points).toBeGreaterThan(0);
  });
});
