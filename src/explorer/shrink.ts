import { createRequire } from 'node:module';
import type fcModule from 'fast-check';
import type { Machine } from '../model/machine.ts';
import { BoundedStrategy } from './bounded.ts';
import { compare, type Outcome, PickRunner, pickOfChoice } from './pick-runs.ts';

// fast-check is loaded when a counterexample is first shrunk, not with every command (a proof never needs it).
let fcLoaded: typeof fcModule | null = null;
function fastCheck(): typeof fcModule {
  fcLoaded ??= createRequire(import.meta.url)('fast-check') as typeof fcModule;
  return fcLoaded;
}

/**
 * Counterexample shrinking, in two parts.
 *
 * 1. Fewest preemptions: a preemption-bounded search (bounds 0, 1, … up to
 *    the count of the schedule found) for a violation of the same invariant,
 *    within a fixed budget of executions. Its first hit does not depend on
 *    the schedule we started from. Local shrinking alone cannot do this
 *    step: removing one preemption usually needs several picks to change
 *    together.
 * 2. Fewest steps, by fast-check (below), from that hit. The schedule
 *    found is shrunk too only when the hit did not take fewer preemptions
 *    (or the budget ran out before a hit); the better of the two is the
 *    result. So a schedule found with more preemptions than needed always
 *    shrinks to the same trace, whatever search found it.
 *
 * For fast-check a schedule is written as a list of picks, one per step: pick 0 is "the choice that ran last, if it can go on (else the
 * lowest enabled one)", pick i > 0 the i-th of the other enabled choices in
 * ascending order. Past the end of the list a fixed completion policy takes
 * over: pick 0 at every step, to the end of the execution (quiescence, where
 * terminal invariants and deadlock are checked). So every list is a valid
 * schedule, a 0 is never a preemption, and a shorter list or a smaller pick
 * is a simpler schedule.
 *
 * fast-check's array shrinker (drop chunks, then move items toward 0) runs
 * over that list and accepts a candidate only when it violates the same
 * invariant and is no worse in the order (preemptions, steps, schedule
 * compared choice by choice). Rounds repeat from the best schedule until a
 * round brings nothing better, so the result is a fixed point: shrinking it
 * again gives it back unchanged. The fast-check seed is fixed, so shrinking
 * is deterministic.
 */
export interface Shrunk {
  /** the choices of the shrunk schedule */
  readonly schedule: readonly number[];
  readonly preemptions: number;
  readonly steps: number;
  /** executions run while shrinking */
  readonly tries: number;
  /** the schedule shrinking started from: its steps and preemptions */
  readonly from: { readonly steps: number; readonly preemptions: number };
}

/** The picks of a schedule, without the trailing zeros the completion policy supplies. */
export function picksOf(m: Machine, schedule: readonly number[]): number[] {
  m.reset();
  const buf: number[] = [];
  const picks: number[] = [];
  let last = -1;
  for (const c of schedule) {
    m.enabled(buf);
    picks.push(pickOfChoice(buf, last, c));
    m.step(c);
    last = c;
  }
  while (picks.length > 0 && picks[picks.length - 1] === 0) picks.pop();
  return picks;
}

const MAX_ROUNDS = 20;
/** executions the preemption-bounded part may spend (a count, not a time: shrinking stays deterministic) */
export const SHRINK_SEARCH_BUDGET = 5_000;

/**
 * The first violation of `invariant` that a preemption-bounded search with
 * bounds 0 … max finds; violations of other invariants are passed over.
 */
function fewestPreemptions(
  m: Machine,
  invariant: string,
  max: number,
  budget: number,
): { schedule: number[]; executions: number } {
  const st = new BoundedStrategy(max);
  st.prepare(m);
  const buf: number[] = [];
  const schedule: number[] = [];
  let executions = 0;
  while (executions < budget && st.beginExecution()) {
    m.reset();
    schedule.length = 0;
    for (let depth = 0; ; depth++) {
      if (m.enabled(buf) === 0) {
        m.finish();
        break;
      }
      const c = st.choose(buf, depth, m);
      schedule.push(c);
      m.step(c);
      if (m.violation !== null || m.steps >= m.maxSteps || !st.afterStep(c, depth, m)) break;
    }
    executions++;
    st.endExecution(m);
    if (m.violation?.invariant === invariant) return { schedule: schedule.slice(), executions };
  }
  return { schedule: [], executions };
}

/** Shrinks a schedule that violates `invariant` on `m` (see the comment at the top). */
export function shrinkSchedule(
  m: Machine,
  schedule: readonly number[],
  invariant: string,
  opts: { searchBudget?: number } = {},
): Shrunk {
  let tries = 0;
  const runner = new PickRunner(m);
  const run = (picks: readonly number[], toBeat: Outcome | null = null) => {
    tries++;
    return runner.run(picks, toBeat);
  };
  const rebase = (picks: readonly number[]) => {
    tries++;
    return runner.rebase(picks);
  };
  const found = rebase(picksOf(m, schedule));
  if (found.invariant !== invariant) {
    throw new Error(`shrinking: the schedule does not end in a violation of ${invariant} when replayed`);
  }
  const hit = fewestPreemptions(m, invariant, found.preemptions, opts.searchBudget ?? SHRINK_SEARCH_BUDGET);
  tries += hit.executions;
  let fromHit: Outcome | null = null;
  if (hit.schedule.length > 0) {
    const o = rebase(picksOf(m, hit.schedule));
    if (o.invariant === invariant) fromHit = shrinkSteps(m, o, invariant, run, rebase);
  }
  // The bounded search went through every schedule with fewer preemptions than its hit:
  // when the schedule found has more, shrinking it could at best tie the hit's count.
  let best = fromHit;
  if (best === null || found.preemptions <= best.preemptions) {
    const fromFound = shrinkSteps(m, found, invariant, run, rebase);
    if (best === null || compare(fromFound, best) < 0) best = fromFound;
  }
  return {
    schedule: best.schedule,
    preemptions: best.preemptions,
    steps: best.schedule.length,
    tries,
    from: { steps: found.schedule.length, preemptions: found.preemptions },
  };
}

/** Part 2: fast-check rounds from `start` until a round brings nothing better. */
function shrinkSteps(
  m: Machine,
  start: Outcome,
  invariant: string,
  run: (picks: readonly number[], toBeat: Outcome | null) => Outcome,
  rebase: (picks: readonly number[]) => Outcome,
): Outcome {
  let best = start;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const from = best;
    const picks = picksOf(m, from.schedule);
    if (round > 0) rebase(picks);
    const fc = fastCheck();
    const arb = fc.array(fc.nat({ max: Math.max(0, m.choiceCount - 1) }), { maxLength: picks.length });
    const property = fc.property(arb, (p) => {
      const o = run(p, best);
      if (o.invariant !== invariant || compare(o, best) > 0) return true;
      // later candidates are changes of this one: runs start where they leave it
      best = rebase(p);
      return false;
    });
    fc.check(property, { examples: [[picks]], numRuns: 1, seed: 0 });
    if (compare(best, from) >= 0) break;
  }
  return best;
}
