/**
 * `npm run bench`: every built-in scenario × variant × the CPU counts its
 * expectations name × every strategy, plus the engine micro-benchmark and
 * the speed-up of parallel workers on the largest scenario. Prints a table
 * and the targets it misses, and writes bench/results.json. Each row runs
 * in its own process (bench/row.ts), one after another, so that rows do not
 * share memory or compete for cores.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STRATEGIES } from '../src/explorer/run.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import { renderTable, targetReport } from './report.ts';
import { type BenchJob, type BenchRow, COUNTS_FILE } from './rows.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROW_SCRIPT = join(here, 'row.js');
/** bench/results.json in the source tree (this file runs from dist/bench) */
const RESULTS = join(here, '..', '..', 'bench', 'results.json');

/**
 * `npm run bench -- [group/ or scenario …] [--strategies a,b]`: by default every
 * built-in scenario with every strategy; names or groups narrow it for a quick look.
 */
const args = process.argv.slice(2);
const strategyArg = args.indexOf('--strategies');
const ONLY_STRATEGIES = strategyArg >= 0 ? (args[strategyArg + 1] ?? '').split(',') : null;
const NAMES = args.filter((a, i) => !a.startsWith('--') && (strategyArg < 0 || i !== strategyArg + 1));

function scenarioJobs(): BenchJob[] {
  const jobs: BenchJob[] = [];
  for (const s of SCENARIOS) {
    if (NAMES.length > 0 && !NAMES.some((n) => (n.endsWith('/') ? s.name.startsWith(n) : s.name === n))) continue;
    for (const [variant, def] of Object.entries(s.variants)) {
      for (const e of def.expect) {
        for (const strategy of STRATEGIES) {
          if (ONLY_STRATEGIES && !ONLY_STRATEGIES.includes(strategy)) continue;
          jobs.push({
            scenario: s.name,
            variant,
            cpus: e.cpus,
            ...(e.irq ? { irq: e.irq } : {}),
            strategy,
            invariants: e.only ?? null,
            expected: e.verdict,
          });
        }
      }
    }
  }
  return jobs;
}

function runJob(job: BenchJob): BenchRow {
  const r = spawnSync(process.execPath, [ROW_SCRIPT, JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status === 0) return JSON.parse(r.stdout) as BenchRow;
  // A row that crashes (out of memory, say) is a result too: the others still run.
  const why = r.signal ?? (r.stderr.trim().split('\n').at(-1) || `exit ${r.status}`);
  return {
    scenario: job.scenario,
    variant: job.variant,
    cpus: job.cpus,
    strategy: job.workers !== undefined ? `${job.strategy} --workers ${job.workers}` : job.strategy,
    verdict: `error: ${why}`.slice(0, 80),
    executions: 0,
    traces: null,
    ratio: null,
    stepsPerSecond: null,
    wallMs: 0,
    searchMs: 0,
    peakMB: 0,
  };
}

/** The dfs row with the most executions among those that hold: the scenario the workers are timed on. */
function largest(rows: readonly BenchRow[], jobs: readonly BenchJob[]): BenchJob | null {
  let best: BenchJob | null = null;
  let most = -1;
  rows.forEach((r, i) => {
    const j = jobs[i] as BenchJob;
    if (j.strategy === 'dfs' && r.verdict === 'holds' && r.executions > most) {
      most = r.executions;
      best = j;
    }
  });
  return best;
}

function main(): void {
  // Trace counts are shared by the rows of this run only: the models may have changed since the last.
  rmSync(COUNTS_FILE, { force: true });
  const rows: BenchRow[] = [];
  const say = (row: BenchRow) => {
    rows.push(row);
    process.stderr.write(
      `  ${row.scenario} ${row.variant} ${row.cpus}${row.irq ? ` irq ${row.irq}` : ''} ${row.strategy}: ${row.verdict}, ${row.wallMs} ms\n`,
    );
  };
  say(runJob({ scenario: 'micro/engine', variant: '', cpus: 2, strategy: '', invariants: null, expected: null }));
  const jobs = scenarioJobs();
  const scenarioRows: BenchRow[] = [];
  for (const j of jobs) {
    const r = runJob(j);
    scenarioRows.push(r);
    say(r);
  }
  const big = largest(scenarioRows, jobs);
  const workerRows: BenchRow[] = [];
  if (big) {
    for (const workers of [1, 2]) {
      const r = runJob({ ...big, workers });
      workerRows.push(r);
      say(r);
    }
  }
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 1)}\n`);
  process.stdout.write(renderTable(rows));
  process.stdout.write(targetReport(rows, jobs, scenarioRows, workerRows));
  const load = loadavg()[0] as number;
  const cores = availableParallelism();
  if (load > cores / 2) {
    process.stdout.write(
      `\nthe machine was busy: load average ${load.toFixed(1)} on ${cores} cores — the times above are inflated, the parallel speed-up most of all\n`,
    );
  }
  process.stdout.write(`\nwritten: bench/results.json (${rows.length} rows)\n`);
}

main();
