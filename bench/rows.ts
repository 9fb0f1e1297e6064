import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { countTracesWithSleepSets } from '../src/explorer/ground-truth.ts';
import { applyIrqBounds, type IrqBounds } from '../src/model/irq-bounds.ts';
import { type MemoryModel, memoryModelCell, SC } from '../src/model/memory-model.ts';
import type { ScenarioDef } from '../src/model/scenario.ts';

/** What one benchmark row runs. */
export interface BenchJob {
  readonly scenario: string;
  readonly variant: string;
  readonly cpus: number;
  /** the expectation row's interrupt budgets, when it states some */
  readonly irq?: IrqBounds;
  /** the expectation row's memory model, when it is not sequential consistency */
  readonly memoryModel?: MemoryModel;
  readonly strategy: string;
  /** bounded: the preemption bound (default DEFAULT_PREEMPTIONS) */
  readonly preemptions?: number;
  readonly invariants: readonly string[] | null;
  /** the expected verdict, for the targets */
  readonly expected: 'holds' | 'violated' | null;
  readonly workers?: number;
  /** the expectation is marked long */
  readonly long?: boolean;
  /** leave the traces column empty (the count takes up to 20 s a row) */
  readonly noTraceCount?: boolean;
  /** Promela mirror to run SPIN on beside it */
  readonly spinModel?: string;
}

/** One row of bench/results.json. */
export interface BenchRow {
  readonly scenario: string;
  readonly variant: string;
  readonly cpus: number;
  /** the interrupt budgets of the row (`timer@cpu0=0`), when it states some */
  readonly irq?: string;
  /** the memory model of the row (`tso`), when it is not sequential consistency */
  readonly memory?: string;
  readonly strategy: string;
  readonly verdict: string;
  readonly executions: number;
  /** Mazurkiewicz traces of the scenario, where a counter gives them */
  readonly traces: number | null;
  /** executions ÷ traces */
  readonly ratio: number | null;
  readonly stepsPerSecond: number | null;
  /** the whole row: search, shrinking and recording the trace */
  readonly wallMs: number;
  /** the search alone */
  readonly searchMs: number;
  readonly peakMB: number;
  readonly traceSteps?: number;
  readonly tracePreemptions?: number;
  /** states the search explored (StateStore: each arrival at a state not found kept) */
  readonly states?: number | null;
  /** states it kept in its visited set */
  readonly stored?: number | null;
  /** steps taken */
  readonly steps?: number;
  /** steps taken per stored state (a search that never replays approaches 1) */
  readonly stepsPerState?: number | null;
  /** bytes the visited-state set held per state kept, and per state explored */
  readonly bytesPerState?: number | null;
  readonly bytesPerExplored?: number | null;
  /** probability that two stored states shared a 64-bit fingerprint */
  readonly collisionProbability?: number | null;
  /** the row is marked long (run by `check --all`, not by the default table) */
  readonly long?: boolean;
  /** SPIN on the Promela mirror of the row, when there is one */
  readonly spinMs?: number;
  readonly spinStates?: number;
  /** SPIN ran to its end (else it was stopped after spinMs) */
  readonly spinFinished?: boolean;
}

/**
 * What a crashed row died of: the signal, else the error line of its stderr
 * (Node ends an uncaught error's report with its own version line, which
 * says nothing), else its exit status.
 */
export function crashLine(signal: string | null, stderr: string, status: number | null): string {
  if (signal !== null) return signal;
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Node.js v') && !l.startsWith('at '));
  return lines.find((l) => /^\w*Error\b|error:/i.test(l)) ?? lines.at(-1) ?? `exit ${status}`;
}

/** The verdict of a long row that `npm run bench -- --skip-long` left out. */
export const NOT_RUN = 'not run (long)';

/**
 * The number of Mazurkiewicz traces (executions up to reordering of
 * independent steps) of a scenario variant on `cpus` CPUs, or null where
 * no counter is available. This is the one place the benchmark asks for
 * it: wire a trace counter in here and the `traces` and `ratio` columns
 * fill in for every row.
 */
export function tracesFor(s: ScenarioDef, variant: string, cpus: number, irq?: IrqBounds, mm: MemoryModel = SC): number | null {
  const key = `${s.name}|${variant}|${cpus}${irq ? `|${JSON.stringify(irq)}` : ''}${mm.name === 'sc' ? '' : `|${memoryModelCell(mm)}`}`;
  const cache = readCounts();
  if (key in cache) return cache[key] ?? null;
  // Sleep-set DFS reaches every trace (src/explorer/ground-truth.ts; tests check it
  // against plain DFS), with far fewer executions; past the budget: not computable.
  const c = countTracesWithSleepSets(applyIrqBounds(s.build({ variant, cpus }), irq), { maxTimeMs: TRACE_COUNT_MS }, mm);
  const traces = c.verdict === 'holds' ? c.traces : null;
  cache[key] = traces;
  writeFileSync(COUNTS_FILE, `${JSON.stringify(cache, null, 1)}\n`);
  return traces;
}

/** How long one trace count may take before the row says "not computable". */
const TRACE_COUNT_MS = 20_000;
/** Counts shared by the rows of one bench run (each row runs in its own process). */
export const COUNTS_FILE = 'bench/.trace-counts.json';

function readCounts(): Record<string, number | null> {
  if (!existsSync(COUNTS_FILE)) return {};
  return JSON.parse(readFileSync(COUNTS_FILE, 'utf8')) as Record<string, number | null>;
}

/** Peak resident memory of this process so far, in MB. */
export function peakMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
