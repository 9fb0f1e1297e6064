import { type BenchJob, type BenchRow, NOT_RUN } from './rows.ts';
import { SPIN_MEMLIM_MB } from './spin.ts';

const COLUMNS: [keyof BenchRow, string][] = [
  ['scenario', 'scenario'],
  ['variant', 'variant'],
  ['cpus', 'cpus'],
  ['memory', 'memory'],
  ['irq', 'irq'],
  ['strategy', 'strategy'],
  ['verdict', 'verdict'],
  ['executions', 'executions'],
  ['states', 'states'],
  ['stored', 'kept'],
  ['steps', 'steps'],
  ['stepsPerState', 'steps/state'],
  ['bytesPerState', 'B/state'],
  ['stepsPerSecond', 'steps/s'],
  ['searchMs', 'search ms'],
  ['wallMs', 'wall ms'],
  ['peakMB', 'MB'],
  ['spinMs', 'SPIN ms'],
  ['spinStates', 'SPIN states'],
];
/** the first numeric column */
const FIRST_NUMERIC = 7;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
  return String(v);
}

export function renderTable(rows: readonly BenchRow[]): string {
  const body = rows.map((r) => COLUMNS.map(([k]) => cell(r[k])));
  const head = COLUMNS.map(([, h]) => h);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const numeric = (i: number) => i === 2 || i >= FIRST_NUMERIC;
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return `${[line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`;
}

const ENGINE_TARGET = 1_000_000;
const SEARCH_STEPS_TARGET = 1_000_000;
const BYTES_TARGET = 24;
const FIRST_BUG_MS = 100;
const HOLDS_MS: Record<number, number> = { 2: 10_000, 3: 60_000 };
const TABLE_MS = 120_000;
const SMALL_COMMAND_MS = 250;
const SPIN_BUG_MS = 1_000;
const WORKERS_TARGET = 1.8;
/** rows with at least this many states count for the memory and speed targets */
const BIG = 100_000;

export interface ReportInput {
  readonly rows: readonly BenchRow[];
  readonly jobs: readonly BenchJob[];
  readonly scenarioRows: readonly BenchRow[];
  readonly workerRows: readonly BenchRow[];
  /** the table of the previous engine */
  readonly before: readonly BenchRow[];
  readonly smallCommandMs: number;
  /** the whole command `check` (the default table, its rows side by side), when the bench ran every row */
  readonly tableCommand: { readonly ms: number; readonly threads: number } | null;
  readonly spin: boolean;
}

const what = (r: BenchRow) =>
  `${r.scenario} [${r.variant}] ${r.cpus} CPUs${r.memory ? ` ${r.memory}` : ''}${r.irq ? ` irq ${r.irq}` : ''}`;
const sameRow = (a: BenchRow, b: BenchRow) =>
  a.scenario === b.scenario &&
  a.variant === b.variant &&
  a.cpus === b.cpus &&
  (a.irq ?? '') === (b.irq ?? '') &&
  (a.memory ?? '') === (b.memory ?? '');

/**
 * What x86-TSO costs: for each row under it, its states explored and search
 * time against the same row on sequentially consistent memory (the state
 * space grows by the store buffers' contents and the drain choices).
 */
export function tsoCostReport(rows: readonly BenchRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (r.memory === undefined) continue;
    const sc = rows.find(
      (y) =>
        y.memory === undefined &&
        y.scenario === r.scenario &&
        y.variant === r.variant &&
        y.cpus === r.cpus &&
        (y.irq ?? '') === (r.irq ?? ''),
    );
    const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `×${(a / b).toFixed(1)}` : 'n/a');
    if (r.verdict.startsWith('violated') || sc?.verdict.startsWith('violated')) {
      out.push(`  ${what(r)}: ${r.verdict}${sc ? `, sc ${sc.verdict}` : ''} (a search stopped at a violation: no ratio)`);
      continue;
    }
    out.push(
      sc === undefined
        ? `  ${what(r)}: ${r.states ?? '-'} states, ${r.searchMs} ms (no sc row to compare)`
        : `  ${what(r)}: ${r.states ?? '-'} states (${ratio(r.states, sc.states)} sc's ${sc.states ?? '-'}), ${r.searchMs} ms (${ratio(r.searchMs, sc.searchMs)})`,
    );
  }
  return out.length > 0
    ? ['', 'x86-TSO against sequential consistency, row by row (states explored, critical-section blocks on in both):', ...out]
    : [];
}

/** The targets, each met or missed by how much. */
export function targetReport(x: ReportInput): string {
  const out: string[] = [...tsoCostReport(x.scenarioRows), '', 'targets:'];
  const mark = (ok: boolean, text: string) => out.push(`  ${ok ? 'met   ' : 'MISSED'} ${text}`);
  const micro = x.rows.find((r) => r.scenario === 'micro/engine');
  if (micro?.stepsPerSecond) {
    mark(micro.stepsPerSecond >= ENGINE_TARGET, `bare engine ${micro.stepsPerSecond} steps/s (target ≥ ${ENGINE_TARGET})`);
  }
  // long rows left out by --skip-long count for no target: they are listed instead
  const rowsAndJobs = x.scenarioRows.map((r, i) => ({ r, j: x.jobs[i] as BenchJob })).filter(({ r }) => r.verdict !== NOT_RUN);
  const notRun = x.scenarioRows.filter((r) => r.verdict === NOT_RUN);
  const ptrace = (r: BenchRow) => r.scenario.startsWith('linux/') || r.scenario.startsWith('dragonos/');
  // proofs
  for (const { r, j } of rowsAndJobs) {
    if (j.expected !== 'holds') continue;
    const limit = r.cpus === 3 && ptrace(r) ? HOLDS_MS[3] : r.cpus === 2 ? HOLDS_MS[2] : undefined;
    if (limit === undefined || (r.scenario.startsWith('bench/') && r.cpus > 2)) continue;
    const ok = r.verdict === 'holds' && r.searchMs < limit;
    mark(
      ok,
      `proof ${what(r)}: ${r.verdict} in ${r.searchMs} ms (target < ${limit} ms${ok ? '' : `; ${overBy(r.searchMs, limit)}`})`,
    );
  }
  // first counterexamples
  for (const { r, j } of rowsAndJobs) {
    if (j.expected !== 'violated' || r.scenario.startsWith('bench/')) continue;
    const ok = r.verdict.startsWith('violated') && r.searchMs < FIRST_BUG_MS;
    mark(ok, `first counterexample ${what(r)} (${r.strategy}): ${r.searchMs} ms (target < ${FIRST_BUG_MS} ms)`);
  }
  // against the previous engine's dfs
  let slower = 0;
  let compared = 0;
  for (const { r, j } of rowsAndJobs) {
    if (j.expected !== 'holds') continue;
    const b = x.before.find((y) => sameRow(y, r) && y.strategy === 'dfs');
    if (!b) continue;
    compared++;
    if (r.searchMs > b.searchMs) {
      slower++;
      out.push(`  MISSED proof ${what(r)}: ${r.searchMs} ms, the previous dfs took ${b.searchMs} ms`);
    }
  }
  if (compared > 0)
    mark(
      slower === 0,
      `${compared - slower} of ${compared} proofs at least as fast as the previous engine's dfs (bench/before.json)`,
    );
  // the whole default table
  const table = rowsAndJobs.filter(({ j }) => !j.long);
  const tableMs = table.reduce((a, { r }) => a + r.wallMs, 0);
  mark(
    tableMs < TABLE_MS,
    `the default table (${table.length} rows, no long ones): ${(tableMs / 1000).toFixed(1)} s of rows (target < ${TABLE_MS / 1000} s)`,
  );
  if (x.tableCommand !== null) {
    mark(
      x.tableCommand.ms < TABLE_MS,
      `whole command check (the default table, ${x.tableCommand.threads} rows at a time): ${(x.tableCommand.ms / 1000).toFixed(1)} s wall (target < ${TABLE_MS / 1000} s)`,
    );
  }
  const longRows = rowsAndJobs.filter(({ j }) => j.long);
  if (longRows.length > 0)
    out.push(`         rows marked long (check --all): ${longRows.map(({ r }) => `${what(r)} ${r.searchMs} ms`).join('; ')}`);
  if (notRun.length > 0)
    out.push(`         ${notRun.length} rows marked long not run (--skip-long): ${notRun.map(what).join('; ')}`);
  // speed and memory inside big searches
  const big = rowsAndJobs.filter(({ r }) => (r.states ?? 0) >= BIG && r.cpus === 2 && r.verdict === 'holds');
  if (big.length > 0) {
    const speeds = big.map(({ r }) => r.stepsPerSecond ?? 0).sort((a, b) => a - b);
    const median = speeds[Math.floor(speeds.length / 2)] as number;
    mark(
      median >= SEARCH_STEPS_TARGET,
      `steps/s inside 2-CPU searches of ≥ ${BIG} states: median ${median}, range ${speeds[0]}–${speeds.at(-1)} (target ≥ ${SEARCH_STEPS_TARGET})`,
    );
    const bytes = big.map(({ r }) => r.bytesPerState ?? Number.POSITIVE_INFINITY);
    const worst = Math.max(...bytes);
    mark(worst <= BYTES_TARGET, `bytes per stored state: at most ${worst.toFixed(1)} over those rows (target ≤ ${BYTES_TARGET})`);
    const perExplored = Math.max(...big.map(({ r }) => r.bytesPerExplored ?? Number.POSITIVE_INFINITY));
    out.push(
      `         bytes per state explored (a state is kept only when its subtree was large): at most ${perExplored.toFixed(1)}`,
    );
    const steps = big.map(({ r }) => r.stepsPerState ?? 0).sort((a, b) => a - b);
    out.push(
      `         steps per state explored over those rows: median ${(steps[Math.floor(steps.length / 2)] as number).toFixed(1)}`,
    );
    const largest = big.reduce((a, b) => ((b.r.states ?? 0) > (a.r.states ?? 0) ? b : a));
    if (largest.r.collisionProbability != null) {
      out.push(
        `         fingerprint collision probability on the largest (${what(largest.r)}, ${largest.r.states} states): ${largest.r.collisionProbability.toExponential(1)}`,
      );
    }
  }
  mark(
    x.smallCommandMs < SMALL_COMMAND_MS,
    `whole command check demo/lost-wakeup --variant buggy: ${x.smallCommandMs} ms wall (target < ${SMALL_COMMAND_MS} ms)`,
  );
  // SPIN
  if (x.spin) {
    for (const { r, j } of rowsAndJobs) {
      if (r.spinMs === undefined) continue;
      const ratio = r.searchMs / Math.max(1, r.spinMs);
      if (r.spinFinished === false) {
        mark(
          true,
          `${what(r)} against SPIN: ${r.searchMs} ms; SPIN did not finish (stopped after ${r.spinMs} ms or ${SPIN_MEMLIM_MB} MB)`,
        );
      } else if (j.expected === 'holds') {
        mark(
          r.searchMs <= r.spinMs,
          `${what(r)} against SPIN: ${r.searchMs} ms vs ${r.spinMs} ms (${ratio.toFixed(2)}×; states ${r.states} vs ${r.spinStates})`,
        );
      } else {
        const first = r.cpus === 6 ? ` (target < ${SPIN_BUG_MS} ms)` : '';
        mark(
          r.cpus !== 6 || r.searchMs < SPIN_BUG_MS,
          `${what(r)} first counterexample: ${r.searchMs} ms vs SPIN ${r.spinMs} ms${first}`,
        );
      }
    }
  } else {
    out.push("  n/a    SPIN: not run (install Debian's spin and give --spin DIR with the Promela mirrors)");
  }
  const [one, two] = x.workerRows;
  if (one && two) {
    const speedup = one.searchMs / Math.max(1, two.searchMs);
    const same = one.verdict === two.verdict && one.executions === two.executions;
    mark(
      speedup >= WORKERS_TARGET && same,
      `--workers 2 vs 1 on ${what(one)}: ${one.searchMs} ms → ${two.searchMs} ms, ${speedup.toFixed(2)}× (target ≥ ${WORKERS_TARGET}×)${same ? '' : '; RESULTS DIFFER'}`,
    );
  }
  return `${out.join('\n')}\n`;
}

function overBy(ms: number, limit: number): string {
  return `over by ${ms - limit} ms, ${(ms / limit).toFixed(1)}×`;
}
