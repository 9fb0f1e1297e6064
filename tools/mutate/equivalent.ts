/**
 * The survivors judged equivalent, in tools/mutate/equivalent.json. An entry
 * names its mutant by what survives edits of the file: the file, the
 * function, the operator and a piece of the mutated statement's text (line
 * numbers move; those do not while the code they describe is the same). An
 * entry that matches no mutant any more is stale and is reported, so a
 * reason is never silently kept for code that changed.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Mutant } from './operators.ts';

export interface Equivalence {
  readonly file: string;
  readonly fn: string;
  readonly operator: string;
  /** a piece of the mutated statement's text (whitespace collapsed to single spaces) */
  readonly snippet: string;
  /** why no behaviour a kernel could show changes, in one line */
  readonly reason: string;
  /**
   * `equivalent` (the default): the mutant behaves as the original on every
   * path the model has. `bug-variant`: the code runs only in a variant that
   * puts a known bug back (its rows expect the violation): a second bug there
   * cannot change a verdict the first already decides, so no table can catch
   * it; counted apart, outside the share.
   */
  readonly kind?: 'equivalent' | 'bug-variant';
}

export function loadEquivalences(file: string): Equivalence[] {
  if (!existsSync(file)) return [];
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array of {file, fn, operator, snippet, reason}`);
  return raw.map((e, i) => {
    for (const k of ['file', 'fn', 'operator', 'snippet', 'reason'] as const) {
      if (typeof (e as Record<string, unknown>)?.[k] !== 'string' || (e as Record<string, string>)[k] === '') {
        throw new Error(`${file}: entry ${i} has no ${k}`);
      }
    }
    const kind = (e as Record<string, unknown>).kind;
    if (kind !== undefined && kind !== 'equivalent' && kind !== 'bug-variant') {
      throw new Error(`${file}: entry ${i} has kind ${String(kind)} (equivalent or bug-variant)`);
    }
    return e as Equivalence;
  });
}

export function matches(e: Equivalence, m: Pick<Mutant, 'file' | 'fn' | 'operator' | 'snippet'>): boolean {
  return e.file === m.file && e.fn === m.fn && e.operator === m.operator && m.snippet.includes(e.snippet);
}

/** The entry judging each mutant (by id), and the entries that match no mutant. */
export function judge(
  entries: readonly Equivalence[],
  mutants: readonly Pick<Mutant, 'id' | 'file' | 'fn' | 'operator' | 'snippet'>[],
): { reasons: Map<string, Equivalence>; stale: Equivalence[] } {
  const reasons = new Map<string, Equivalence>();
  const stale: Equivalence[] = [];
  for (const e of entries) {
    const hit = mutants.filter((m) => matches(e, m));
    if (hit.length === 0) stale.push(e);
    for (const m of hit) reasons.set(m.id, e);
  }
  return { reasons, stale };
}
