/**
 * `npm run mutate`: mutation testing of the kernel models. Each mutant
 * (operators.ts: a realistic concurrency bug put into one model source) is
 * run against the expectation rows that call the function it changes
 * (coverage.ts), on a copy of the sources; it is
 *   killed     when some row's verdict differs from the row's expectation,
 *   crashed    when the model throws (the table fails too: caught),
 *   survived   when every row still gives its expected verdict,
 *   undecided  when no row differs but some search was cut by the time budget,
 *   unreached  when no row runs the changed function (a gap in the table).
 * Survivors judged equivalent (no behaviour a kernel could show changes)
 * are listed in tools/mutate/equivalent.json with a one-line reason.
 * Results are kept in mutate-out/results.json and reused while the mutated
 * file is unchanged, so a long run can go in batches:
 *
 *   npm run mutate -- [--file PART] [--operator OP] [--limit N] [--max-time-per-row S] [--report]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API } from 'typescript/unstable/sync';
import { rowCoverage } from './coverage.ts';
import { applyMutant, type Mutant, mutantsOf, OPERATORS } from './operators.ts';
import { type Row, tableRows } from './rows.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const OUT = join(ROOT, 'mutate-out');
const TREE = join(OUT, 'tree-root');
const RESULTS = join(OUT, 'results.json');
const COVERAGE = join(OUT, 'coverage.json');
const EQUIVALENT = join(ROOT, 'tools/mutate/equivalent.json');

type Outcome = 'killed' | 'crashed' | 'survived' | 'undecided' | 'unreached';
interface Result {
  readonly id: string;
  readonly file: string;
  readonly operator: string;
  readonly line: number;
  readonly fn: string;
  readonly what: string;
  /** the hash of the original file the mutant was made from (results are reused while it holds) */
  readonly fileHash: string;
  /** the sources the rows were built from (a new or changed row reruns the mutant) */
  readonly rowsHash?: string;
  readonly outcome: Outcome;
  /** the row that caught it, or the rows it ran */
  readonly by: string | null;
  readonly rows: number;
}

function args(): { file?: string; operator?: string; limit: number; maxTimeS: number; report: boolean } {
  const a = process.argv.slice(2);
  const val = (k: string) => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const op = val('--operator');
  if (op !== undefined && !(OPERATORS as readonly string[]).includes(op)) {
    throw new Error(`--operator takes one of ${OPERATORS.join(', ')}`);
  }
  return {
    ...(val('--file') !== undefined ? { file: val('--file') as string } : {}),
    ...(op !== undefined ? { operator: op } : {}),
    limit: Number(val('--limit') ?? Number.POSITIVE_INFINITY),
    maxTimeS: Number(val('--max-time-per-row') ?? 30),
    report: a.includes('--report'),
  };
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? sourceFiles(p) : f.endsWith('.ts') ? [p] : [];
    });
}

/** The checkers, not the model: invariants and the transition oracle (a mutant there weakens the test, not the kernel). */
const CHECKERS = /(^|\/)(invariants|ptrace-invariants|consts|bits|kernel-assert)\.ts$|\/oracle\//;

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

function load<T>(file: string, empty: T): T {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : empty;
}

/** Coverage of the rows, recomputed when any model or scenario source changed. */
async function coverage(rows: readonly Row[]): Promise<{ key: string; rows: Record<string, string[]> }> {
  const key = sha(
    sourceFiles(join(ROOT, 'src'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\0'),
  );
  const cached = load<{ key?: string; rows?: Record<string, string[]> }>(COVERAGE, {});
  if (cached.key === key && cached.rows) return { key, rows: cached.rows };
  const rowsCov = await rowCoverage(rows, ROOT, (s) => process.stderr.write(`${s}\n`));
  writeFileSync(COVERAGE, `${JSON.stringify({ key, rows: rowsCov })}\n`);
  return { key, rows: rowsCov };
}

function report(results: readonly Result[], equivalent: Readonly<Record<string, string>>): string {
  const byFile = new Map<string, Result[]>();
  for (const r of results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const out: string[] = [];
  const head = ['file', 'mutants', 'killed', 'crashed', 'survived', 'equivalent', 'undecided', 'unreached'];
  const rowsOut: string[][] = [];
  const total = { n: 0, killed: 0, crashed: 0, survived: 0, equivalent: 0, undecided: 0, unreached: 0 };
  for (const [file, rs] of [...byFile].sort()) {
    const eq = rs.filter((r) => r.outcome !== 'killed' && r.outcome !== 'crashed' && equivalent[r.id] !== undefined).length;
    const c = (o: Outcome) => rs.filter((r) => r.outcome === o && equivalent[r.id] === undefined).length;
    const line = {
      n: rs.length,
      killed: c('killed'),
      crashed: c('crashed'),
      survived: c('survived'),
      equivalent: eq,
      undecided: c('undecided'),
      unreached: c('unreached'),
    };
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += line[k];
    rowsOut.push([file, ...Object.values(line).map(String)]);
  }
  rowsOut.push(['total', ...Object.values(total).map(String)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rowsOut.map((r) => (r[i] as string).length)));
  const fmt = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  out.push(fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rowsOut.map(fmt));
  const counted = total.n - total.equivalent;
  const caught = total.killed + total.crashed;
  out.push('');
  out.push(
    `killed ${caught} of ${counted} non-equivalent mutants (${counted > 0 ? ((100 * caught) / counted).toFixed(1) : '-'}%); ${total.equivalent} judged equivalent (tools/mutate/equivalent.json)`,
  );
  const open = results.filter(
    (r) => (r.outcome === 'survived' || r.outcome === 'unreached' || r.outcome === 'undecided') && equivalent[r.id] === undefined,
  );
  if (open.length > 0) {
    out.push('', 'not caught (and not judged equivalent):');
    for (const r of open)
      out.push(`  ${r.outcome.padEnd(9)} ${r.file}:${r.line} ${r.operator} in ${r.fn || '(top level)'}: ${r.what}`);
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const o = args();
  mkdirSync(OUT, { recursive: true });
  const equivalent = load<Record<string, string>>(EQUIVALENT, {});
  const saved = load<Result[]>(RESULTS, []);
  const byId = new Map(saved.map((r) => [r.id, r]));
  const mutants = allMutants().filter(
    (m) => (o.file === undefined || m.file.includes(o.file)) && (o.operator === undefined || m.operator === o.operator),
  );
  if (o.report) {
    process.stdout.write(
      report(
        mutants.flatMap((m) => byId.get(m.id) ?? []),
        equivalent,
      ),
    );
    return;
  }
  const rows = (await tableRows()).filter((r) => !r.long);
  const { key: rowsHash, rows: cov } = await coverage(rows);
  // the copy the mutants are written into: inside the repository, so that packages resolve as for the sources
  rmSync(TREE, { recursive: true, force: true });
  mkdirSync(TREE, { recursive: true });
  cpSync(join(ROOT, 'src'), join(TREE, 'src'), { recursive: true });
  cpSync(join(ROOT, 'schema'), join(TREE, 'schema'), { recursive: true });
  let ran = 0;
  for (const m of mutants) {
    const hash = sha(readFileSync(join(ROOT, m.file), 'utf8'));
    const had = byId.get(m.id);
    if (had && had.fileHash === hash && had.rowsHash === rowsHash) continue;
    if (ran >= o.limit) break;
    ran++;
    const key = `${m.file}:${m.fn}`;
    // the cheap rows first (one CPU before two, a violated row's bounded search before a dfs): most mutants fall to the first
    const mine = rows
      .filter((r) => (cov[r.id] ?? []).some((f) => f === key || (m.fn === '' && f.startsWith(`${m.file}:`))))
      .sort((a, b) => a.cpus - b.cpus);
    const t0 = Date.now();
    const res = mine.length === 0 ? { outcome: 'unreached' as const, by: null } : runMutant(TREE, m, mine, o.maxTimeS);
    const r: Result = {
      id: m.id,
      file: m.file,
      operator: m.operator,
      line: m.line,
      fn: m.fn,
      what: m.what,
      fileHash: hash,
      rowsHash,
      outcome: res.outcome,
      by: res.by,
      rows: mine.length,
    };
    byId.set(m.id, r);
    writeFileSync(RESULTS, `${JSON.stringify([...byId.values()], null, 1)}\n`);
    process.stderr.write(
      `${r.outcome.padEnd(9)} ${m.file}:${m.line} ${m.operator} (${mine.length} rows, ${((Date.now() - t0) / 1000).toFixed(1)} s)${res.by ? ` by ${res.by}` : ''}\n`,
    );
  }
  process.stdout.write(
    report(
      mutants.flatMap((m) => byId.get(m.id) ?? []),
      equivalent,
    ),
  );
}

/** Runs one mutant against its rows on the copy of the sources; returns the outcome and the row that decided it. */
function runMutant(tree: string, m: Mutant, rows: readonly Row[], maxTimeS: number): { outcome: Outcome; by: string | null } {
  const path = join(tree, m.file);
  // the copy's text: the mutant's offsets are of the sources as they were when the run began
  const original = readFileSync(path, 'utf8');
  if (original !== readFileSync(join(ROOT, m.file), 'utf8')) {
    throw new Error(`${m.file} changed while the mutants ran: start the run again`);
  }
  writeFileSync(path, applyMutant(original, m));
  try {
    const rowsFile = join(OUT, 'rows.json');
    writeFileSync(rowsFile, JSON.stringify(rows));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'tools/mutate/run-rows.ts'), tree, rowsFile, String(maxTimeS * 1000)],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      },
    );
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { id: string; outcome: string; error?: string });
    const bad = lines.find((l) => l.outcome === 'differs' || l.outcome === 'crash');
    if (bad)
      return { outcome: bad.outcome === 'crash' ? 'crashed' : 'killed', by: bad.error ? `${bad.id}: ${bad.error}` : bad.id };
    // a runner that died (a mutant that broke an import) is caught like a crash
    if (r.status !== 0 || lines.length < rows.length) {
      return { outcome: 'crashed', by: r.stderr.split('\n').find((l) => l.trim()) ?? 'the runner died' };
    }
    if (lines.some((l) => l.outcome === 'undecided')) return { outcome: 'undecided', by: null };
    return { outcome: 'survived', by: null };
  } finally {
    writeFileSync(path, original);
  }
}

await main();
