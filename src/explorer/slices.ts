import type { Machine } from '../model/machine.ts';
import { BoundedStrategy } from './bounded.ts';
import { DfsStrategy } from './dfs.ts';
import { type Budget, explore, type SearchResult, type SearchVerdict } from './explore.ts';
import { isLimitStop } from './limits.ts';
import { ReducedDfs } from './reduced-dfs.ts';
import type { Strategy } from './strategy.ts';

/**
 * Splitting a search by schedule prefix, for parallel workers and shards.
 *
 * The slices are a fixed function of the model: the tree of schedules is
 * expanded breadth-first, level by level, until the frontier holds at least
 * SLICE_TARGET prefixes (see computeSlices). Each slice is searched on its own, with its own strategy
 * state, below its prefix; the results are combined in slice order. So the
 * verdict, the counts and the counterexample depend only on the model and
 * the options — never on how many workers ran the slices or in what order
 * they finished. The counterexample is the one of the lowest violating
 * slice; the counts are those of the slices up to it.
 *
 * The slices do not share a visited-state set, so a sliced search may
 * explore a state in more than one slice (below the frontier, where the
 * slices' futures meet again): its counts are larger than those of one
 * unsliced search, and the same for every number of workers.
 */
export const SLICE_TARGET = 32;

/** the strategies that can be split by prefix (exhaustive in their bounds, and with a prefix start) */
export const SLICEABLE = ['auto', 'dfs', 'bounded'] as const;

export interface Slice {
  readonly index: number;
  /** the choices every execution of the slice starts with */
  readonly prefix: readonly number[];
  /** the prefix's last choice and preemptions (for preemption-bounded search) */
  readonly last: number;
  readonly preemptions: number;
}

/** Runs `prefix` from the start; returns the enabled choices after it (empty when the execution is over) and its preemptions. */
function afterPrefix(m: Machine, prefix: readonly number[]): { enabled: number[]; preemptions: number } {
  m.reset();
  const buf: number[] = [];
  let last = -1;
  let preemptions = 0;
  for (const c of prefix) {
    m.enabled(buf);
    if (last >= 0 && c !== last && buf.includes(last)) preemptions++;
    m.step(c);
    last = c;
  }
  const enabled = m.violation === null && m.enabled(buf) > 0 ? buf.slice() : [];
  return { enabled, preemptions };
}

/**
 * How slices that lead to the same state are told apart: `none` keeps every
 * prefix (the slices then partition the interleavings: for searches that
 * count every one); `state` drops a prefix that reaches the same state as a
 * lower one (same state, same futures: nothing is lost); `bounded` does the
 * same but keeps the last choice and the preemptions spent apart, as a
 * preemption-bounded future depends on them.
 */
export type SliceDedup = 'none' | 'state' | 'bounded';

/** levels in a row that do not widen the frontier before computeSlices stops */
const MAX_FLAT_LEVELS = 4;

/**
 * The fixed slices of a search on `m`: a breadth-first frontier of prefixes,
 * one level deeper at a time, until it holds at least `target` of them (or
 * it stops widening). With dedup, prefixes that reach a state a
 * lower prefix reaches are dropped at every level — without that, two CPUs'
 * independent steps would give 2^d prefixes for d+1 states, and the slices
 * would search the same states over and over.
 */
export function computeSlices(m: Machine, target = SLICE_TARGET, dedup: SliceDedup = 'none'): Slice[] {
  if (dedup !== 'none') m.trackStates();
  const keyOf = (p: readonly number[], preemptions: number): string => {
    // a prefix that ends in a violation is never merged with one that reaches the same state without
    if (m.violation !== null) return `violation#${p.join(',')}`;
    const last = p.length > 0 ? p[p.length - 1] : -1;
    return dedup === 'bounded' ? `${last}#${preemptions}#${m.stateKey()}` : m.stateKey();
  };
  let frontier: number[][] = [[]];
  let flat = 0;
  while (frontier.length < target) {
    const next: number[][] = [];
    const seen = new Set<string>();
    let grew = false;
    for (const p of frontier) {
      const { enabled } = afterPrefix(m, p);
      const children = enabled.length === 0 ? [p] : enabled.map((c) => [...p, c]);
      if (enabled.length > 0) grew = true;
      for (const child of children) {
        if (dedup !== 'none') {
          const { preemptions } = afterPrefix(m, child);
          const key = keyOf(child, preemptions);
          if (seen.has(key)) continue;
          seen.add(key);
        }
        next.push(child);
      }
    }
    if (!grew) break;
    // Stop where the frontier has stopped widening for a few levels: on a
    // thin state graph, going deeper only moves the work from the slices
    // into this loop. (A few, not one: a model may start with a single
    // enabled step or two.)
    flat = next.length <= frontier.length ? flat + 1 : 0;
    frontier = next;
    if (flat >= MAX_FLAT_LEVELS) break;
  }
  return frontier.map((prefix, index) => ({
    index,
    prefix,
    last: prefix.length > 0 ? (prefix[prefix.length - 1] as number) : -1,
    preemptions: afterPrefix(m, prefix).preemptions,
  }));
}

/** Follows a fixed prefix, then lets the inner strategy search below it. */
export class PrefixStrategy implements Strategy {
  readonly name: string;
  readonly exhaustive: boolean;

  constructor(
    private readonly prefix: readonly number[],
    private readonly inner: Strategy,
  ) {
    this.name = inner.name;
    this.exhaustive = inner.exhaustive;
  }

  get states(): number | undefined {
    return this.inner.states;
  }

  prepare(m: Machine): void {
    this.inner.prepare?.(m);
  }

  beginExecution(): boolean {
    return this.inner.beginExecution();
  }

  choose(enabled: readonly number[], depth: number, m: Machine): number {
    const p = this.prefix.length;
    if (depth < p) return this.prefix[depth] as number;
    return this.inner.choose(enabled, depth - p, m);
  }

  afterStep(choice: number, depth: number, m: Machine): boolean {
    const p = this.prefix.length;
    if (depth < p || !this.inner.afterStep) return true;
    return this.inner.afterStep(choice, depth - p, m);
  }

  endExecution(m: Machine): void {
    this.inner.endExecution(m);
  }

  coverage(): string | null {
    return this.inner.coverage?.() ?? null;
  }
}

export interface SliceStrategyOptions {
  readonly strategy: string;
  readonly cache: boolean;
  readonly preemptions: number;
}

export function sliceStrategy(o: SliceStrategyOptions, slice: Slice): Strategy {
  switch (o.strategy) {
    case 'auto':
    case 'dfs':
      // a slice is searched by the reduced dfs below its prefix (auto's bounded companion only makes bugs come sooner)
      return o.cache
        ? new ReducedDfs({ prefix: slice.prefix })
        : new PrefixStrategy(slice.prefix, new DfsStrategy({ cache: false }));
    case 'bounded':
      return new PrefixStrategy(
        slice.prefix,
        new BoundedStrategy(o.preemptions, o.cache, { last: slice.last, used: slice.preemptions }),
      );
    default:
      throw new Error(`strategy ${o.strategy} cannot be split into slices (only ${SLICEABLE.join(', ')})`);
  }
}

/** What one slice's search gave: plain data, sent between threads and written to shard files. */
export interface SliceResult extends Omit<SearchResult, 'elapsedMs'> {
  readonly index: number;
}

export function searchSlice(m: Machine, o: SliceStrategyOptions, slice: Slice, budget: Budget): SliceResult {
  const { elapsedMs: _, ...r } = explore(m, sliceStrategy(o, slice), budget);
  return { index: slice.index, ...r };
}

/** A merge that cannot be done (a slice is missing); the message says which. */
export class MergeError extends Error {}

/**
 * Combines slice results in slice order into the result one search gives:
 * the first violating slice decides, and the counts are those of the slices
 * up to it. `maxExecutions` is applied to the running total in slice order,
 * so the cut falls at the same place whatever ran the slices.
 */
export function mergeSlices(
  results: readonly SliceResult[],
  sliceCount: number,
  o: { readonly strategy: string; readonly preemptions: number; readonly maxExecutions?: number },
  elapsedMs: number,
): SearchResult {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  let executions = 0;
  let steps = 0;
  let maxDepth = 0;
  let states: number | null = null;
  let stored: number | undefined;
  let cut: SearchResult['stoppedBy'] = null;
  const sum = (r: SliceResult) => {
    executions += r.executions;
    steps += r.steps;
    maxDepth = Math.max(maxDepth, r.maxDepth);
    if (r.states !== null) states = (states ?? 0) + r.states;
    if (r.storedStates !== undefined) stored = (stored ?? 0) + r.storedStates;
  };
  const done = (verdict: SearchVerdict, rest: Partial<SearchResult>): SearchResult => ({
    verdict,
    violation: null,
    schedule: null,
    executions,
    steps,
    maxDepth,
    states,
    ...(stored !== undefined ? { storedStates: stored } : {}),
    stoppedBy: null,
    elapsedMs,
    coverage: null,
    ...rest,
  });
  // slices searched to their end, and the slices cut short (by a limit or --max-steps)
  let full = 0;
  const cutSlices: number[] = [];
  const partial = () =>
    `${full} of ${sliceCount} slices searched in full${cutSlices.length > 0 ? `, ${cutSlices.length} cut short (slice ${cutSlices.join(', ')})` : ''}`;
  for (let i = 0; i < sliceCount; i++) {
    const r = byIndex.get(i);
    if (r === undefined) {
      // after a slice stopped by time, memory or an interrupt, the later ones were not started
      if (isLimitStop(cut)) return done('incomplete', { stoppedBy: cut, coverage: `${partial()}, the rest not started` });
      throw new MergeError(`slice ${i} of ${sliceCount} has no result`);
    }
    if (o.maxExecutions !== undefined && executions + r.executions > o.maxExecutions) {
      return done('incomplete', { stoppedBy: 'max-executions', coverage: `slices 0–${i - 1} of ${sliceCount} searched in full` });
    }
    sum(r);
    if (r.verdict === 'violated') return done('violated', { violation: r.violation, schedule: r.schedule });
    if (r.stoppedBy !== null && r.stoppedBy !== 'not-exhaustive') {
      cut ??= r.stoppedBy;
      cutSlices.push(i);
    } else {
      full++;
    }
  }
  if (cut !== null) return done('incomplete', { stoppedBy: cut, coverage: partial() });
  if (o.strategy === 'bounded') {
    return done('incomplete', { stoppedBy: 'not-exhaustive', coverage: `no violation with ≤ ${o.preemptions} preemptions` });
  }
  return done('holds', {});
}
