/**
 * `npm run mutate`: mutation testing of the kernel models. Each mutant
 * (operators.ts: a realistic concurrency bug put into one model source) is
 * run against the expectation rows whose search executes a line it changes
 * (select-rows.ts: the lines each row's unmutated search ran, line-coverage.ts;
 * `--coverage function`: the rows that call the function it changes,
 * coverage.ts), on a copy of the sources; it is
 *   killed     when some row's verdict differs from the row's expectation,
 *   crashed    when the model throws (the table fails too: caught),
 *   survived   when every row still gives its expected verdict,
 *   undecided  when no row differs but some search was cut by its budget (or the
 *              runner ran out of memory on a row: the reason is kept),
 *   unreached  when no row runs the changed code (a gap in the table),
 *   no-compile when the compiler refuses the mutated file (typecheck.ts): no
 *              program of the project, counted apart from the share.
 * A runner killed from outside gives no outcome (judge-run.ts): nothing is
 * kept for the mutant and the run stops with status 3.
 * Survivors judged equivalent (no behaviour a kernel could show changes)
 * are listed in tools/mutate/equivalent.json with a one-line reason
 * (equivalent.ts). Results are kept in mutate-out/results.json (results.ts
 * says when one is reused), so a long run goes in batches, and batches run
 * elsewhere (`--results OTHER.json`) are folded in with `--merge`:
 *
 *   npm run mutate -- [--file PART] [--fn NAME[,NAME…]] [--operator OP] [--slice K/N] [--limit N] [--budget F]
 *                     [--max-time-per-row S] [--results FILE] [--fresh] [--coverage statement|function]
 *                     [--report | --list | --plan]
 *
 * `--plan`: each selected mutant with the rows it would run at function and
 * at statement level (and the executions those rows take unmutated); nothing runs.
 *
 * Budget: each row's search under a mutant is cut after F (default 4) times
 * the executions the row's unmutated search takes (mutate-out/baseline.json,
 * measured once per state of each row's sources, row-keys.ts), so a verdict does not depend on
 * how busy the machine is; the wall clock (--max-time-per-row, default 600 s)
 * is only a guard. `--budget 0` cuts by the wall clock alone.
 *   npm run mutate -- --merge A.json B.json …
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API } from 'typescript/unstable/sync';
import { packLines, unpackLines } from './block-lines.ts';
import { rowCoverage } from './coverage.ts';
import { type Equivalence, judge, loadEquivalences } from './equivalent.ts';
import { judgeRun, type RunJudgement } from './judge-run.ts';
import { applyMutant, type Mutant, mutantsOf, OPERATORS } from './operators.ts';
import { loadResults, merge, type Outcome, pending, type Result, saveResults } from './results.ts';
import { scenarioFiles, scenarioKeys, sha, sourceFiles } from './row-keys.ts';
import { type Row, tableRows } from './rows.ts';
import { type RunnerResult, runRows, runRowsApart } from './runner.ts';
import { type CoverageLevel, type FileLines, type SelectContext, type StatementCoverage, selectRows } from './select-rows.ts';
import { MutantTypeCheck } from './typecheck.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const OUT = join(ROOT, 'mutate-out');
const COVERAGE = join(OUT, 'coverage.json');
const BASELINE = join(OUT, 'baseline.json');
const LINES = join(OUT, 'lines.json');
const EQUIVALENT = join(ROOT, 'tools/mutate/equivalent.json');

interface Options {
  file?: string;
  /** only the mutants in these functions (their outermost function's name, as the report prints it) */
  fns?: string[];
  operator?: string;
  slice?: { k: number; n: number };
  limit: number;
  maxTimeS: number;
  /** each row's search is cut at this many times the executions its unmutated search takes (0: wall clock only) */
  budgetFactor: number;
  report: boolean;
  list: boolean;
  plan: boolean;
  coverage: CoverageLevel;
  fresh: boolean;
  /** run the survivors judged equivalent again on rows added or changed since they last ran */
  recheckJudged: boolean;
  results: string;
  merge: string[];
}

function args(): Options {
  const a = process.argv.slice(2);
  const known = new Set([
    '--file',
    '--fn',
    '--operator',
    '--slice',
    '--limit',
    '--max-time-per-row',
    '--budget',
    '--results',
    '--merge',
    '--coverage',
  ]);
  const flags = new Set(['--report', '--fresh', '--list', '--plan', '--recheck-judged']);
  const val = (k: string) => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    if (flags.has(x)) continue;
    if (known.has(x) && x !== '--merge') {
      i++;
      continue;
    }
    if (x === '--merge') {
      while (a[i + 1] !== undefined && !(a[i + 1] as string).startsWith('--')) i++;
      continue;
    }
    throw new Error(`unknown option ${x}`);
  }
  const op = val('--operator');
  if (op !== undefined && !(OPERATORS as readonly string[]).includes(op)) {
    throw new Error(`--operator takes one of ${OPERATORS.join(', ')}`);
  }
  const level = val('--coverage') ?? 'statement';
  if (level !== 'statement' && level !== 'function') throw new Error('--coverage takes statement or function');
  const sl = val('--slice');
  let slice: Options['slice'];
  if (sl !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(sl);
    const k = Number(m?.[1]);
    const n = Number(m?.[2]);
    if (!m || n < 1 || k < 1 || k > n) throw new Error('--slice takes K/N with 1 <= K <= N (the K-th of N interleaved slices)');
    slice = { k, n };
  }
  const mi = a.indexOf('--merge');
  const mergeFiles: string[] = [];
  if (mi >= 0)
    for (let i = mi + 1; a[i] !== undefined && !(a[i] as string).startsWith('--'); i++) mergeFiles.push(a[i] as string);
  return {
    ...(val('--file') !== undefined ? { file: val('--file') as string } : {}),
    ...(val('--fn') !== undefined ? { fns: (val('--fn') as string).split(',') } : {}),
    ...(op !== undefined ? { operator: op } : {}),
    ...(slice ? { slice } : {}),
    limit: Number(val('--limit') ?? Number.POSITIVE_INFINITY),
    budgetFactor: Number(val('--budget') ?? 4),
    maxTimeS: Number(val('--max-time-per-row') ?? (Number(val('--budget') ?? 4) > 0 ? 600 : 30)),
    report: a.includes('--report'),
    list: a.includes('--list'),
    plan: a.includes('--plan'),
    coverage: level,
    fresh: a.includes('--fresh'),
    recheckJudged: a.includes('--recheck-judged'),
    results: resolve(val('--results') ?? join(OUT, 'results.json')),
    merge: mergeFiles.map((f) => resolve(f)),
  };
}

/** Is there a process with this id (a run that still owns its copy of the sources)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The checkers, not the model: invariants and the transition oracle (a mutant there weakens the test, not the kernel). */
const CHECKERS = /(^|\/)(invariants|ptrace-invariants|signal-invariants|consts|bits|kernel-assert)\.ts$|\/oracle\//;

/** Every mutant of the model sources (src/kernel), parsed by the TypeScript compiler. */
function allMutants(): Mutant[] {
  const api = new API({ cwd: ROOT });
  try {
    const project = api.updateSnapshot({ openProject: join(ROOT, 'tsconfig.json') }).getProjects()[0];
    if (!project) throw new Error('tsconfig.json gives no project');
    return sourceFiles(join(ROOT, 'src/kernel'))
      .filter((abs) => !CHECKERS.test(relative(ROOT, abs)))
      .flatMap((abs) => {
        const sf = project.program.getSourceFile(abs);
        if (!sf) throw new Error(`${abs} is not in the project`);
        return mutantsOf(sf, relative(ROOT, abs));
      });
  } finally {
    api.close();
  }
}

/** A file of per-row values, each kept with the key of the sources it was computed on (row-keys.ts). */
type PerRow<T> = Record<string, { readonly key: string; readonly value: T }>;

function loadPerRow<T>(file: string): PerRow<T> {
  if (!existsSync(file)) return {};
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { perRow?: PerRow<T> };
  // an earlier format (one key for the whole table) is dropped: every row is computed again
  return raw.perRow ?? {};
}

/** The rows whose kept value is missing or was computed on other sources. */
function stale<T>(kept: PerRow<T>, rows: readonly Row[], keyOf: (r: Row) => string): Row[] {
  return rows.filter((r) => kept[r.id]?.key !== keyOf(r));
}

/** Coverage of the rows; a row's is computed again when its sources changed (row-keys.ts). */
async function coverage(rows: readonly Row[], keyOf: (r: Row) => string): Promise<Record<string, string[]>> {
  const kept = loadPerRow<string[]>(COVERAGE);
  const todo = stale(kept, rows, keyOf);
  if (todo.length > 0) {
    process.stderr.write(`coverage: ${todo.length} of the ${rows.length} rows\n`);
    const fresh = await rowCoverage(todo, ROOT, (s) => process.stderr.write(`${s}\n`));
    for (const r of todo) kept[r.id] = { key: keyOf(r), value: fresh[r.id] ?? [] };
    writeFileSync(COVERAGE, `${JSON.stringify({ perRow: kept })}\n`);
  }
  return Object.fromEntries(rows.map((r) => [r.id, kept[r.id]?.value ?? []]));
}

/** The lines kept per row (null: the row's search was cut) and per kernel source (select-rows.ts). */
interface LinesFile {
  perRow: PerRow<Record<string, string> | null>;
  files: Record<string, FileLines>;
}

function loadLines(): LinesFile {
  if (!existsSync(LINES)) return { perRow: {}, files: {} };
  const raw = JSON.parse(readFileSync(LINES, 'utf8')) as Partial<LinesFile>;
  return { perRow: raw.perRow ?? {}, files: raw.files ?? {} };
}

/**
 * Each row's unmutated search, run in full once per state of the row's sources (row-keys.ts):
 *   - the executions it takes (mutate-out/baseline.json), which fix the row's budget under a mutant;
 *     absent: the row does not give its expected verdict unmutated within the wall-clock guard, and
 *     is cut by the wall clock alone;
 *   - with `withLines`, the lines of src/kernel it ran (mutate-out/lines.json, line-coverage.ts):
 *     null for a row whose search was cut, which then runs every mutant of the files its scenario imports.
 */
async function baseline(
  tree: string,
  rows: readonly Row[],
  keyOf: (r: Row) => string,
  maxTimeS: number,
  withLines: boolean,
): Promise<{ executions: Record<string, number>; lines: StatementCoverage | null }> {
  const kept = loadPerRow<number | null>(BASELINE);
  const lines = loadLines();
  const todo = rows.filter((r) => kept[r.id]?.key !== keyOf(r) || (withLines && lines.perRow[r.id]?.key !== keyOf(r)));
  if (todo.length > 0) {
    process.stderr.write(
      `baseline: ${todo.length} of the ${rows.length} rows on the unmutated sources${withLines ? ', each in a process of its own, with the lines it runs' : ''}\n`,
    );
    let measured = 0;
    const keep = (row: Row, run: RunnerResult) => {
      const l = run.lines.find((x) => x.id === row.id);
      if (!l) return;
      measured++;
      const ok = l.outcome === 'as-expected' && typeof l.executions === 'number';
      const key = keyOf(row);
      // a search slowed by the counting past the wall clock keeps the executions measured without it
      const had = kept[l.id];
      if (ok || had?.key !== key || typeof had.value !== 'number') {
        if (!ok) process.stderr.write(`baseline: ${l.id} gives ${l.verdict} unmutated: cut by the wall clock only\n`);
        kept[l.id] = { key, value: ok ? (l.executions as number) : null };
      }
      if (withLines) {
        if (!ok)
          process.stderr.write(
            `coverage: ${l.id}: its search was cut (${l.verdict}): every row of its scenario's files for it\n`,
          );
        lines.perRow[l.id] = { key, value: ok ? (l.lines ?? {}) : null };
        // what loading runs is the same in every runner; the union is kept (a line too many costs rows, never soundness)
        for (const [file, mapped] of Object.entries(run.load?.mapped ?? {})) {
          const hash = sha(readFileSync(join(tree, file), 'utf8'));
          const had = lines.files[file];
          const load = run.load?.load[file] ?? '';
          lines.files[file] = {
            hash,
            load: had?.hash === hash ? packLines([...unpackLines(had.load), ...unpackLines(load)]) : load,
            mapped,
          };
        }
      }
      // the rows measured are kept as they end: a stopped run measures only the rest next time
      writeFileSync(BASELINE, `${JSON.stringify({ perRow: kept })}\n`);
      if (withLines) writeFileSync(LINES, `${JSON.stringify(lines)}\n`);
    };
    const runs = withLines
      ? await runRowsApart(ROOT, tree, todo, maxTimeS, 'lines', keep)
      : [runRows(ROOT, tree, todo, maxTimeS, 'all')];
    if (!withLines) for (const row of todo) keep(row, runs[0] as RunnerResult);
    const died = runs.find((r) => r.died !== null);
    if (died || measured < todo.length) {
      throw new Error(
        `baseline: the runner stopped after ${measured} of ${todo.length} rows (${died?.died ?? died?.exit.stderr.trim().split('\n')[0] ?? 'no line for a row'})`,
      );
    }
  }
  const executions: Record<string, number> = {};
  for (const r of rows) {
    const n = kept[r.id]?.value;
    if (typeof n === 'number') executions[r.id] = n;
  }
  if (!withLines) return { executions, lines: null };
  const perRow: Record<string, Record<string, string> | null> = {};
  for (const r of rows) perRow[r.id] = lines.perRow[r.id]?.value ?? null;
  const cut = rows.filter((r) => perRow[r.id] === null);
  if (cut.length > 0)
    process.stderr.write(
      `coverage: ${cut.length} rows go by file (their unmutated search was cut): ${cut.map((r) => r.id).join('; ')}\n`,
    );
  return { executions, lines: { rows: perRow, files: lines.files } };
}

/**
 * `--plan`: per mutant, the rows it runs at function level and at statement level, and the executions
 * those rows take unmutated (what a survivor costs), with the totals; for a kept kill of its present
 * code, whether statement level still runs the row that caught it (it must: a row that never reaches
 * the mutated code cannot catch it).
 */
function plan(
  mutants: readonly Mutant[],
  rows: readonly Row[],
  ctx: SelectContext,
  executions: Readonly<Record<string, number>>,
  results: ReadonlyMap<string, Result>,
): string {
  const cost = (rs: readonly Row[]) => rs.reduce((a, r) => a + (executions[r.id] ?? 0), 0);
  const out = [
    'mutant\tfunction-level rows\tstatement-level rows\tfunction-level executions\tstatement-level executions\trule\tkept result',
  ];
  const total = { f: 0, s: 0, fx: 0, sx: 0, wider: 0, kills: 0, killsLeftOut: 0 };
  for (const m of mutants) {
    const f = selectRows(m, rows, { ...ctx, level: 'function' }).rows;
    const s = selectRows(m, rows, { ...ctx, level: 'statement' });
    const extra = s.rows.filter((r) => !f.includes(r)).length;
    if (extra > 0) total.wider++;
    total.f += f.length;
    total.s += s.rows.length;
    total.fx += cost(f);
    total.sx += cost(s.rows);
    const r = results.get(m.id);
    let kept = '';
    if (r && r.contextHash === sha(m.context)) {
      kept = r.outcome;
      const by = r.by?.split(': ')[0];
      // a kill by a row no longer in the table does not stand (results.ts): the mutant runs again
      if (r.outcome === 'killed' && by !== undefined && rows.some((x) => x.id === by)) {
        const chosen = s.rows.some((x) => x.id === by);
        total.kills++;
        if (!chosen) total.killsLeftOut++;
        kept = `killed by ${by} (${chosen ? 'chosen' : 'LEFT OUT'})`;
      }
    }
    out.push(
      `${m.file}:${m.line} ${m.operator} in ${m.fn || '(top level)'}\t${f.length}\t${s.rows.length}\t${cost(f)}\t${cost(s.rows)}\t${s.rule}${extra > 0 ? ` (${extra} rows the function sample missed)` : ''}\t${kept}`,
    );
  }
  out.push(
    `total (${mutants.length} mutants)\t${total.f}\t${total.s}\t${total.fx}\t${total.sx}\t${total.wider} mutants with rows the function sample missed\t${total.kills - total.killsLeftOut} of ${total.kills} kept kills by a row statement level chooses`,
  );
  return `${out.join('\n')}\n`;
}

function report(
  mutants: readonly Mutant[],
  results: ReadonlyMap<string, Result>,
  judged: ReadonlyMap<string, Equivalence>,
  stale: readonly Equivalence[],
): string {
  const byFile = new Map<string, Result[]>();
  const notRunIn = new Map<string, number>();
  let notRun = 0;
  for (const m of mutants) {
    const r = results.get(m.id);
    if (!r || r.contextHash !== sha(m.context)) {
      notRun++;
      notRunIn.set(m.file, (notRunIn.get(m.file) ?? 0) + 1);
      if (!byFile.has(m.file)) byFile.set(m.file, []);
      continue;
    }
    byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  }
  const out: string[] = [];
  const head = [
    'file',
    'mutants',
    'killed',
    'crashed',
    'survived',
    'equivalent',
    'bug-variant',
    'undecided',
    'unreached',
    'no-compile',
    'no result',
  ];
  const rowsOut: string[][] = [];
  const total = {
    n: 0,
    killed: 0,
    crashed: 0,
    survived: 0,
    equivalent: 0,
    bugVariant: 0,
    undecided: 0,
    unreached: 0,
    noCompile: 0,
    notRun: 0,
  };
  // a kill counts as a kill even where an entry says otherwise (the entry is then wrong: it is listed below);
  // a mutant the compiler refuses is no program: it counts apart, whatever an entry says
  const kindOf = (r: Result) =>
    r.outcome === 'killed' || r.outcome === 'crashed' || r.outcome === 'no-compile'
      ? undefined
      : (judged.get(r.id)?.kind ?? (judged.has(r.id) ? 'equivalent' : undefined));
  for (const [file, rs] of [...byFile].sort()) {
    const c = (o: Outcome) => rs.filter((r) => r.outcome === o && kindOf(r) === undefined).length;
    const line = {
      n: rs.length + (notRunIn.get(file) ?? 0),
      killed: c('killed'),
      crashed: c('crashed'),
      survived: c('survived'),
      equivalent: rs.filter((r) => kindOf(r) === 'equivalent').length,
      bugVariant: rs.filter((r) => kindOf(r) === 'bug-variant').length,
      undecided: c('undecided'),
      unreached: c('unreached'),
      noCompile: c('no-compile'),
      notRun: notRunIn.get(file) ?? 0,
    };
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += line[k];
    rowsOut.push([file, ...Object.values(line).map(String)]);
  }
  rowsOut.push(['total', ...Object.values(total).map(String)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rowsOut.map((r) => (r[i] as string).length)));
  const fmt = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  out.push(fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rowsOut.map(fmt));
  const counted = total.n - total.notRun - total.equivalent - total.bugVariant - total.noCompile;
  const caught = total.killed + total.crashed;
  out.push('');
  out.push(
    `killed ${caught} of ${counted} non-equivalent mutants with a result (${counted > 0 ? ((100 * caught) / counted).toFixed(1) : '-'}%); ${total.equivalent} judged equivalent and ${total.bugVariant} in code only a known-buggy variant runs (tools/mutate/equivalent.json), ${total.noCompile} the compiler refuses: left out of the share`,
  );
  if (notRun > 0) out.push(`${notRun} of the ${mutants.length} mutants selected have no result for their current code yet`);
  const all = [...byFile.values()].flat();
  const open = all.filter(
    (r) => (r.outcome === 'survived' || r.outcome === 'unreached' || r.outcome === 'undecided') && !judged.has(r.id),
  );
  if (open.length > 0) {
    out.push('', 'not caught (and not judged equivalent):');
    for (const r of open)
      out.push(`  ${r.outcome.padEnd(9)} ${r.file}:${r.line} ${r.operator} in ${r.fn || '(top level)'}: ${r.what}`);
  }
  const wrong = all.filter((r) => (r.outcome === 'killed' || r.outcome === 'crashed') && judged.has(r.id));
  if (wrong.length > 0) {
    out.push('', 'judged equivalent but caught (the entry is wrong):');
    for (const r of wrong) out.push(`  ${r.file}:${r.line} ${r.operator} in ${r.fn}: ${r.by ?? ''}`);
  }
  if (stale.length > 0) {
    out.push('', 'equivalence entries that match no mutant (stale: the code changed):');
    for (const e of stale) out.push(`  ${e.file} ${e.fn} ${e.operator}: ${e.snippet}`);
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const o = args();
  mkdirSync(OUT, { recursive: true });
  const results = loadResults(o.results);
  // the tree the mutants are written into, copied before the sources are parsed: edits made to the
  // sources while a run goes on do not reach it (the run goes on with the code it started with)
  const tree = join(OUT, `tree-${process.pid}`);
  const runs = !o.report && !o.list && o.merge.length === 0;
  if (runs) {
    // the copies left by runs that were stopped (their results are saved after each mutant): a signal
    // handler would never run while a mutant runs (spawnSync holds the event loop), so they go here
    for (const d of readdirSync(OUT)) {
      const pid = /^tree-(\d+)$/.exec(d)?.[1];
      if (pid !== undefined && !alive(Number(pid))) rmSync(join(OUT, d), { recursive: true, force: true });
    }
    mkdirSync(tree, { recursive: true });
    cpSync(join(ROOT, 'src'), join(tree, 'src'), { recursive: true });
    cpSync(join(ROOT, 'schema'), join(tree, 'schema'), { recursive: true });
  }
  let check: MutantTypeCheck | undefined;
  try {
    const every = allMutants();
    const { reasons, stale } = judge(loadEquivalences(EQUIVALENT), every);
    let mutants = every.filter(
      (m) =>
        (o.file === undefined || m.file.includes(o.file)) &&
        (o.fns === undefined || o.fns.includes(m.fn)) &&
        (o.operator === undefined || m.operator === o.operator),
    );
    if (o.slice) {
      const { k, n } = o.slice;
      mutants = mutants.filter((_, i) => i % n === k - 1);
    }
    // --fresh: the selected mutants run again from nothing (the others' results are kept)
    if (o.fresh && runs && !o.plan) for (const m of mutants) results.delete(m.id);
    if (o.merge.length > 0) {
      const ctx = new Map(every.map((m) => [m.id, sha(m.context)]));
      for (const f of o.merge) merge(results, loadResults(f), (id) => ctx.get(id));
      saveResults(o.results, results);
    }
    if (o.list) {
      for (const m of mutants) {
        const r = results.get(m.id);
        const state = r && r.contextHash === sha(m.context) ? r.outcome : 'not run';
        process.stdout.write(`${m.file}:${m.line}\t${state}${reasons.has(m.id) ? ' (equivalent)' : ''}\t${m.id}\n`);
      }
      return;
    }
    if (!runs) {
      process.stdout.write(report(mutants, results, reasons, stale));
      return;
    }
    for (const m of new Set(mutants.map((x) => x.file))) {
      if (readFileSync(join(tree, m), 'utf8') !== readFileSync(join(ROOT, m), 'utf8')) {
        throw new Error(`${m} changed while the run started: start it again`);
      }
    }
    const table = (await tableRows()).filter((r) => !r.long);
    const keyOfScenario = scenarioKeys(tree);
    const keyOf = (r: Row) => keyOfScenario(r.scenario);
    // the function sample is only for `--coverage function` and the comparison of `--plan`
    const cov = o.coverage === 'function' || o.plan ? await coverage(table, keyOf) : {};
    // at statement level every row's full search runs unmutated once (its lines), which also gives its budget
    const statement = o.coverage === 'statement' || o.plan;
    const { executions: base, lines } =
      o.budgetFactor > 0 || statement
        ? await baseline(tree, table, keyOf, o.maxTimeS, statement)
        : { executions: {} as Record<string, number>, lines: null };
    const importsOf = scenarioFiles(tree);
    const hashes = new Map<string, string>();
    const select: SelectContext = {
      level: o.coverage,
      functions: cov,
      lines,
      hashOf: (f) => {
        let h = hashes.get(f);
        if (h === undefined) {
          h = sha(readFileSync(join(tree, f), 'utf8'));
          hashes.set(f, h);
        }
        return h;
      },
      imports: (r, f) => importsOf(r.scenario).has(f),
    };
    if (o.plan) {
      process.stdout.write(plan(mutants, table, select, base, results));
      return;
    }
    const rows: Row[] = table.map((r) => {
      const n = base[r.id];
      // `--budget 0`: the wall clock alone (the baseline may still have run, for its lines)
      return n === undefined || o.budgetFactor <= 0 ? r : { ...r, maxExecutions: Math.max(1000, Math.ceil(o.budgetFactor * n)) };
    });
    const budget = o.budgetFactor > 0 ? `${o.budgetFactor} × each row's executions` : 'wall clock';
    const keyOfId = new Map(rows.map((r) => [r.id, keyOf(r)]));
    check = new MutantTypeCheck(tree, ROOT);
    let ran = 0;
    let interrupted = false;
    // the mutants nobody has judged first: a survivor judged equivalent is run only to confirm the judgement,
    // and a campaign stopped at its time limit should have spent it on the open ones
    const order = [...mutants.filter((m) => !reasons.has(m.id)), ...mutants.filter((m) => reasons.has(m.id))];
    for (const m of order) {
      // the cheap rows first (fewest executions unmutated, then one CPU before two): most mutants fall to the first
      const { rows: chosen, rule } = selectRows(m, rows, select);
      const cost = (r: Row) => base[r.id] ?? Number.POSITIVE_INFINITY;
      const mine = chosen.sort((a, b) => cost(a) - cost(b) || a.cpus - b.cpus);
      const contextHash = sha(m.context);
      const kept = results.get(m.id);
      if (kept && kept.contextHash === contextHash && kept.outcome !== 'no-compile' && kept.compiles !== true) {
        // a result kept from before mutants were compiled first: the compiler's word on it now
        const errors = check.mutantErrors(m);
        results.set(
          m.id,
          errors.length > 0 ? { ...kept, outcome: 'no-compile', by: errors[0] as string, ran: {} } : { ...kept, compiles: true },
        );
        saveResults(o.results, results);
      }
      const todo = pending(
        results.get(m.id),
        contextHash,
        mine.map((r) => r.id),
        o.maxTimeS,
        budget,
        (id) => keyOfId.get(id) ?? '',
        reasons.has(m.id) && !o.recheckJudged,
      );
      if (todo.reuse) continue;
      if (ran >= o.limit) break;
      ran++;
      const t0 = Date.now();
      const run = runMutant(
        tree,
        check,
        m,
        mine.filter((r) => todo.rows.includes(r.id)),
        o.maxTimeS,
      );
      if (run.kind === 'interrupted') {
        // nothing is kept for this mutant: the next run starts it again
        process.stderr.write(`stopped at ${m.file}:${m.line} ${m.operator} in ${m.fn}: ${run.reason}; no result kept for it\n`);
        interrupted = true;
        break;
      }
      const all = { ...todo.carried, ...run.ran };
      const decided = run.outcome !== 'survived' && run.outcome !== 'undecided';
      const outcome: Outcome = decided ? run.outcome : Object.values(all).includes('undecided') ? 'undecided' : 'survived';
      const r: Result = {
        id: m.id,
        file: m.file,
        operator: m.operator,
        line: m.line,
        fn: m.fn,
        what: m.what,
        snippet: m.snippet,
        contextHash,
        outcome,
        by: run.by,
        ran: outcome === 'killed' || outcome === 'crashed' || outcome === 'no-compile' ? {} : all,
        ranKeys: Object.fromEntries(Object.keys(all).map((id) => [id, keyOfId.get(id) ?? ''])),
        maxTimeS: o.maxTimeS,
        budget,
        compiles: outcome !== 'no-compile',
      };
      results.set(m.id, r);
      saveResults(o.results, results);
      process.stderr.write(
        `${r.outcome.padEnd(9)} ${m.file}:${m.line} ${m.operator} in ${m.fn} (${Object.keys(run.ran).length} of ${mine.length} rows run, chosen by ${rule}, ${((Date.now() - t0) / 1000).toFixed(1)} s)${run.by ? ` by ${run.by}` : ''}\n`,
      );
    }
    process.stdout.write(report(mutants, results, reasons, stale));
    if (interrupted) process.exitCode = 3;
  } finally {
    check?.close();
    if (runs) rmSync(tree, { recursive: true, force: true });
  }
}

/**
 * Runs one mutant against rows on the copy of the sources: first the compiler's check of the mutated
 * file (a mutant it refuses does not run), then the rows (judge-run.ts says what their run means).
 */
function runMutant(tree: string, check: MutantTypeCheck, m: Mutant, rows: readonly Row[], maxTimeS: number): RunJudgement {
  const errors = check.mutantErrors(m);
  if (errors.length > 0) return { kind: 'outcome', outcome: 'no-compile', by: errors[0] as string, ran: {} };
  const path = join(tree, m.file);
  const original = readFileSync(path, 'utf8');
  writeFileSync(path, applyMutant(original, m));
  try {
    if (rows.length === 0) return { kind: 'outcome', outcome: 'unreached', by: null, ran: {} };
    const { lines, exit } = runRows(ROOT, tree, rows, maxTimeS);
    return judgeRun(
      rows.map((r) => r.id),
      lines,
      exit,
    );
  } finally {
    writeFileSync(path, original);
  }
}

await main();
