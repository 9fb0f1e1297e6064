/**
 * The kept results of a mutation run (mutate-out/results.json), and when one
 * is reused instead of running the mutant again:
 *   - never, when the function the mutant changes is no longer the same text
 *     (its outermost function's hash), or with --fresh;
 *   - a kill (or crash) stands while the row that caught it is still in the
 *     table;
 *   - for a mutant not caught, the rows it already ran and that gave their
 *     expected verdict are not run again while each row's sources are the
 *     same (its key, row-keys.ts): rows new to it (a row added, or one whose
 *     coverage now reaches the mutated code), rows whose scenario,
 *     invariants or engine changed, and rows that were cut under another
 *     budget or a smaller wall-clock guard run again.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export type Outcome = 'killed' | 'crashed' | 'survived' | 'undecided' | 'unreached' | 'no-compile';
export type RowOutcome = 'as-expected' | 'undecided';

export interface Result {
  readonly id: string;
  readonly file: string;
  readonly operator: string;
  readonly line: number;
  readonly fn: string;
  readonly what: string;
  readonly snippet: string;
  /** the hash of the outermost function around the mutation, as it was when the mutant ran */
  readonly contextHash: string;
  readonly outcome: Outcome;
  /** the row that caught it (and the error of a crash) */
  readonly by: string | null;
  /** for a mutant not caught: every row it ran, with the row's outcome */
  readonly ran: Readonly<Record<string, RowOutcome>>;
  /** the key of each row's sources (row-keys.ts) when it ran: a row whose sources changed since runs again */
  readonly ranKeys?: Readonly<Record<string, string>>;
  /** the wall-clock guard per row it ran under, in seconds */
  readonly maxTimeS: number;
  /** the budget it ran under, as said in the report (`4 × each row's executions`); absent: wall clock only */
  readonly budget?: string;
  /** the compiler accepted the mutated file (checked before its rows ran); absent in results kept from before that check */
  readonly compiles?: boolean;
}

export function loadResults(file: string): Map<string, Result> {
  if (!existsSync(file)) return new Map();
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Result[];
  // results of the earlier format (keyed by line number) have no context hash: they are run again; so are
  // the "crashes" an earlier version recorded when its runner was killed from outside (no outcome at all)
  return new Map(
    raw
      .filter((r) => typeof r.contextHash === 'string' && r.ran !== undefined)
      .filter((r) => !(r.outcome === 'crashed' && r.by === 'the runner died'))
      .map((r) => [r.id, r]),
  );
}

export function saveResults(file: string, results: ReadonlyMap<string, Result>): void {
  const sorted = [...results.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  writeFileSync(`${file}.tmp`, `${JSON.stringify(sorted, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * What is left to do for a mutant given its kept result: nothing (the result stands), or the rows to
 * run. `rowKey` gives each row's key now: a row the mutant ran is carried only while its key is the
 * one it ran under (its scenario, an invariant it checks or the engine unchanged).
 */
export function pending(
  kept: Result | undefined,
  contextHash: string,
  rowIds: readonly string[],
  maxTimeS: number,
  budget: string,
  rowKey: (id: string) => string,
  judged = false,
): { reuse: true } | { reuse: false; rows: string[]; carried: Record<string, RowOutcome> } {
  if (!kept || kept.contextHash !== contextHash) return { reuse: false, rows: [...rowIds], carried: {} };
  if (kept.outcome === 'no-compile') return { reuse: true };
  // a survivor judged equivalent (equivalent.json) that has survived its code once is not run again on
  // rows added or changed since: its share is decided by the judgement (--recheck-judged runs it again)
  if (judged && (kept.outcome === 'survived' || kept.outcome === 'undecided')) return { reuse: true };
  if (kept.outcome === 'killed' || kept.outcome === 'crashed') {
    const row = kept.by?.split(': ')[0] ?? '';
    if (kept.outcome === 'crashed' || rowIds.includes(row)) return { reuse: true };
    return { reuse: false, rows: [...rowIds], carried: {} };
  }
  const carried: Record<string, RowOutcome> = {};
  const rows: string[] = [];
  for (const id of rowIds) {
    const had = kept.ran[id];
    const same = kept.ranKeys?.[id] === rowKey(id);
    if (same && (had === 'as-expected' || (had === 'undecided' && kept.budget === budget && maxTimeS <= kept.maxTimeS)))
      carried[id] = had;
    else rows.push(id);
  }
  return rows.length === 0 ? { reuse: true } : { reuse: false, rows, carried };
}

/** Folds results kept elsewhere into `into`: for one mutant, the result of the current code wins, then the one that ran more rows. */
export function merge(
  into: Map<string, Result>,
  other: ReadonlyMap<string, Result>,
  contextHashOf: (id: string) => string | undefined,
): void {
  for (const [id, r] of other) {
    const had = into.get(id);
    const current = contextHashOf(id);
    const score = (x: Result) =>
      (x.contextHash === current ? 1000000 : 0) +
      (x.outcome === 'killed' || x.outcome === 'crashed' ? 100000 : 0) +
      Object.keys(x.ran).length;
    if (!had || score(r) > score(had)) into.set(id, r);
  }
}
