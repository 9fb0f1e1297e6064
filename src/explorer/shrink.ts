import { createRequire } from 'node:module';
import type fcModule from 'fast-check';
import type { Machine } from '../model/machine.ts';
import { BoundedStrategy } from './bounded.ts';

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
 * 2. Fewest steps, by fast-check (below), from that hit and from the
 *    schedule found; the better of the two is the result. So the result is
 *    the same whatever found the violation, unless the budget ran out or
 *    the found schedule shrinks to something strictly better.
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

interface Outcome {
  readonly schedule: number[];
  readonly preemptions: number;
  readonly invariant: string | null;
}

/** The choice pick `p` names among `enabled` (ascending) after `last`. */
function choiceOfPick(enabled: readonly number[], last: number, p: number): number {
  const n = enabled.length;
  const j = p % n;
  const at = last >= 0 ? enabled.indexOf(last) : -1;
  if (at < 0) return enabled[j] as number;
  if (j === 0) return last;
  return enabled[j <= at ? j - 1 : j] as number;
}

/** The pick that names `c` among `enabled` after `last`; the inverse of choiceOfPick. */
function pickOfChoice(enabled: readonly number[], last: number, c: number): number {
  const at = last >= 0 ? enabled.indexOf(last) : -1;
  const i = enabled.indexOf(c);
  if (i < 0) throw new Error(`shrinking: choice ${c} is not enabled`);
  if (at < 0) return i;
  if (c === last) return 0;
  return i < at ? i + 1 : i;
}

/** Runs picks, then the completion policy, to a violation or the end of the execution. */
export function runPicks(m: Machine, picks: readonly number[]): Outcome {
  m.reset();
  const buf: number[] = [];
  const schedule: number[] = [];
  let last = -1;
  let preemptions = 0;
  for (let i = 0; ; i++) {
    const n = m.enabled(buf);
    if (n === 0) {
      m.finish();
      break;
    }
    const c = choiceOfPick(buf, last, i < picks.length ? (picks[i] as number) : 0);
    if (last >= 0 && c !== last && buf.includes(last)) preemptions++;
    schedule.push(c);
    m.step(c);
    last = c;
    // an execution the search would have cut at --max-steps ends here, without a violation
    if (m.violation !== null || m.steps >= m.maxSteps) break;
  }
  return { schedule, preemptions, invariant: m.violation?.invariant ?? null };
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

/** Negative when a is the simpler counterexample: fewer preemptions, then fewer steps, then lower choices. */
function compare(a: Outcome, b: Outcome): number {
  if (a.preemptions !== b.preemptions) return a.preemptions - b.preemptions;
  if (a.schedule.length !== b.schedule.length) return a.schedule.length - b.schedule.length;
  for (let i = 0; i < a.schedule.length; i++) {
    const d = (a.schedule[i] as number) - (b.schedule[i] as number);
    if (d !== 0) return d;
  }
  return 0;
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
  const run = (picks: readonly number[]) => {
    tries++;
    return runPicks(m, picks);
  };
  const found = run(picksOf(m, schedule));
  if (found.invariant !== invariant) {
    throw new Error(`shrinking: the schedule does not end in a violation of ${invariant} when replayed`);
  }
  let best = shrinkSteps(m, found, invariant, run);
  const hit = fewestPreemptions(m, invariant, found.preemptions, opts.searchBudget ?? SHRINK_SEARCH_BUDGET);
  tries += hit.executions;
  if (hit.schedule.length > 0) {
    const o = run(picksOf(m, hit.schedule));
    if (o.invariant === invariant) {
      const fromHit = shrinkSteps(m, o, invariant, run);
      if (compare(fromHit, best) <= 0) best = fromHit;
    }
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
function shrinkSteps(m: Machine, start: Outcome, invariant: string, run: (picks: readonly number[]) => Outcome): Outcome {
  let best = start;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const from = best;
    const picks = picksOf(m, from.schedule);
    const fc = fastCheck();
    const arb = fc.array(fc.nat({ max: Math.max(0, m.choiceCount - 1) }), { maxLength: picks.length });
    const property = fc.property(arb, (p) => {
      const o = run(p);
      if (o.invariant !== invariant || compare(o, best) > 0) return true;
      best = o;
      return false;
    });
    fc.check(property, { examples: [[picks]], numRuns: 1, seed: 0 });
    if (compare(best, from) >= 0) break;
  }
  return best;
}
