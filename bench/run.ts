/**
 * `npm run bench`: every expectation row of every built-in scenario (the
 * long ones too) with the search the table gives it (its own, else the
 * default `auto`), the engine micro-benchmark, the whole command on a small
 * scenario, and the speed-up of parallel workers on the largest row. Prints
 * a table and the targets met or missed, and writes bench/results.json.
 * Each row runs in its own process (bench/row.ts), one after another, so
 * that rows do not share memory or compete for cores.
 *
 * `npm run bench -- [group/ or scenario …] [--strategies a,b] [--spin DIR]`:
 * names or groups narrow the rows; --strategies runs each row with those
 * strategies instead; --spin (or PTRACE_MC_SPIN_MODELS) names a folder of
 * Promela mirrors of the bench/ families, run with SPIN beside ours;
 * --skip-long leaves out the rows marked long (they take most of an hour
 * together) and lists them as not run, so that their targets are neither
 * met nor missed; --no-trace-counts leaves the traces column empty (each
 * holds row otherwise counts its Mazurkiewicz traces for up to 20 s after
 * its search).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { irqBoundsText } from '../src/model/irq-bounds.ts';
import { memoryModelCell, statedMemoryModel } from '../src/model/memory-model.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import { renderTable, targetReport } from './report.ts';
import { type BenchJob, type BenchRow, COUNTS_FILE, crashLine, NOT_RUN } from './rows.ts';
import { spinInstalled, spinModel } from './spin.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROW_SCRIPT = join(here, 'row.js');
/** bench/ in the source tree (this file runs from dist/bench) */
const BENCH_DIR = join(here, '..', '..', 'bench');
const RESULTS = join(BENCH_DIR, 'results.json');
/** the table of the previous engine (its sleep-set dfs), measured on a quiet machine: what "today's dfs" was */
const BEFORE = join(BENCH_DIR, 'before.json');
const CLI = join(here, '..', '..', 'bin', 'ptrace-mc.js');

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
const ONLY_STRATEGIES = option('--strategies')?.split(',') ?? null;
const SKIP_LONG = args.includes('--skip-long');
const NO_TRACE_COUNTS = args.includes('--no-trace-counts');
const SPIN_DIR = option('--spin') ?? process.env.PTRACE_MC_SPIN_MODELS;
const KNOWN = ['--strategies', '--spin', '--skip-long', '--no-trace-counts'];
const unknown = args.find((a) => a.startsWith('--') && !KNOWN.includes(a));
if (unknown !== undefined) {
  process.stderr.write(`bench: unknown option ${unknown} (known: ${KNOWN.join(', ')})\n`);
  process.exit(2);
}
const NAMES = args.filter((a, i) => !a.startsWith('--') && !['--strategies', '--spin'].includes(args[i - 1] ?? ''));

function scenarioJobs(spin: boolean): BenchJob[] {
  const jobs: BenchJob[] = [];
  for (const s of SCENARIOS) {
    if (NAMES.length > 0 && !NAMES.some((n) => (n.endsWith('/') ? s.name.startsWith(n) : s.name === n))) continue;
    for (const [variant, def] of Object.entries(s.variants)) {
      for (const e of def.expect) {
        const strategies = ONLY_STRATEGIES ?? [e.search?.strategy ?? 'auto'];
        for (const strategy of strategies) {
          const mm = statedMemoryModel(s, e);
          // SPIN's mirrors are sequentially consistent models
          const model = spin && SPIN_DIR && mm.name === 'sc' ? spinModel(SPIN_DIR, s.name, variant, e.cpus) : null;
          jobs.push({
            scenario: s.name,
            variant,
            cpus: e.cpus,
            ...(e.irq ? { irq: e.irq } : {}),
            ...(mm.name !== 'sc' ? { memoryModel: mm } : {}),
            strategy,
            ...(ONLY_STRATEGIES === null && e.search?.preemptions !== undefined ? { preemptions: e.search.preemptions } : {}),
            invariants: e.only ?? null,
            expected: e.verdict,
            ...(e.long ? { long: true } : {}),
            ...(NO_TRACE_COUNTS ? { noTraceCount: true } : {}),
            ...(model ? { spinModel: model } : {}),
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
  return { ...failedRow(job), verdict: `error: ${crashLine(r.signal, r.stderr, r.status)}`.slice(0, 80) };
}

function failedRow(job: BenchJob): BenchRow {
  return {
    scenario: job.scenario,
    variant: job.variant,
    cpus: job.cpus,
    ...(job.memoryModel ? { memory: memoryModelCell(job.memoryModel) } : {}),
    ...(job.irq ? { irq: irqBoundsText(job.irq) } : {}),
    strategy: job.workers !== undefined ? `${job.strategy} --workers ${job.workers}` : job.strategy,
    verdict: 'error',
    executions: 0,
    traces: null,
    ratio: null,
    stepsPerSecond: null,
    wallMs: 0,
    searchMs: 0,
    peakMB: 0,
  };
}

/** A long row left out by --skip-long. */
function notRun(job: BenchJob): BenchRow {
  return {
    ...failedRow(job),
    verdict: NOT_RUN,
  };
}

/** The holds row with the most steps (not long): the one the workers are timed on. */
function largest(rows: readonly BenchRow[], jobs: readonly BenchJob[]): BenchJob | null {
  let best: BenchJob | null = null;
  let most = -1;
  rows.forEach((r, i) => {
    const j = jobs[i] as BenchJob;
    if (!j.long && r.verdict === 'holds' && (r.steps ?? 0) > most) {
      most = r.steps ?? 0;
      best = j;
    }
  });
  return best;
}

/** Wall time of a whole small command, the median of a few runs (Node's start-up and loading included). */
function commandMs(cmd: readonly string[], runs = 7): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, [CLI, ...cmd], { encoding: 'utf8' });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] as number);
}

function readBefore(): BenchRow[] {
  try {
    return JSON.parse(readFileSync(BEFORE, 'utf8')) as BenchRow[];
  } catch {
    return [];
  }
}

function main(): void {
  // Trace counts are shared by the rows of this run only: the models may have changed since the last.
  rmSync(COUNTS_FILE, { force: true });
  const spin = SPIN_DIR !== undefined && spinInstalled();
  const rows: BenchRow[] = [];
  const say = (row: BenchRow) => {
    rows.push(row);
    process.stderr.write(
      `  ${row.scenario} ${row.variant} ${row.cpus}${row.memory ? ` ${row.memory}` : ''}${row.irq ? ` irq ${row.irq}` : ''} ${row.strategy}: ${row.verdict}, ${row.searchMs} ms\n`,
    );
  };
  say(runJob({ scenario: 'micro/engine', variant: '', cpus: 2, strategy: '', invariants: null, expected: null }));
  const jobs = scenarioJobs(spin);
  const scenarioRows: BenchRow[] = [];
  for (const j of jobs) {
    const r = SKIP_LONG && j.long ? notRun(j) : runJob(j);
    scenarioRows.push(r);
    say(r);
  }
  const big = largest(scenarioRows, jobs);
  const workerRows: BenchRow[] = [];
  if (big) {
    for (const workers of [1, 2]) {
      const r = runJob({ ...big, strategy: 'dfs', workers });
      workerRows.push(r);
      say(r);
    }
  }
  const smallCommand = commandMs(['check', 'demo/lost-wakeup', '--variant', 'buggy', '--out-dir', join(BENCH_DIR, '.out')]);
  // the default table as a user runs it (rows side by side, one per core): only when the bench ran every row
  const tableCommand =
    NAMES.length === 0
      ? { ms: commandMs(['check', '--out-dir', join(BENCH_DIR, '.out')], 1), threads: availableParallelism() }
      : null;
  rmSync(join(BENCH_DIR, '.out'), { recursive: true, force: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 1)}\n`);
  process.stdout.write(renderTable(rows));
  process.stdout.write(
    targetReport({
      rows,
      jobs,
      scenarioRows,
      workerRows,
      before: readBefore(),
      smallCommandMs: smallCommand,
      tableCommand,
      spin,
    }),
  );
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
