import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SearchResult, StopReason } from '../explorer/explore.ts';
import { interruptSignal, maxWorkers } from '../explorer/limits.ts';
import {
  DEFAULT_MAX_STEPS,
  type RunOptions,
  type RunResult,
  runScenario,
  SEEDED,
  STRATEGIES,
  type StrategyName,
} from '../explorer/run.ts';
import type { SliceResult } from '../explorer/slices.ts';
import { DEFAULT_DELAYS } from '../explorer/strategy-names.ts';
import { traceToText } from '../explorer/trace.ts';
import { selectScenarios } from '../load/select.ts';
import { sourceOf } from '../load/source.ts';
import { effectiveIrqBounds, IrqBoundError, type IrqBounds, irqBoundsText, sameIrqBounds } from '../model/irq-bounds.ts';
import {
  describeMemoryModel,
  isMemoryModelName,
  MAX_STORE_BUFFER,
  type MemoryModel,
  memoryModel,
  memoryModelCell,
  SC,
  sameMemoryModel,
  statedMemoryModel,
} from '../model/memory-model.ts';
import { hasOwn, ownValue } from '../model/own.ts';
import type { Expectation, RowSearch, ScenarioDef, VariantDef } from '../model/scenario.ts';
import { Checkpointer, resumeCommand } from './checkpoint.ts';
import { type Column, column, formatColumns, optionalColumn } from './columns.ts';
import { EXIT, UsageError } from './errors.ts';
import { StatusLine } from './progress.ts';
import { type ReportRow, renderReport, writeReport } from './report.ts';
import { rowsCanRunInWorkers, runRowsInWorkers } from './row-pool.ts';
import { checkInvariants, checkVariant } from './scenario-select.ts';
import { checkSlicing, parseShardOption, runShard } from './shard.ts';

export interface CheckFlags {
  variant?: string;
  cpus?: number;
  invariant: string[];
  /** interrupt budgets, `SOURCE=N` each (repeatable) */
  irq?: string[];
  /** --memory-model sc|tso: replaces each row's own */
  memoryModel?: string;
  /** --store-buffer N: the x86-TSO store-buffer depth */
  storeBuffer?: number;
  strategy: string;
  seed: number;
  runs: number;
  maxExecutions?: number;
  maxTime?: number;
  maxSteps?: number;
  /** --max-memory, MiB */
  maxMemory?: number;
  stateless?: boolean;
  /** false with --no-por */
  por?: boolean;
  /** dfs/auto: tell states apart by exact key instead of 64-bit fingerprint */
  exactStates?: boolean;
  preemptions: number;
  /** delay: the largest delay bound */
  delays?: number;
  depth: number;
  shrink: boolean;
  traceOut?: string;
  outDir: string;
  json?: boolean;
  timing?: boolean;
  workers?: number;
  /** --jobs: the rows of a table on this many threads at once (default: one per core) */
  jobs?: number;
  shard?: string;
  shardOut?: string;
  /** keep the search's progress in this file (a sliced search), to go on with --resume */
  checkpoint?: string;
  /** go on with the search a checkpoint file holds */
  resume?: string;
  /** the options given on the command line (not defaults) */
  given?: readonly string[];
  /** every variant on 1 CPU and on the scenario's CPU counts, in one table */
  compare?: boolean;
  /** the expectation table includes the rows marked long */
  all?: boolean;
  /** also write a Markdown report (for a pull-request comment) to this file */
  report?: string;
}

/** One scenario × variant × CPU count to check. */
export interface Job {
  readonly scenario: ScenarioDef;
  readonly variant: string;
  readonly cpus: number;
  /** the interrupt budgets that differ from the scenario's own ({} for none) */
  readonly irq: IrqBounds;
  /** the memory model the CPUs follow */
  readonly memoryModel: MemoryModel;
  readonly invariants: readonly string[] | null;
  readonly expected: Expectation | null;
  /** the row's own search (its expectation's `search`), when no --strategy was named */
  readonly search?: RowSearch;
}

export interface Outcome {
  readonly job: Job;
  readonly search: SearchResult;
  readonly tracePath: string | null;
  readonly traceStats: { steps: number; contextSwitches: number; preemptions: number } | null;
  readonly shrunk: RunResult['shrunk'];
}

/**
 * The strategy when none is named, for a named scenario and for the
 * expectation table alike: `auto`, the reduced dfs (the proof) with a
 * preemption-bounded search beside it (shallow races early). A row of the
 * table may name its own search.
 */
export function defaultStrategy(_table: boolean): StrategyName {
  return STRATEGIES[0] as StrategyName;
}

/** The flags as parsed: no strategy when none was named. */
export type CheckInput = Omit<CheckFlags, 'strategy'> & { strategy?: string };

export async function checkCommand(names: string[], flags: CheckInput): Promise<number> {
  if (flags.resume !== undefined) return resumeCommand(names, flags);
  const sel = await selectScenarios(names);
  const f: CheckFlags = { ...flags, strategy: flags.strategy ?? defaultStrategy(sel.table) };
  if (!(STRATEGIES as readonly string[]).includes(f.strategy)) {
    throw new UsageError(`unknown strategy '${f.strategy}' (one of: ${STRATEGIES.join(', ')})`);
  }
  if (f.traceOut !== undefined && names.length !== 1) {
    throw new UsageError('--trace-out needs exactly one scenario (with no scenario, traces go under --out-dir)');
  }
  // No scenario, or only groups ("dragonos/") or directories: the expectation table of every scenario in them.
  const table = sel.table;
  const irq = parseIrqFlags(f.irq);
  const mm = parseMemoryModelFlags(f);
  const t = table
    ? tableJobs(sel.scenarios, f, irq, flags.strategy === undefined, mm)
    : { jobs: namedJobs(sel.scenarios, f, irq, mm), skippedLong: [] };
  const jobs = t.jobs;
  if (f.traceOut !== undefined && jobs.length > 1 && f.variant === undefined) {
    throw new UsageError('--trace-out needs --variant when the scenario has several variants');
  }
  checkSlicing(f, jobs);
  if (f.shard !== undefined) return runShard(jobs[0] as Job, f);
  const { outcomes, notRun } = await runJobs(jobs, f, table);
  const code = printOutcomes(outcomes, f, table, t.skippedLong);
  noteNotRun(notRun, jobs.length);
  return code;
}

/**
 * Runs the jobs, in order: on several threads (rowThreads) or here, one
 * after another. Interrupted (SIGINT, SIGTERM, SIGHUP), no job is started:
 * the outcomes are those of the jobs done and the ones cut short, in order,
 * and notRun counts the rest. A thread out of heap throws RowsOutOfMemory.
 */
export async function runJobs(
  jobs: readonly Job[],
  f: CheckFlags,
  rowsSideBySide: boolean,
): Promise<{ outcomes: Outcome[]; notRun: number }> {
  const threads = rowThreads(f, rowsSideBySide, jobs);
  if (threads > 1) return runRowsInWorkers(jobs, f, threads);
  const outcomes: Outcome[] = [];
  for (const j of jobs) {
    outcomes.push(runJob(j, f, { row: outcomes.length + 1, of: jobs.length }));
    if (interruptSignal() !== 0) break;
  }
  return { outcomes, notRun: jobs.length - outcomes.length };
}

export function noteNotRun(notRun: number, of: number): void {
  if (notRun > 0) process.stderr.write(`ptrace-mc: interrupted: ${notRun} of ${of} searches not run\n`);
}

/**
 * How many threads run the rows: for a table or a comparison, --jobs (default one per core)
 * when the rows are several, each search is whole (no --workers slices) and
 * every scenario can be loaded again in a thread; otherwise one, here.
 */
function rowThreads(f: CheckFlags, rowsSideBySide: boolean, jobs: readonly Job[]): number {
  if (!rowsSideBySide || jobs.length < 2 || f.workers !== undefined || !rowsCanRunInWorkers(jobs)) return 1;
  return Math.min(f.jobs ?? maxWorkers(), jobs.length);
}

/** Prints the outcomes as JSON lines, a table or one block each; returns the exit status. */
export function printOutcomes(
  outcomes: readonly Outcome[],
  f: CheckFlags,
  table: boolean,
  skippedLong: readonly string[] = [],
): number {
  if (f.json) {
    for (const o of outcomes) process.stdout.write(`${JSON.stringify(jsonOf(o, f, table))}\n`);
  } else if (table) {
    process.stdout.write(renderTable(outcomes, f, skippedLong));
  } else {
    for (const o of outcomes) process.stdout.write(renderOne(o, f));
  }
  if (f.report !== undefined) writeOutcomeReport(outcomes, f, table);
  if (table) return outcomes.every(matches) ? EXIT.holds : EXIT.violated;
  if (outcomes.some((o) => o.search.verdict === 'violated')) return EXIT.violated;
  if (outcomes.some((o) => o.search.verdict === 'incomplete')) return EXIT.incomplete;
  return EXIT.holds;
}

/** The summary line of a set of rows: all as expected, or how many differ. */
export function summaryLine(outs: readonly Outcome[], table: boolean): string {
  const bad = outs.filter((o) => !matches(o)).length;
  if (!table && outs.every((o) => o.job.expected === null)) {
    const v = outs.filter((o) => o.search.verdict === 'violated').length;
    return v === 0
      ? `no violation in ${outs.length} check${outs.length === 1 ? '' : 's'}`
      : `${v} of ${outs.length} checks violated`;
  }
  return bad === 0
    ? `all ${outs.length} verdicts as expected`
    : `${bad} of ${outs.length} verdicts differ from what the scenarios expect`;
}

/** `--report FILE`: the rows as Markdown, with the race of each violated row (see report.ts). */
export function writeOutcomeReport(outs: readonly Outcome[], f: CheckFlags, table: boolean): void {
  const rows: ReportRow[] = outs.map((o) => ({
    scenario: o.job.scenario,
    variant: o.job.variant,
    cpus: o.job.cpus,
    irq: irqBoundsText(o.job.irq),
    checking: o.job.invariants?.join(', ') ?? '',
    verdict: o.search.verdict,
    invariant: o.search.violation?.invariant ?? null,
    message: o.search.violation?.message ?? null,
    expected: expectedText(o.job.expected),
    ok: matches(o),
    search: strategyText(flagsFor(o.job, f)),
    executions: o.search.executions,
    tracePath: o.tracePath,
  }));
  writeReport(f.report as string, renderReport(rows, summaryLine(outs, table)));
}

/** `--irq SOURCE=N` (repeatable) → budgets by source name; null when none is given. */
export function parseIrqFlags(values: readonly string[] | undefined): IrqBounds | null {
  if (values === undefined || values.length === 0) return null;
  const out = new Map<string, number>();
  for (const v of values) {
    const m = /^([^=\s]+)=(\d+)$/.exec(v);
    if (!m) throw new UsageError(`--irq takes SOURCE=N with N a whole number, e.g. timer@cpu0=0 (got '${v}')`);
    const name = m[1] as string;
    if (out.has(name)) throw new UsageError(`--irq names '${name}' twice`);
    out.set(name, Number(m[2]));
  }
  // own properties only, whatever the names (fromEntries defines even '__proto__' as a plain key)
  return Object.fromEntries(out);
}

/**
 * `--memory-model sc|tso` and `--store-buffer N` → the memory model that
 * replaces every row's own; null when neither is given. --store-buffer alone
 * means x86-TSO with that depth.
 */
export function parseMemoryModelFlags(f: Pick<CheckFlags, 'memoryModel' | 'storeBuffer'>): MemoryModel | null {
  if (f.memoryModel === undefined && f.storeBuffer === undefined) return null;
  const name = f.memoryModel ?? 'tso';
  if (!isMemoryModelName(name)) throw new UsageError(`unknown memory model '${name}' (one of: sc, tso)`);
  if (f.storeBuffer !== undefined) {
    if (name !== 'tso') throw new UsageError('--store-buffer is the x86-TSO store-buffer depth: it needs --memory-model tso');
    if (f.storeBuffer > MAX_STORE_BUFFER)
      throw new UsageError(`--store-buffer is at most ${MAX_STORE_BUFFER} (got ${f.storeBuffer})`);
  }
  return f.storeBuffer !== undefined ? memoryModel(name, f.storeBuffer) : memoryModel(name);
}

/** The memory model of a row: --memory-model when given, else the row's own (or its scenario's). */
export function jobMemoryModel(s: ScenarioDef, row: Expectation | null, forced: MemoryModel | null): MemoryModel {
  return forced ?? statedMemoryModel(s, row);
}

/**
 * The budgets a job runs with, as the difference from the scenario's own
 * (so that `timer@cpu0=2` where the scenario gives 2 is the plain row); a
 * source the model does not have is bad input.
 */
export function jobIrq(s: ScenarioDef, variant: string, cpus: number, requested: IrqBounds | null): IrqBounds {
  if (requested === null) return {};
  try {
    return effectiveIrqBounds(s.build({ variant, cpus }), requested);
  } catch (e) {
    if (e instanceof IrqBoundError) throw new UsageError(`--irq: ${s.name} [${variant}]: ${e.message}`);
    throw e;
  }
}

/**
 * The expectation row for this CPU count, these interrupt budgets (none
 * given: the row without budgets) and this memory model (a row's own, else
 * its scenario's) that says something about a search of `invariants` (null:
 * every invariant): the row that checks exactly those; else one that checks
 * more of them and whose verdict carries over — it holds, or the invariant it
 * violates is among those checked. A row that checks other invariants says
 * nothing about this search (null).
 */
export function expectationFor(
  s: ScenarioDef,
  def: VariantDef | undefined,
  cpus: number,
  irq: IrqBounds,
  invariants: readonly string[] | null,
  mm: MemoryModel,
): Expectation | null {
  const rows =
    def?.expect.filter((e) => e.cpus === cpus && sameIrqBounds(e.irq, irq) && sameMemoryModel(statedMemoryModel(s, e), mm)) ?? [];
  return rows.find((e) => sameNames(e.only ?? null, invariants)) ?? rows.find((e) => carriesOver(e, invariants)) ?? null;
}

/** Does row e's verdict tell what a search of `invariants` (null: all) finds? */
export function carriesOver(e: Expectation, invariants: readonly string[] | null): boolean {
  if (invariants === null) return e.only === undefined;
  if (e.only !== undefined && !invariants.every((n) => e.only?.includes(n))) return false;
  return e.verdict === 'holds' || (e.invariant !== undefined && invariants.includes(e.invariant));
}

export function sameNames(a: readonly string[] | null, b: readonly string[] | null): boolean {
  return JSON.stringify(a ? [...a].sort() : null) === JSON.stringify(b ? [...b].sort() : null);
}

/** Adds the job unless the same one (rows that --cpus or --irq made alike) is there already. */
function pushUnique(jobs: Job[], j: Job): void {
  const same = (a: Job) =>
    a.scenario === j.scenario &&
    a.variant === j.variant &&
    a.cpus === j.cpus &&
    sameIrqBounds(a.irq, j.irq) &&
    sameMemoryModel(a.memoryModel, j.memoryModel) &&
    a.expected === j.expected &&
    sameNames(a.invariants, j.invariants);
  if (!jobs.some(same)) jobs.push(j);
}

/** The rows of the expectation table, and the long rows it leaves out without --all. */
interface Table {
  readonly jobs: Job[];
  readonly skippedLong: string[];
}

export function tableJobs(
  scenarios: readonly ScenarioDef[],
  f: CheckFlags,
  irq: IrqBounds | null,
  rowSearch: boolean,
  forcedMm: MemoryModel | null = null,
): Table {
  const jobs: Job[] = [];
  const skippedLong: string[] = [];
  for (const s of scenarios) {
    if (f.variant !== undefined && !hasOwn(s.variants, f.variant)) continue;
    checkInvariants(s, f.invariant);
    for (const [v, def] of Object.entries(s.variants)) {
      if (f.variant !== undefined && v !== f.variant) continue;
      // --cpus, --irq and --memory-model override each row's own; rows that become the same job are run once
      for (const row of def.expect) {
        const own = statedMemoryModel(s, row);
        if (row.long && !f.all) {
          skippedLong.push(`${s.name} [${v}] ${row.cpus} CPUs${own.name === 'sc' ? '' : ` (${memoryModelCell(own)})`}`);
          continue;
        }
        const cpus = f.cpus ?? row.cpus;
        const mm = forcedMm ?? own;
        const budgets = irq !== null ? jobIrq(s, v, cpus, irq) : row.cpus === cpus ? (row.irq ?? {}) : {};
        const named = f.invariant.length > 0 ? f.invariant : null;
        const isOwn = row.cpus === cpus && sameIrqBounds(row.irq, budgets) && sameMemoryModel(own, mm);
        // with --invariant, the row's verdict counts only when it says something about those invariants
        const e = isOwn && (named === null || carriesOver(row, named)) ? row : expectationFor(s, def, cpus, budgets, named, mm);
        const invariants = f.invariant.length > 0 ? f.invariant : (e?.only ?? null);
        pushUnique(jobs, {
          scenario: s,
          variant: v,
          cpus,
          irq: budgets,
          memoryModel: mm,
          invariants,
          expected: e,
          ...rowSearchOf(e, rowSearch),
        });
      }
    }
  }
  if (jobs.length === 0) {
    const names = scenarios.map((s) => s.name);
    const among = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
    throw new UsageError(`none of the scenarios named (${among}) has a variant '${f.variant}'`);
  }
  return { jobs, skippedLong };
}

/** The expectation's own search for its job, when rows may choose theirs (no --strategy named). */
export function rowSearchOf(e: Expectation | null, allowed: boolean): { search?: RowSearch } {
  if (!allowed || e?.search === undefined) return {};
  if (!(STRATEGIES as readonly string[]).includes(e.search.strategy)) {
    throw new Error(`expectation names an unknown strategy '${e.search.strategy}'`);
  }
  return { search: e.search };
}

/** The flags a job runs with: its row's own search, if it has one, in place of the table's. */
export function flagsFor(j: Job, f: CheckFlags): CheckFlags {
  if (j.search === undefined) return f;
  return { ...f, strategy: j.search.strategy, preemptions: j.search.preemptions ?? f.preemptions };
}

/** The job `check NAME --variant V --cpus N` runs (also what a merge of shards reports as). */
export function namedJob(
  s: ScenarioDef,
  variant: string,
  cpus: number,
  invariants: readonly string[] | null,
  irq: IrqBounds,
  mm: MemoryModel = statedMemoryModel(s),
): Job {
  const expected = expectationFor(s, ownValue(s.variants, variant), cpus, irq, invariants, mm);
  return { scenario: s, variant, cpus, irq, memoryModel: mm, invariants, expected };
}

function namedJobs(scenarios: readonly ScenarioDef[], f: CheckFlags, irq: IrqBounds | null, forcedMm: MemoryModel | null): Job[] {
  const jobs: Job[] = [];
  for (const s of scenarios) {
    if (f.variant !== undefined) checkVariant(s, f.variant);
    checkInvariants(s, f.invariant);
    const variants = f.variant !== undefined ? [f.variant] : Object.keys(s.variants);
    for (const v of variants) {
      const cpus = f.cpus ?? s.cpus;
      jobs.push(
        namedJob(
          s,
          v,
          cpus,
          f.invariant.length > 0 ? f.invariant : null,
          jobIrq(s, v, cpus, irq),
          forcedMm ?? statedMemoryModel(s),
        ),
      );
    }
  }
  return jobs;
}

function runScenarioWithStatus(j: Job, opts: RunOptions, status: StatusLine): RunResult {
  try {
    return runScenario(j.scenario, opts);
  } finally {
    status.done();
  }
}

export function runOptions(j: Job, f: CheckFlags, status: StatusLine | null): RunOptions {
  return {
    variant: j.variant,
    cpus: j.cpus,
    strategy: f.strategy as StrategyName,
    seed: f.seed,
    runs: f.runs,
    invariants: j.invariants,
    source: sourceOf(j.scenario),
    maxSteps: f.maxSteps ?? j.scenario.maxSteps ?? DEFAULT_MAX_STEPS,
    ...(Object.keys(j.irq).length > 0 ? { irq: j.irq } : {}),
    memoryModel: j.memoryModel,
    cache: !f.stateless,
    por: f.por !== false,
    exactStates: f.exactStates === true,
    preemptions: f.preemptions,
    ...(f.delays !== undefined ? { delays: f.delays } : {}),
    depth: f.depth,
    shrink: f.shrink,
    budget: {
      ...(f.maxExecutions !== undefined ? { maxExecutions: f.maxExecutions } : {}),
      ...(f.maxTime !== undefined ? { maxTimeMs: f.maxTime * 1000 } : {}),
      ...(f.maxMemory !== undefined ? { maxMemoryMb: f.maxMemory } : {}),
      ...(status ? { onProgress: status.update } : {}),
    },
    ...(f.workers !== undefined ? { workers: f.workers } : {}),
    ...(f.shard !== undefined ? { shard: parseShardOption(f.shard) } : {}),
  };
}

/** Is the search split into slices (and so resumable from a checkpoint)? */
export function isSliced(f: CheckFlags): boolean {
  return f.workers !== undefined || f.shard !== undefined || f.checkpoint !== undefined;
}

/**
 * The checkpoint of a sliced job: --checkpoint's file, saved after every
 * slice; otherwise a file beside the trace, written only if the search
 * stops early (interrupted, out of time or memory).
 */
export function checkpointerFor(j: Job, f: CheckFlags, done: readonly SliceResult[]): Checkpointer | null {
  if (!isSliced(f)) return null;
  return new Checkpointer(j, f, f.checkpoint ?? `${jobFileBase(j, f)}.checkpoint.json`, f.checkpoint !== undefined, done);
}

/** Runs one job (`at`: its place in the table, for the status line; `done`: the slices a checkpoint already holds). */
export function runJob(j: Job, table: CheckFlags, at?: { row: number; of: number }, done: readonly SliceResult[] = []): Outcome {
  const f = flagsFor(j, table);
  const irq = Object.keys(j.irq).length > 0 ? ` irq ${irqBoundsText(j.irq)}` : '';
  const mm = j.memoryModel.name === 'sc' ? '' : ` ${memoryModelCell(j.memoryModel)}`;
  const row = at && at.of > 1 ? `row ${at.row} of ${at.of}: ` : '';
  const status = new StatusLine(
    `${row}${j.scenario.name} [${j.variant}] ${j.cpus} CPU${j.cpus > 1 ? 's' : ''}${irq}${mm} ${f.strategy}`,
    process.stderr,
    {
      ...(f.maxExecutions !== undefined ? { maxExecutions: f.maxExecutions } : {}),
      ...(f.maxTime !== undefined ? { maxTimeMs: f.maxTime * 1000 } : {}),
    },
  );
  const cp = checkpointerFor(j, f, done);
  const opts = cp ? cp.hook(runOptions(j, f, status)) : runOptions(j, f, status);
  const r = runScenarioWithStatus(j, opts, status);
  const note = cp
    ? cp.finish(opts, r.search.stoppedBy)
    : r.search.stoppedBy === 'interrupted'
      ? 'this search was not split into slices, so it cannot be resumed (check … --checkpoint FILE makes it resumable)'
      : null;
  if (note !== null) process.stderr.write(`ptrace-mc: ${note}\n`);
  return outcomeOf(j, f, r);
}

/** Where a job's files go, without the extension: `<out-dir>/<scenario>/<variant>.cpusN[.tso][.irq-…][.INVARIANTS]`. */
export function jobFileBase(j: Job, f: CheckFlags): string {
  const mm = j.memoryModel.name === 'sc' ? '' : `.${memoryModelCell(j.memoryModel).replace('/', '')}`;
  return join(
    f.outDir,
    ...j.scenario.name.split('/'),
    `${j.variant}.cpus${j.cpus}${mm}${irqFileTag(j.irq)}${j.invariants ? `.${j.invariants.join('+')}` : ''}`,
  );
}

/** Writes the outcome's trace (if any) where the flags say. */
export function outcomeOf(j: Job, f: CheckFlags, { search, trace, shrunk }: RunResult): Outcome {
  let tracePath: string | null = null;
  if (trace) {
    tracePath = tracePathFor(j, f);
    mkdirSync(dirname(tracePath), { recursive: true });
    writeFileSync(tracePath, traceToText(trace));
  }
  return { job: j, search, tracePath, traceStats: trace ? trace.stats : null, shrunk };
}

/** Where a job's counterexample trace goes: --trace-out, or a path under --out-dir named after the row. */
export function tracePathFor(j: Job, f: CheckFlags): string {
  return f.traceOut ?? `${jobFileBase(j, f)}.json`;
}

/**
 * `.irq-timer@cpu0=0` for a trace written under budgets of its own (and, in
 * the file name, `.INVARIANT` when the row checks only some): rows of one
 * variant and CPU count do not overwrite each other's trace.
 */
function irqFileTag(irq: IrqBounds): string {
  const parts = Object.entries(irq).map(([n, b]) => `${n}=${b}`);
  return parts.length > 0 ? `.irq-${parts.join(',')}` : '';
}

/** The memory model, the irq budgets and the narrowed invariants of each row, as columns when some row has them. */
export function boundsColumns(outs: readonly Outcome[]): Column[] {
  return [
    ...optionalColumn(
      'memory',
      outs.map((o) => (o.job.memoryModel.name === 'sc' ? '-' : memoryModelCell(o.job.memoryModel))),
    ),
    ...optionalColumn(
      'irq',
      outs.map((o) => irqCell(o.job.irq)),
    ),
    ...optionalColumn(
      'checking',
      outs.map((o) => o.job.invariants?.join(', ') ?? '-'),
      'differ',
    ),
  ];
}

/** `timer@cpu0=0`, or '-' for the scenario's own budgets (a table cell). */
export function irqCell(irq: IrqBounds): string {
  return irqBoundsText(irq) || '-';
}

/**
 * The bounds a verdict is relative to: the scenario's, the budgets --irq or
 * the row replaced, and the memory model when it is not sequential
 * consistency (a store-buffer depth is a bound).
 */
export function boundsText(s: ScenarioDef, irq: IrqBounds, mm: MemoryModel = SC): string {
  let own = s.bounds ?? '';
  if (Object.keys(irq).length > 0) {
    const set = `interrupt budgets set to ${irqBoundsText(irq)}`;
    own = own ? `${own}, except ${set}` : set;
  }
  if (mm.name === 'sc') return own;
  return own ? `${own}; ${describeMemoryModel(mm)}` : describeMemoryModel(mm);
}

export function matches(o: Outcome): boolean {
  const e = o.job.expected;
  if (e === null) return o.search.verdict !== 'incomplete';
  if (o.search.verdict !== e.verdict) return false;
  return e.verdict !== 'violated' || e.invariant === undefined || o.search.violation?.invariant === e.invariant;
}

export function expectedText(e: Expectation | null): string {
  if (e === null) return '-';
  return e.verdict === 'violated' && e.invariant ? `violated (${e.invariant})` : e.verdict;
}

/**
 * One row of `check --json` (and what the API's `check` returns): the
 * scenario, variant and CPU count, the search and its parameters, the
 * verdict with the violated invariant and its message, the counts, the
 * counterexample trace, and the expectation it was held to.
 */
export interface CheckResult {
  readonly scenario: string;
  readonly variant: string;
  readonly cpus: number;
  /** interrupt budgets that replaced the scenario's (absent: its own) */
  readonly irq?: Readonly<Record<string, number>>;
  /** the memory model: `sc` or `tso` */
  readonly memoryModel: 'sc' | 'tso';
  /** x86-TSO: the store-buffer depth per CPU */
  readonly storeBuffer?: number;
  /** what the variant's prologue does, in words: run in one order before the search, not searched */
  readonly prologue?: string;
  readonly strategy: string;
  readonly seed?: number;
  readonly preemptions?: number;
  readonly depth?: number;
  readonly runs?: number;
  /** the invariants checked (null: all the scenario's) */
  readonly invariants: readonly string[] | null;
  readonly verdict: 'holds' | 'violated' | 'incomplete';
  /** the violated invariant and what it says, when violated */
  readonly invariant?: string;
  readonly message?: string;
  /** why an incomplete search stopped */
  readonly stoppedBy?: StopReason;
  readonly coverage?: string;
  readonly executions: number;
  /** states explored (a state not kept counts again each time it is reached again), and how many were kept */
  readonly states: number | null;
  readonly statesKept?: number;
  readonly steps: number;
  /** the counterexample's trace file, its steps and preemptions */
  readonly trace?: string;
  readonly traceSteps?: number;
  readonly tracePreemptions?: number;
  /** the counterexample as found, before shrinking */
  readonly foundSteps?: number;
  readonly foundPreemptions?: number;
  /** the verdict the scenario expects for this row (null: it states none), and whether this one is it */
  readonly expected?: 'holds' | 'violated' | null;
  readonly matches?: boolean;
  /** wall time, with --timing */
  readonly timeMs?: number;
}

export function jsonOf(o: Outcome, tableFlags: CheckFlags, table: boolean): CheckResult {
  const f = flagsFor(o.job, tableFlags);
  const r = o.search;
  return {
    scenario: o.job.scenario.name,
    variant: o.job.variant,
    cpus: o.job.cpus,
    ...(Object.keys(o.job.irq).length > 0 ? { irq: o.job.irq } : {}),
    memoryModel: o.job.memoryModel.name,
    ...(o.job.memoryModel.name === 'tso' ? { storeBuffer: o.job.memoryModel.storeBuffer } : {}),
    ...prologueOf(o.job),
    strategy: f.strategy,
    ...strategyParams(f),
    invariants: o.job.invariants,
    verdict: r.verdict,
    ...(r.violation ? { invariant: r.violation.invariant, message: r.violation.message } : {}),
    ...(r.stoppedBy ? { stoppedBy: r.stoppedBy } : {}),
    ...(r.coverage ? { coverage: r.coverage } : {}),
    executions: r.executions,
    states: r.states,
    ...(r.storedStates !== undefined ? { statesKept: r.storedStates } : {}),
    ...(r.collisionProbability !== undefined ? { collisionProbability: r.collisionProbability } : {}),
    steps: r.steps,
    ...(o.tracePath ? { trace: o.tracePath, traceSteps: o.traceStats?.steps, tracePreemptions: o.traceStats?.preemptions } : {}),
    ...(o.shrunk ? { foundSteps: o.shrunk.from.steps, foundPreemptions: o.shrunk.from.preemptions } : {}),
    ...(table || o.job.expected ? { expected: o.job.expected?.verdict ?? null, matches: matches(o) } : {}),
    ...(f.timing ? { timeMs: Math.round(r.elapsedMs) } : {}),
  };
}

/** The variant's prologue, in words: a holds from it is a claim about the window after it only. */
function prologueOf(j: Job): { prologue?: string } {
  const p = j.scenario.variants[j.variant]?.prologue;
  return p ? { prologue: p } : {};
}

/** The options that shape the chosen strategy's search, for the output. */
function strategyParams(f: CheckFlags): Record<string, number> {
  const p: Record<string, number> = {};
  if (SEEDED.includes(f.strategy as StrategyName)) p.seed = f.seed;
  if (f.strategy === 'bounded') p.preemptions = f.preemptions;
  if (f.strategy === 'delay') p.delays = f.delays ?? DEFAULT_DELAYS;
  if (f.strategy === 'pct') p.depth = f.depth;
  if (f.strategy === 'pct' || f.strategy === 'random' || f.strategy === 'portfolio') p.runs = f.runs;
  return p;
}

export function strategyText(f: CheckFlags): string {
  const p = Object.entries(strategyParams(f))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return p ? `${f.strategy}: ${p}` : f.strategy;
}

/** `1 execution`, `12 executions`, `2 branches` */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : noun.endsWith('h') ? 'es' : 's'}`;
}

function ms(x: number): string {
  return x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`;
}

/** The search in a few characters, for the table: `dfs`, `bounded k=1`, `pct d=3`. */
export function shortStrategy(f: CheckFlags): string {
  if (f.strategy === 'bounded') return `bounded k=${f.preemptions}`;
  if (f.strategy === 'pct') return `pct d=${f.depth}`;
  return f.strategy;
}

/** Seconds, one unit for the whole column. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

/**
 * The lines under a row that say what its cells cannot: the interrupt
 * budgets and the invariants it is limited to, the violated invariant and
 * where its trace is, what was expected when the verdict differs, and why a
 * search stopped short.
 */
function rowDetails(o: Outcome): string[] {
  const j = o.job;
  const r = o.search;
  const out: string[] = [];
  const bounds = [
    j.memoryModel.name === 'sc' ? '' : describeMemoryModel(j.memoryModel),
    Object.keys(j.irq).length > 0 ? `irq ${irqBoundsText(j.irq)}` : '',
    j.invariants ? `checking ${j.invariants.join(', ')}` : '',
  ].filter((x) => x !== '');
  if (bounds.length > 0) out.push(...fitDetail(bounds));
  if (r.verdict === 'violated' && r.violation) {
    const line = `${r.violation.invariant}${o.tracePath ? `, trace ${o.tracePath}` : ''}`;
    // a long trace path goes on a line of its own, so the table stays within a terminal's width; one too long even
    // for that is printed whole from the line's start (never cut: it is there to be copied)
    if (o.tracePath === null || DETAIL_INDENT.length + line.length <= TABLE_WIDTH) out.push(line);
    else if (DETAIL_INDENT.length + `trace ${o.tracePath}`.length <= TABLE_WIDTH)
      out.push(r.violation.invariant, `trace ${o.tracePath}`);
    else out.push(`${r.violation.invariant}, trace:`, `${UNINDENTED}${o.tracePath}`);
  }
  if (r.verdict === 'incomplete') {
    out.push(
      r.stoppedBy === 'not-exhaustive'
        ? 'incomplete: the search does not cover every interleaving'
        : `incomplete: stopped by --${r.stoppedBy}`,
    );
  }
  if (j.expected !== null && !matches(o)) out.push(`expected ${expectedText(j.expected)}`);
  return out.map((x) => (x.startsWith(UNINDENTED) ? x.slice(UNINDENTED.length) : `${DETAIL_INDENT}${x}`));
}

/**
 * Detail parts on one line, '; ' between them, while that fits the table's
 * width; else one line each, a part too long for a line (a long list of
 * invariants) wrapped after a comma.
 */
function fitDetail(parts: readonly string[]): string[] {
  const room = TABLE_WIDTH - DETAIL_INDENT.length;
  const one = parts.join('; ');
  if (one.length <= room) return [one];
  return parts.flatMap((part) => {
    if (part.length <= room) return [part];
    const lines: string[] = [];
    let line = '';
    for (const item of part.split(', ')) {
      if (line !== '' && line.length + 2 + item.length + 1 > room) {
        lines.push(`${line},`);
        line = `  ${item}`;
      } else line = line === '' ? item : `${line}, ${item}`;
    }
    lines.push(line);
    return lines;
  });
}

const DETAIL_INDENT = '      ';
/** marks a detail line printed from the line's start */
const UNINDENTED = '\u0000';
/** the terminal width the table is made to fit */
export const TABLE_WIDTH = 120;

/** Inserts each row's detail lines under it (the first two lines are the heading and the rule). */
function withDetails(lines: readonly string[], outs: readonly Outcome[]): string[] {
  const out = lines.slice(0, 2);
  outs.forEach((o, i) => {
    out.push(lines[i + 2] as string, ...rowDetails(o));
  });
  return out;
}

/**
 * The expectation table, one row per claim, no wider than a terminal: the
 * row (scenario and variant), CPUs, the verdict and whether it is the one
 * expected, the search, executions and seconds; the details (interrupt
 * budgets, narrowed invariants, the violated invariant and its trace, what
 * was expected when it differs) on indented lines under the row.
 */
export function renderTable(outs: readonly Outcome[], f: CheckFlags, skippedLong: readonly string[]): string {
  const col = (head: string, cell: (o: Outcome) => string, right = false) => column(outs, head, cell, right);
  const out = withDetails(
    formatColumns([
      col('scenario [variant]', (o) => `${o.job.scenario.name} [${o.job.variant}]`),
      // the CPU count and, when it is not sequential consistency, the memory model (`2 tso`)
      col('cpus', (o) => `${o.job.cpus}${o.job.memoryModel.name === 'sc' ? '' : ` ${memoryModelCell(o.job.memoryModel)}`}`, true),
      col('verdict', (o) => o.search.verdict),
      col('expected', (o) => (o.job.expected === null ? 'no claim' : matches(o) ? 'ok' : 'MISMATCH')),
      col('search', (o) => shortStrategy(flagsFor(o.job, f))),
      col('executions', (o) => String(o.search.executions), true),
      col('time s', (o) => seconds(o.search.elapsedMs), true),
    ]),
    outs,
  );
  const bad = outs.filter((o) => !matches(o)).length;
  const traces = outs.filter((o) => o.tracePath).length;
  out.push('');
  out.push(
    bad === 0
      ? `all ${outs.length} verdicts as expected (strategy ${f.strategy}${outs.some((o) => o.job.search) ? ' unless the row names its own search' : ''})`
      : `${bad} of ${outs.length} verdicts differ from what the scenarios expect`,
  );
  if (traces > 0) out.push(`counterexample traces written under ${f.outDir}/`);
  if (skippedLong.length > 0) {
    out.push(
      `not run: ${skippedLong.length} row${skippedLong.length === 1 ? '' : 's'} whose search is long (check --all runs them):`,
      ...skippedLong.map((x) => `${DETAIL_INDENT}${x}`),
    );
  }
  return `${out.join('\n')}\n`;
}

/** Why an incomplete search stopped, in words. */
export function stopText(r: SearchResult, f: CheckFlags): string {
  switch (r.stoppedBy) {
    case 'not-exhaustive':
      return `${f.strategy} search found no violation but does not cover every interleaving`;
    case 'max-steps':
      return `executions longer than --max-steps were cut`;
    case 'max-memory':
      return `out of memory budget after ${r.states ?? 'an unknown number of'} states`;
    case 'interrupted':
      return 'interrupted';
    default:
      return `stopped by --${r.stoppedBy}`;
  }
}

function renderOne(o: Outcome, tableFlags: CheckFlags): string {
  const f = flagsFor(o.job, tableFlags);
  const r = o.search;
  const j = o.job;
  const mmText = j.memoryModel.name === 'sc' ? '' : `, ${describeMemoryModel(j.memoryModel)}`;
  const only = `${mmText}${Object.keys(j.irq).length > 0 ? `, irq ${irqBoundsText(j.irq)}` : ''}${j.invariants ? `, checking ${j.invariants.join(', ')}` : ''}`;
  const out: string[] = [];
  out.push(
    `${j.scenario.name} [${j.variant}] on ${j.cpus} CPU${j.cpus > 1 ? 's' : ''} (${strategyText(f)}${only}): ${r.verdict}`,
  );
  const kept = r.storedStates !== undefined ? ` (${r.storedStates} kept)` : '';
  const counts = `${r.executions} executions${r.states !== null ? `, ${r.states} states${kept}` : ''}, ${r.steps} steps, deepest ${r.maxDepth}, ${ms(r.elapsedMs)}`;
  const fp =
    r.collisionProbability !== undefined
      ? `  states told apart by 64-bit fingerprint: probability that two were taken for one ≤ ${r.collisionProbability.toExponential(1)} (--exact-states for exact keys)`
      : null;
  if (r.verdict === 'violated' && r.violation) {
    out.push(`  ${r.violation.invariant}: ${r.violation.message}`);
    out.push(`  found after ${counts}`);
    if (o.tracePath && o.traceStats) {
      const st = o.traceStats;
      const shrunk = o.shrunk
        ? `shrunk from ${count(o.shrunk.from.steps, 'step')}, ${count(o.shrunk.from.preemptions, 'preemption')} to `
        : '';
      out.push(
        `  trace: ${o.tracePath} (${shrunk}${count(st.steps, 'step')}, ${count(st.preemptions, 'preemption')}, ${count(st.contextSwitches, 'switch')} between CPUs); see it with: ptrace-mc render ${o.tracePath}`,
      );
    }
  } else if (r.verdict === 'holds') {
    const b = boundsText(j.scenario, j.irq, j.memoryModel);
    const bounds = b ? `; bounds: ${b}` : '';
    out.push(`  every interleaving on ${j.cpus} CPU${j.cpus > 1 ? 's' : ''} explored: ${counts}${bounds}`);
    if (fp) out.push(fp);
  } else {
    out.push(`  incomplete: ${stopText(r, f)} (${counts}); this is not a proof`);
    if (r.coverage) out.push(`  ${r.stoppedBy === 'max-steps' ? 'cut' : 'covered'}: ${r.coverage}`);
  }
  if (j.expected === null) {
    // compare like with like: a table row that checks fewer invariants says nothing about this search
    const narrower = (ownValue(j.scenario.variants, j.variant)?.expect ?? []).filter(
      (e) =>
        e.cpus === j.cpus &&
        sameIrqBounds(e.irq, j.irq) &&
        sameMemoryModel(statedMemoryModel(j.scenario, e), j.memoryModel) &&
        e.only !== undefined,
    );
    for (const e of narrower) {
      const only = e.only as readonly string[];
      out.push(
        `  not compared: this search checked every invariant; the table's row checks only ${only.join(', ')} (expected: ${expectedText(e)}): check it with ${only.map((n) => `--invariant ${n}`).join(' ')}`,
      );
    }
  }
  const { prologue } = prologueOf(j);
  if (prologue) out.push(`  prologue, run in one order before the search (not searched): ${prologue}`);
  if (j.expected) out.push(`  expected: ${expectedText(j.expected)}${matches(o) ? '' : '  <-- differs'}`);
  return `${out.join('\n')}\n`;
}
