import { describe, expect, it } from 'vitest';
import { load, type Program, store } from '../src/cpu/ops.ts';
import { AutoStrategy } from '../src/explorer/auto.ts';
import { DelayBoundedStrategy } from '../src/explorer/delay-bounded.ts';
import { explore } from '../src/explorer/explore.ts';
import { makeMachine } from '../src/explorer/make-machine.ts';
import { ReducedDfs } from '../src/explorer/reduced-dfs.ts';
import { Machine } from '../src/model/machine.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { model, runSchedule } from './helpers.ts';
import { lockedCounter, racyCounter } from './por-models.ts';

const R = 'test auto';

function sleepWake(variant: 'buggy' | 'fixed', cpus: number): Machine {
  const s = findScenario('bench/sleep-wake');
  if (!s) throw new Error('bench/sleep-wake missing');
  return makeMachine(s, { variant, cpus, invariants: null, maxSteps: 20_000 });
}

describe('delay-bounded search', () => {
  it('finds the lost wakeup with one sleeper and five wakers in three executions (one delay, at the second step)', () => {
    const r = explore(sleepWake('buggy', 6), new DelayBoundedStrategy(2));
    expect(r.verdict).toBe('violated');
    expect(r.violation?.invariant).toBe('no-lost-wakeup');
    expect(r.executions).toBeLessThanOrEqual(3);
  });

  it('within a round, departs from the round-robin schedule at the earliest step first', () => {
    // one CPU stores 1, 2, 3 to its own cell; the other loads it once (and notes what it read in a ghost
    // cell, which each execution's end shows): the second execution delays step 0
    let seen = -1;
    const def = model(2, (b) => {
      const x = b.layout.cell('x');
      seen = b.layout.ghost('seen', -1);
      return [
        function* (): Program<void> {
          for (let i = 1; i <= 3; i++) yield store(x, i, R);
        },
        function* (ctx): Program<void> {
          const v: number = yield load(x, R);
          ctx.ghost.set(seen, v);
        },
      ];
    });
    const firsts: number[] = [];
    const s = new DelayBoundedStrategy(1);
    const end = s.endExecution.bind(s);
    s.endExecution = (m) => {
      firsts.push(m.mem[seen] as number);
      end(m);
    };
    const r = explore(new Machine(def), s);
    expect(r.verdict).toBe('incomplete');
    // no delay: CPU0 runs to its end (x = 3) before CPU1; then one delay at step 0, 1, 2, 3
    expect(firsts).toEqual([3, 0, 1, 2, 3]);
    expect(r.coverage).toContain('no violation with ≤ 1 delays of the round-robin scheduler');
  });
});

describe('auto: bug-finding searches beside the reduced dfs', () => {
  it('holds where the dfs holds, and gives the same states', () => {
    const dfs = explore(new Machine(lockedCounter(3)), new ReducedDfs());
    const auto = explore(new Machine(lockedCounter(3)), new AutoStrategy());
    expect(auto.verdict).toBe('holds');
    expect(auto.states).toBe(dfs.states);
    expect(auto.executions).toBeGreaterThanOrEqual(dfs.executions);
  });

  it('finds what the dfs finds, and its schedule replays to the same violation', () => {
    const m = new Machine(racyCounter(3));
    const r = explore(m, new AutoStrategy());
    expect(r.violation?.invariant).toBe('no-lost-update');
    const replay = runSchedule(new Machine(racyCounter(3)), r.schedule ?? []);
    if (replay.violation === null) replay.finish();
    expect(replay.violation?.invariant).toBe('no-lost-update');
  });

  it('finds the lost wakeup with five wakers in a few dozen executions, where the dfs alone needs thousands', () => {
    const auto = explore(sleepWake('buggy', 6), new AutoStrategy());
    expect(auto.violation?.invariant).toBe('no-lost-wakeup');
    expect(auto.executions).toBeLessThan(50);
    const dfs = explore(sleepWake('buggy', 6), new ReducedDfs(), { maxExecutions: 2000 });
    expect(dfs.verdict).toBe('incomplete');
  });

  it('is deterministic: the same counts and schedule every run', () => {
    const a = explore(sleepWake('buggy', 3), new AutoStrategy());
    const b = explore(sleepWake('buggy', 3), new AutoStrategy());
    expect([b.executions, b.steps, b.schedule]).toEqual([a.executions, a.steps, a.schedule]);
  });
});
