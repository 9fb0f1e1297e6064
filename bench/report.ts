import type { BenchJob, BenchRow } from './rows.ts';

const COLUMNS: [keyof BenchRow, string][] = [
  ['scenario', 'scenario'],
  ['variant', 'variant'],
  ['cpus', 'cpus'],
  ['irq', 'irq'],
  ['strategy', 'strategy'],
  ['verdict', 'verdict'],
  ['executions', 'executions'],
  ['traces', 'traces'],
  ['ratio', 'ratio'],
  ['stepsPerSecond', 'steps/s'],
  ['searchMs', 'search ms'],
  ['wallMs', 'wall ms'],
  ['peakMB', 'peak MB'],
  ['traceSteps', 'trace steps'],
  ['tracePreemptions', 'preempt.'],
];

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  return String(v);
}

export function renderTable(rows: readonly BenchRow[]): string {
  const body = rows.map((r) => COLUMNS.map(([k]) => cell(r[k])));
  const head = COLUMNS.map(([, h]) => h);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const numeric = (i: number) => i === 2 || i >= 6;
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return `${[line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`;
}

const ENGINE_TARGET = 1_000_000;
const FIRST_BUG_MS = 100;
const HOLDS_MS: Record<number, number> = { 2: 10_000, 3: 60_000 };
const WORKERS_TARGET = 1.8;
/** the strategy `check` uses when none is named */
const DEFAULT_STRATEGY = 'dpor';

/** The issue's targets, each met or missed by how much. */
export function targetReport(
  rows: readonly BenchRow[],
  jobs: readonly BenchJob[],
  scenarioRows: readonly BenchRow[],
  workerRows: readonly BenchRow[],
): string {
  const out: string[] = ['', 'targets:'];
  const mark = (ok: boolean, text: string) => out.push(`  ${ok ? 'met   ' : 'MISSED'} ${text}`);
  const micro = rows.find((r) => r.scenario === 'micro/engine');
  if (micro?.stepsPerSecond) {
    const x = micro.stepsPerSecond / ENGINE_TARGET;
    mark(x >= 1, `engine ${micro.stepsPerSecond} steps/s (target ≥ ${ENGINE_TARGET}: ${x.toFixed(2)}×)`);
  }
  const withRatio = scenarioRows.filter((r) => r.ratio !== null);
  if (withRatio.length === 0) {
    out.push('  n/a    executions ÷ Mazurkiewicz traces: no trace counter is wired in (bench/rows.ts tracesFor)');
  } else {
    for (const r of withRatio.filter((r) => r.strategy === 'dpor')) {
      mark(r.ratio === 1, `dpor ratio ${cell(r.ratio)} on ${r.scenario} [${r.variant}] ${r.cpus} CPUs (target 1.00)`);
    }
  }
  scenarioRows.forEach((r, i) => {
    const j = jobs[i] as BenchJob;
    if (j.strategy !== DEFAULT_STRATEGY) return;
    const what = `${r.scenario} [${r.variant}] ${r.cpus} CPUs${r.irq ? ` irq ${r.irq}` : ''}`;
    if (j.expected === 'violated') {
      const ok = r.verdict.startsWith('violated') && r.searchMs < FIRST_BUG_MS;
      mark(
        ok,
        `first counterexample ${what}: ${r.searchMs} ms (target < ${FIRST_BUG_MS} ms${ok ? '' : `; ${overBy(r.searchMs, FIRST_BUG_MS)}`})`,
      );
    } else if (j.expected === 'holds' && HOLDS_MS[r.cpus] !== undefined) {
      const limit = HOLDS_MS[r.cpus] as number;
      const ok = r.verdict === 'holds' && r.searchMs < limit;
      mark(
        ok,
        `full verification ${what}: ${r.verdict} in ${r.searchMs} ms (target < ${limit} ms${ok ? '' : `; ${overBy(r.searchMs, limit)}`})`,
      );
    }
  });
  const [one, two] = workerRows;
  const unsliced = one
    ? scenarioRows.find(
        (r, i) =>
          r.scenario === one.scenario &&
          r.variant === one.variant &&
          r.cpus === one.cpus &&
          r.irq === one.irq &&
          jobs[i]?.strategy === 'dfs',
      )
    : undefined;
  if (one && two) {
    const speedup = one.searchMs / Math.max(1, two.searchMs);
    const same = one.verdict === two.verdict && one.executions === two.executions;
    mark(
      speedup >= WORKERS_TARGET && same,
      `--workers 2 vs 1 on ${one.scenario} [${one.variant}] ${one.cpus} CPUs: ${one.searchMs} ms → ${two.searchMs} ms, ${speedup.toFixed(2)}× (target ≥ ${WORKERS_TARGET}×)${same ? '' : '; RESULTS DIFFER'}`,
    );
    if (unsliced) {
      out.push(
        `         sliced: ${one.executions} executions against ${unsliced.executions} unsliced (slices re-explore the states they share), plus starting each worker thread`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function overBy(ms: number, limit: number): string {
  return `over by ${ms - limit} ms, ${(ms / limit).toFixed(1)}×`;
}
