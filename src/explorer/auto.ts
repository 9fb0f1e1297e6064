import type { Machine } from '../model/machine.ts';
import { BoundedStrategy } from './bounded.ts';
import { DelayBoundedStrategy } from './delay-bounded.ts';
import { type Budget, ExecutionRunner, limitsOf, type SearchResult } from './explore.ts';
import { ReducedDfs, type ReducedDfsOptions } from './reduced-dfs.ts';
import type { Strategy } from './strategy.ts';

/**
 * steps each bug-finding search takes at the dfs's pace. Over the table's rows, 10 000 then
 * 1 in 8 finds every counterexample after as many steps as 50 000 then 1 in 4 did, and
 * proves the holds rows in a fifth fewer steps (9.37 M against 11.83 M in all).
 */
const HEAD_START = 10_000;
/** steps each bug-finding search may take in all: past them a long proof is left to the dfs alone */
const CAP = 400_000;
/** after the head start, each bug-finding search gets one step for every RATIO steps of the dfs */
const RATIO = 8;
/** the largest delay and preemption bounds the bug-finding searches try */
const BOUND = 2;

/**
 * The default search (`auto`): two bug-finding searches — delay-bounded
 * (a round-robin scheduler and every schedule that departs from it at most
 * twice, earliest departure first) and preemption-bounded (bounds 0, 1, 2) —
 * beside the exhaustive reduced dfs (the proof), in turns. A race that needs
 * one or two departures from a plain schedule is found in a handful of
 * executions wherever it is in the run, where the dfs, which varies the end
 * of the run first, may take long to reach one early in it.
 *
 * They share the work by steps taken, not by time, so the result is the
 * same on every machine: the one furthest behind goes next (an execution,
 * or a branch of the dfs), where a bug-finding search's steps count in full
 * up to HEAD_START and RATIO times after it, and it stops at CAP. The
 * first violation any of them finds ends the search; "holds" when the dfs
 * has covered everything.
 *
 * Each runs on its own machine: the dfs goes back by snapshots of its
 * machine's recorded program histories, which another search's executions
 * must not rewrite.
 */
export class AutoStrategy implements Strategy {
  readonly name = 'auto';
  readonly exhaustive = true;
  private dfs: ReducedDfs | null = null;

  constructor(private readonly opts: ReducedDfsOptions = {}) {}

  get states(): number | undefined {
    return this.dfs?.states;
  }

  beginExecution(): boolean {
    throw new Error('auto runs through run()');
  }
  choose(): number {
    throw new Error('auto runs through run()');
  }
  endExecution(): void {}

  run(m: Machine, budget: Budget): SearchResult {
    const t0 = performance.now();
    const dfs = new ReducedDfs(this.opts);
    this.dfs = dfs;
    const finders = [
      new ExecutionRunner(m.clone(), new DelayBoundedStrategy(BOUND)),
      new ExecutionRunner(m.clone(), new BoundedStrategy(BOUND, true)),
    ];
    const live = finders.map(() => true);
    // one set of limits for all: --max-time, memory, interruption
    const limits = limitsOf(budget);
    dfs.start(m, {}, limits);
    let nextProgress = 16;
    const sum = (f: (r: ExecutionRunner) => number) => finders.reduce((a, r) => a + f(r), 0);
    const totals = (r: SearchResult): SearchResult => ({
      ...r,
      executions: r.executions + sum((x) => x.executions),
      steps: r.steps + sum((x) => x.steps),
      maxDepth: Math.max(r.maxDepth, ...finders.map((x) => x.maxDepth)),
      states: dfs.states,
      elapsedMs: performance.now() - t0,
    });
    const stopped = (why: NonNullable<SearchResult['stoppedBy']>): SearchResult =>
      totals({ ...dfs.result(), verdict: 'incomplete', stoppedBy: why, violation: null, schedule: null, coverage: null });
    for (;;) {
      const executions = dfs.executionCount + sum((x) => x.executions);
      if (budget.maxExecutions !== undefined && executions >= budget.maxExecutions) return stopped('max-executions');
      if (budget.onProgress && executions >= nextProgress) {
        nextProgress = executions + 16;
        const steps = dfs.stepsTaken + sum((x) => x.steps);
        budget.onProgress({ executions, steps, depth: dfs.result().maxDepth, elapsedMs: performance.now() - t0 });
      }
      // the member furthest behind goes next: steps count in full up to HEAD_START, then a
      // bug-finding search's steps count RATIO times; past CAP it stops
      let turn = -1;
      let least = dfs.stepsTaken;
      finders.forEach((r, i) => {
        if (!live[i] || r.steps >= CAP) return;
        const paced = r.steps <= HEAD_START ? r.steps : HEAD_START + (r.steps - HEAD_START) * RATIO;
        if (paced < least) {
          least = paced;
          turn = i;
        }
      });
      if (turn >= 0) {
        const runner = finders[turn] as ExecutionRunner;
        const r = runner.next(undefined, limits);
        if (r === 'stopped') return stopped(limits.stopped ?? 'max-time');
        if (r === 'violated') {
          return totals({
            ...dfs.result(),
            verdict: 'violated',
            violation: runner.m.violation,
            schedule: runner.schedule.slice(),
            stoppedBy: null,
            coverage: null,
          });
        }
        if (r === 'over') live[turn] = false;
        continue;
      }
      dfs.advance();
      // the dfs visits every state, so it meets any execution past --max-steps the finders meet
      if (dfs.over) return totals(dfs.result());
    }
  }
}
