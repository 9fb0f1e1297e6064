import { describe, expect, it } from 'vitest';
import { check, load, nop, store } from '../src/cpu/ops.ts';
import { explore } from '../src/explorer/explore.ts';
import { runPicks } from '../src/explorer/pick-runs.ts';
import { RandomStrategy } from '../src/explorer/random.ts';
import { DEFAULT_MAX_STEPS, type RunOptions, runScenario } from '../src/explorer/run.ts';
import { shrinkSchedule } from '../src/explorer/shrink.ts';
import { Machine } from '../src/model/machine.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { model } from './helpers.ts';
import { preemptionsOf, tornRead } from './models.ts';

const R = 'test';
const ones = (n: number) => Array<number>(n).fill(1);
const zeros = (n: number) => Array<number>(n).fill(0);

/** The torn read again, but checked by an assertion step right after the second load. */
function tornReadAsserted(pad0: number, pad1: number) {
  return model(2, (b) => {
    const x = b.layout.cell('x');
    return [
      function* () {
        for (let i = 0; i < pad0; i++) yield nop(R);
        yield store(x, 1, R);
        for (let i = 0; i < pad0; i++) yield nop(R);
      },
      function* () {
        for (let i = 0; i < pad1; i++) yield nop(R);
        const a: number = yield load(x, R);
        const c: number = yield load(x, R);
        yield check('reads-agree', [], () => (a !== c ? 'the two reads of x differ' : null), R);
      },
    ];
  });
}

describe('counterexample shrinking', () => {
  it('a long random counterexample of a terminal invariant shrinks to the known minimal schedule', () => {
    const m = new Machine(tornRead(8, 8));
    const found = explore(m, new RandomStrategy(3, 10_000));
    expect(found.verdict).toBe('violated');
    expect(preemptionsOf(m, found.schedule as number[])).toBeGreaterThan(1);
    const s = shrinkSchedule(m, found.schedule as number[], 'reads-agree');
    // t1 up to its first load (9 steps), one preemption, t0 to its end (9), t1's last 3 steps.
    expect(s.schedule).toEqual([...ones(9), ...zeros(9), ...ones(3)]);
    expect(s.preemptions).toBe(1);
    expect(runPicks(m, []).invariant).toBeNull(); // the completion policy alone does not violate
  });

  it('fewest preemptions first, then fewest steps: an assertion violation drops the steps it does not need', () => {
    const m = new Machine(tornReadAsserted(6, 6));
    const found = explore(m, new RandomStrategy(11, 10_000));
    expect(found.verdict).toBe('violated');
    expect(found.schedule?.length).toBeGreaterThan(12);
    const s = shrinkSchedule(m, found.schedule as number[], 'reads-agree');
    // 1 preemption: t1 to its first load (7), t0's store and trailing nops (7), t1's load and check (2).
    expect(s.preemptions).toBe(1);
    expect(s.schedule).toEqual([...ones(7), ...zeros(13), 1, 1]);
  });

  it('is deterministic, and shrinking a shrunk schedule gives it back unchanged', () => {
    const m = new Machine(tornRead(5, 7));
    const found = explore(m, new RandomStrategy(21, 10_000));
    const a = shrinkSchedule(m, found.schedule as number[], 'reads-agree');
    const b = shrinkSchedule(m, found.schedule as number[], 'reads-agree');
    expect(b).toEqual(a);
    const again = shrinkSchedule(m, a.schedule, 'reads-agree');
    expect(again.schedule).toEqual(a.schedule);
    // another counterexample, found by another walk, shrinks to the same schedule
    const other = explore(m, new RandomStrategy(99, 10_000));
    expect(other.schedule).not.toEqual(found.schedule);
    expect(shrinkSchedule(m, other.schedule as number[], 'reads-agree').schedule).toEqual(a.schedule);
  });

  it('a deadlock (found at quiescence) shrinks and still deadlocks', () => {
    const s = findScenario('demo/abba-deadlock');
    if (!s) throw new Error('demo/abba-deadlock is missing');
    const opts: RunOptions = {
      variant: 'buggy',
      cpus: 2,
      strategy: 'random',
      seed: 4,
      runs: 1000,
      invariants: null,
      maxSteps: DEFAULT_MAX_STEPS,
      cache: true,
      preemptions: 2,
      depth: 3,
      shrink: true,
      budget: {},
    };
    const r = runScenario(s, opts);
    expect(r.trace?.violation.invariant).toBe('deadlock');
    expect(r.trace?.stats.preemptions).toBe(1);
    const raw = runScenario(s, { ...opts, shrink: false });
    expect(raw.trace?.schedule.length).toBeGreaterThanOrEqual(r.trace?.schedule.length ?? 0);
    expect(runScenario(s, opts).trace).toEqual(r.trace);
  });
});
