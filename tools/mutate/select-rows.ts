/**
 * Which rows a mutant runs against. A row whose search never executes a
 * line the mutant touches cannot tell the mutant from the real code: its
 * search is deterministic, and runs step for step as on the unmutated
 * sources until an execution reaches the mutated code. So, at statement
 * level (the default), a mutant runs against the rows whose full unmutated
 * search (the baseline, which decides each row's budget, each row in a
 * process of its own: runner.ts) ran one of its lines. At function level
 * (`--coverage function`), against every row that called its function in
 * a short sample of the row's search (coverage.ts): a sample can miss a row
 * that reaches the function later, so it is for comparison (`--plan`), not
 * for figures that count.
 *
 * Where the lines cannot decide, the rule falls back to the files: every
 * row whose scenario imports the mutant's file (nothing is left to a sample):
 *   - a mutant outside any function;
 *   - a row whose baseline search was cut (incomplete, or not its expected verdict);
 *   - a file with no line map (no source map, or changed since the coverage), or a
 *     mutant none of whose lines has generated code;
 *   - a mutant that touches a line run while the modules load (a table built at
 *     import time reaches every row).
 */
import { unpackLines } from './block-lines.ts';
import type { Mutant } from './operators.ts';
import type { Row } from './rows.ts';

export type CoverageLevel = 'statement' | 'function';

/** What the line coverage knows of one kernel source. */
export interface FileLines {
  /** the hash of the source's text the lines were taken on (row-keys.ts sha) */
  readonly hash: string;
  /** lines run while the modules were loaded, packed (block-lines.ts) */
  readonly load: string;
  /** lines some generated code comes from, packed */
  readonly mapped: string;
}

export interface StatementCoverage {
  /** per row: the lines of each kernel source its baseline search ran (packed); null: the search was cut */
  readonly rows: Readonly<Record<string, Readonly<Record<string, string>> | null>>;
  readonly files: Readonly<Record<string, FileLines>>;
}

export interface Selection {
  readonly rows: Row[];
  /** the rule that chose them: `statement`, `function` or `file`, with the reason for a wider one */
  readonly rule: string;
}

export interface SelectContext {
  readonly level: CoverageLevel;
  /** per row: `file:function` of every function its sample called (coverage.ts) */
  readonly functions: Readonly<Record<string, readonly string[]>>;
  readonly lines: StatementCoverage | null;
  /** the hash of a source's current text */
  readonly hashOf: (file: string) => string;
  /** does the row's scenario import the file (directly or not)? */
  readonly imports: (row: Row, file: string) => boolean;
}

const parsed = new Map<string, Set<number>>();
function lineSet(packed: string): Set<number> {
  let s = parsed.get(packed);
  if (!s) {
    s = unpackLines(packed);
    parsed.set(packed, s);
  }
  return s;
}

function callsFunction(ctx: SelectContext, row: Row, m: Mutant): boolean {
  const key = `${m.file}:${m.fn}`;
  return (ctx.functions[row.id] ?? []).some((f) => f === key);
}

/** The rows a mutant runs against, in table order. */
export function selectRows(m: Mutant, rows: readonly Row[], ctx: SelectContext): Selection {
  const byFile = (why: string) => ({ rows: rows.filter((r) => ctx.imports(r, m.file)), rule: why });
  if (ctx.level === 'function') {
    if (m.fn === '')
      return { rows: rows.filter((r) => (ctx.functions[r.id] ?? []).some((f) => f.startsWith(`${m.file}:`))), rule: 'file' };
    return { rows: rows.filter((r) => callsFunction(ctx, r, m)), rule: 'function' };
  }
  if (m.fn === '') return byFile('file (outside any function)');
  if (ctx.lines === null) return byFile('file (no line coverage)');
  const file = ctx.lines.files[m.file];
  if (!file || file.hash !== ctx.hashOf(m.file)) return byFile('file (no line map of the file)');
  const mapped = lineSet(file.mapped);
  if (!m.lines.some((l) => mapped.has(l))) return byFile('file (no generated code on its lines)');
  const load = lineSet(file.load);
  if (m.lines.some((l) => load.has(l))) return byFile('file (a line run while loading)');
  let cut = 0;
  const chosen = rows.filter((r) => {
    const ran = ctx.lines?.rows[r.id];
    if (ran === null || ran === undefined || ran[m.file] === '?') {
      const take = ctx.imports(r, m.file);
      if (take) cut++;
      return take;
    }
    const packed = ran[m.file];
    if (packed === undefined) return false;
    const set = lineSet(packed);
    return m.lines.some((l) => set.has(l));
  });
  return { rows: chosen, rule: cut > 0 ? `statement (${cut} by file: their search was cut)` : 'statement' };
}
