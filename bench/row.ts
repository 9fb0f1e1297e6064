/**
 * One benchmark row, run in its own process so that its peak memory is its
 * own: `node dist/bench/row.js '<job as JSON>'` prints the row as JSON.
 */
import {
  DEFAULT_MAX_STEPS,
  DEFAULT_PCT_DEPTH,
  DEFAULT_PREEMPTIONS,
  type RunOptions,
  runScenario,
  type StrategyName,
} from '../src/explorer/run.ts';
import { irqBoundsText } from '../src/model/irq-bounds.ts';
import { memoryModelCell } from '../src/model/memory-model.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { microEngine } from './micro.ts';
import { type BenchJob, type BenchRow, peakMB, tracesFor } from './rows.ts';
import { runSpin } from './spin.ts';

/** No row may run longer than this (the slowest target is 60 s); a row cut by it says "incomplete". */
const ROW_MAX_TIME_MS = 120_000;

function runRow(job: BenchJob): BenchRow {
  if (job.scenario === 'micro/engine') return microEngine();
  const s = findScenario(job.scenario);
  if (!s) throw new Error(`bench: no scenario ${job.scenario}`);
  const opts: RunOptions = {
    variant: job.variant,
    cpus: job.cpus,
    strategy: job.strategy as StrategyName,
    seed: 1,
    runs: 1000,
    invariants: job.invariants,
    ...(job.irq ? { irq: job.irq } : {}),
    ...(job.memoryModel ? { memoryModel: job.memoryModel } : {}),
    maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
    cache: true,
    preemptions: job.preemptions ?? DEFAULT_PREEMPTIONS,
    depth: DEFAULT_PCT_DEPTH,
    shrink: true,
    budget: { maxTimeMs: ROW_MAX_TIME_MS },
    // worker threads load the scenario again, by name
    ...(job.workers !== undefined ? { workers: job.workers, source: { builtin: s.name } } : {}),
  };
  const t0 = performance.now();
  const r = runScenario(s, opts);
  const wallMs = performance.now() - t0;
  const search = r.search;
  // executions ÷ traces compares whole searches: only rows that explored everything have one.
  const traces =
    search.verdict === 'holds' && job.workers === undefined && job.noTraceCount !== true
      ? tracesFor(s, job.variant, job.cpus, job.irq, job.memoryModel)
      : null;
  return {
    scenario: job.scenario,
    variant: job.variant,
    cpus: job.cpus,
    ...(job.memoryModel ? { memory: memoryModelCell(job.memoryModel) } : {}),
    ...(job.irq ? { irq: irqBoundsText(job.irq) } : {}),
    strategy: job.workers !== undefined ? `${job.strategy} --workers ${job.workers}` : job.strategy,
    verdict: search.violation ? `violated (${search.violation.invariant})` : search.verdict,
    executions: search.executions,
    traces,
    ratio: traces !== null && traces > 0 ? search.executions / traces : null,
    stepsPerSecond: search.elapsedMs > 0 ? Math.round((search.steps / search.elapsedMs) * 1000) : null,
    wallMs: Math.round(wallMs),
    searchMs: Math.round(search.elapsedMs),
    peakMB: peakMB(),
    ...(r.trace ? { traceSteps: r.trace.stats.steps, tracePreemptions: r.trace.stats.preemptions } : {}),
    states: search.states,
    stored: search.storedStates ?? null,
    steps: search.steps,
    stepsPerState: search.states ? search.steps / search.states : null,
    bytesPerState: bytesPer(search.storedStates ?? search.states, search.stateBytes),
    bytesPerExplored: bytesPer(search.states, search.stateBytes),
    collisionProbability: search.collisionProbability ?? null,
    ...(job.long ? { long: true } : {}),
    ...(job.spinModel ? spinColumns(job.spinModel) : {}),
  };
}

/** bytes of the visited set per state (of those kept, or explored) */
function bytesPer(states: number | null, bytes: number | undefined): number | null {
  return states && bytes !== undefined ? bytes / states : null;
}

function spinColumns(model: string): { spinMs: number; spinStates?: number; spinFinished: boolean } {
  const s = runSpin(model);
  return { spinMs: s.ms, ...(s.finished ? { spinStates: s.states } : {}), spinFinished: s.finished };
}

process.stdout.write(`${JSON.stringify(runRow(JSON.parse(process.argv[2] as string) as BenchJob))}\n`);
