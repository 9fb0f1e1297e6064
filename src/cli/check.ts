import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SearchResult } from '../explorer/explore.ts';
import {
  DEFAULT_MAX_STEPS,
  type RunOptions,
  type RunResult,
  runScenario,
  SEEDED,
  STRATEGIES,
  type StrategyName,
} from '../explorer/run.ts';
import { traceToText } from '../explorer/trace.ts';
import type { Expectation, RowSearch, ScenarioDef } from '../model/scenario.ts';
import { EXIT, UsageError } from './errors.ts';
import { StatusLine } from './progress.ts';
import { checkInvariants, checkVariant, SCENARIOS, scenarioByName } from './scenario-select.ts';
import { checkSlicing, parseShardOption, runShard } from './shard.ts';

export interface CheckFlags {
  variant?: string;
  cpus?: number;
  invariant: string[];
  strategy: string;
  seed: number;
  runs: number;
  maxExecutions?: number;
  maxTime?: number;
  maxSteps?: number;
  stateless?: boolean;
  /** false with --no-por */
  por?: boolean;
  preemptions: number;
  depth: number;
  shrink: boolean;
  traceOut?: string;
  outDir: string;
  json?: boolean;
  timing?: boolean;
  workers?: number;
  shard?: string;
  shardOut?: string;
  /** every variant on 1 CPU and on the scenario's CPU counts, in one table */
  compare?: boolean;
  /** the expectation table includes the rows marked long */
  all?: boolean;
}

/** One scenario × variant × CPU count to check. */
export interface Job {
  readonly scenario: ScenarioDef;
  readonly variant: string;
  readonly cpus: number;
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
 * The strategy when none is named: optimal DPOR for a named scenario; for the
 * expectation table (no scenario, or groups) the stateful dfs, whose
 * visited-state set is much faster on the kernel scenarios, where many
 * interleavings reach the same state (DragonOS c1 master on 2 CPUs: dfs
 * 70,407 executions in 6.4 s; dpor still running past 62,000 executions at
 * 186 s). Both are exhaustive and give the same verdicts.
 */
export function defaultStrategy(names: readonly string[]): StrategyName {
  const table = names.length === 0 || names.every((n) => n.endsWith('/'));
  return table ? 'dfs' : (STRATEGIES[0] as StrategyName);
}

/** The flags as parsed: no strategy when none was named. */
export type CheckInput = Omit<CheckFlags, 'strategy'> & { strategy?: string };

export function checkCommand(names: string[], flags: CheckInput): number {
  const f: CheckFlags = { ...flags, strategy: flags.strategy ?? defaultStrategy(names) };
  if (!(STRATEGIES as readonly string[]).includes(f.strategy)) {
    throw new UsageError(`unknown strategy '${f.strategy}' (one of: ${STRATEGIES.join(', ')})`);
  }
  if (f.traceOut !== undefined && names.length !== 1) {
    throw new UsageError('--trace-out needs exactly one scenario (with no scenario, traces go under --out-dir)');
  }
  // No scenario, or only groups ("dragonos/"): the expectation table of every built-in in them.
  const groups = names.filter((n) => n.endsWith('/'));
  if (groups.length > 0 && groups.length !== names.length) {
    throw new UsageError('name either scenarios or groups such as dragonos/, not both');
  }
  const table = names.length === 0 || groups.length > 0;
  const t = table ? tableJobs(f, groups, flags.strategy === undefined) : { jobs: namedJobs(names, f), skippedLong: [] };
  const jobs = t.jobs;
  if (f.traceOut !== undefined && jobs.length > 1 && f.variant === undefined) {
    throw new UsageError('--trace-out needs --variant when the scenario has several variants');
  }
  checkSlicing(f, jobs);
  if (f.shard !== undefined) return runShard(jobs[0] as Job, f);
  const outcomes = jobs.map((j) => runJob(j, f));
  return printOutcomes(outcomes, f, table, t.skippedLong);
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
  if (table) return outcomes.every(matches) ? EXIT.holds : EXIT.violated;
  if (outcomes.some((o) => o.search.verdict === 'violated')) return EXIT.violated;
  if (outcomes.some((o) => o.search.verdict === 'incomplete')) return EXIT.incomplete;
  return EXIT.holds;
}

/** The rows of the expectation table, and the long rows it leaves out without --all. */
interface Table {
  readonly jobs: Job[];
  readonly skippedLong: string[];
}

function tableJobs(f: CheckFlags, groups: readonly string[], rowSearch: boolean): Table {
  const jobs: Job[] = [];
  const skippedLong: string[] = [];
  for (const g of groups) {
    if (!SCENARIOS.some((s) => s.name.startsWith(g))) throw new UsageError(`no built-in scenario in group '${g}'`);
  }
  for (const s of SCENARIOS) {
    if (groups.length > 0 && !groups.some((g) => s.name.startsWith(g))) continue;
    if (f.variant !== undefined && !(f.variant in s.variants)) continue;
    checkInvariants(s, f.invariant);
    for (const [v, def] of Object.entries(s.variants)) {
      if (f.variant !== undefined && v !== f.variant) continue;
      const rows = f.cpus !== undefined ? [def.expect.find((e) => e.cpus === f.cpus) ?? null] : def.expect;
      for (const e of rows) {
        if (e?.long && !f.all) {
          skippedLong.push(`${s.name} [${v}] ${e.cpus} CPUs`);
          continue;
        }
        const cpus = f.cpus ?? (e as Expectation).cpus;
        const invariants = f.invariant.length > 0 ? f.invariant : (e?.only ?? null);
        jobs.push({ scenario: s, variant: v, cpus, invariants, expected: e, ...rowSearchOf(e, rowSearch) });
      }
    }
  }
  if (jobs.length === 0) throw new UsageError(`no built-in scenario has a variant '${f.variant}'`);
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
export function namedJob(s: ScenarioDef, variant: string, cpus: number, invariants: readonly string[] | null): Job {
  const expected = s.variants[variant]?.expect.find((e) => e.cpus === cpus) ?? null;
  return { scenario: s, variant, cpus, invariants, expected };
}

function namedJobs(names: string[], f: CheckFlags): Job[] {
  const jobs: Job[] = [];
  for (const n of names) {
    const s = scenarioByName(n);
    if (f.variant !== undefined) checkVariant(s, f.variant);
    checkInvariants(s, f.invariant);
    const variants = f.variant !== undefined ? [f.variant] : Object.keys(s.variants);
    for (const v of variants) jobs.push(namedJob(s, v, f.cpus ?? s.cpus, f.invariant.length > 0 ? f.invariant : null));
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
    maxSteps: f.maxSteps ?? j.scenario.maxSteps ?? DEFAULT_MAX_STEPS,
    cache: !f.stateless,
    por: f.por !== false,
    preemptions: f.preemptions,
    depth: f.depth,
    shrink: f.shrink,
    budget: {
      ...(f.maxExecutions !== undefined ? { maxExecutions: f.maxExecutions } : {}),
      ...(f.maxTime !== undefined ? { maxTimeMs: f.maxTime * 1000 } : {}),
      ...(status ? { onProgress: status.update } : {}),
    },
    ...(f.workers !== undefined ? { workers: f.workers } : {}),
    ...(f.shard !== undefined ? { shard: parseShardOption(f.shard) } : {}),
  };
}

export function runJob(j: Job, table: CheckFlags): Outcome {
  const f = flagsFor(j, table);
  const status = new StatusLine(`${j.scenario.name} [${j.variant}] ${j.cpus} CPU${j.cpus > 1 ? 's' : ''} ${f.strategy}`);
  return outcomeOf(j, f, runScenarioWithStatus(j, runOptions(j, f, status), status));
}

/** Writes the outcome's trace (if any) where the flags say. */
export function outcomeOf(j: Job, f: CheckFlags, { search, trace, shrunk }: RunResult): Outcome {
  let tracePath: string | null = null;
  if (trace) {
    tracePath = f.traceOut ?? join(f.outDir, ...j.scenario.name.split('/'), `${j.variant}.cpus${j.cpus}.json`);
    mkdirSync(dirname(tracePath), { recursive: true });
    writeFileSync(tracePath, traceToText(trace));
  }
  return { job: j, search, tracePath, traceStats: trace ? trace.stats : null, shrunk };
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

function verdictText(o: Outcome): string {
  const v = o.search.violation;
  return o.search.verdict === 'violated' && v ? `violated (${v.invariant})` : o.search.verdict;
}

export function jsonOf(o: Outcome, tableFlags: CheckFlags, table: boolean): Record<string, unknown> {
  const f = flagsFor(o.job, tableFlags);
  const r = o.search;
  return {
    scenario: o.job.scenario.name,
    variant: o.job.variant,
    cpus: o.job.cpus,
    strategy: f.strategy,
    ...strategyParams(f),
    invariants: o.job.invariants,
    verdict: r.verdict,
    ...(r.violation ? { invariant: r.violation.invariant, message: r.violation.message } : {}),
    ...(r.stoppedBy ? { stoppedBy: r.stoppedBy } : {}),
    ...(r.coverage ? { coverage: r.coverage } : {}),
    executions: r.executions,
    states: r.states,
    steps: r.steps,
    ...(o.tracePath ? { trace: o.tracePath, traceSteps: o.traceStats?.steps, tracePreemptions: o.traceStats?.preemptions } : {}),
    ...(o.shrunk ? { foundSteps: o.shrunk.from.steps, foundPreemptions: o.shrunk.from.preemptions } : {}),
    ...(table || o.job.expected ? { expected: o.job.expected?.verdict ?? null, matches: matches(o) } : {}),
    ...(f.timing ? { timeMs: Math.round(r.elapsedMs) } : {}),
  };
}

/** The options that shape the chosen strategy's search, for the output. */
function strategyParams(f: CheckFlags): Record<string, number> {
  const p: Record<string, number> = {};
  if (SEEDED.includes(f.strategy as StrategyName)) p.seed = f.seed;
  if (f.strategy === 'bounded') p.preemptions = f.preemptions;
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

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : noun.endsWith('h') ? 'es' : 's'}`;
}

function ms(x: number): string {
  return x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`;
}

function renderTable(outs: readonly Outcome[], f: CheckFlags, skippedLong: readonly string[]): string {
  const rows = outs.map((o) => [
    o.job.scenario.name,
    o.job.variant,
    String(o.job.cpus),
    verdictText(o),
    expectedText(o.job.expected),
    matches(o) ? 'ok' : 'MISMATCH',
    strategyText(flagsFor(o.job, f)),
    String(o.search.executions),
    ms(o.search.elapsedMs),
  ]);
  const head = ['scenario', 'variant', 'cpus', 'verdict', 'expected', '', 'search', 'executions', 'time'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 2 || i >= 7 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
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
      `not run: ${skippedLong.length} row${skippedLong.length === 1 ? '' : 's'} whose search takes many minutes (${skippedLong.join('; ')}): check --all runs them`,
    );
  }
  return `${out.join('\n')}\n`;
}

function renderOne(o: Outcome, tableFlags: CheckFlags): string {
  const f = flagsFor(o.job, tableFlags);
  const r = o.search;
  const j = o.job;
  const only = j.invariants ? `, checking ${j.invariants.join(', ')}` : '';
  const out: string[] = [];
  out.push(
    `${j.scenario.name} [${j.variant}] on ${j.cpus} CPU${j.cpus > 1 ? 's' : ''} (${strategyText(f)}${only}): ${r.verdict}`,
  );
  const counts = `${r.executions} executions${r.states !== null ? `, ${r.states} states` : ''}, ${r.steps} steps, deepest ${r.maxDepth}, ${ms(r.elapsedMs)}`;
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
    const bounds = j.scenario.bounds ? `; bounds: ${j.scenario.bounds}` : '';
    out.push(`  every interleaving on ${j.cpus} CPU${j.cpus > 1 ? 's' : ''} explored: ${counts}${bounds}`);
  } else {
    const why =
      r.stoppedBy === 'not-exhaustive'
        ? `${f.strategy} search found no violation but does not cover every interleaving`
        : `stopped by --${r.stoppedBy}`;
    out.push(`  incomplete: ${why} (${counts}); this is not a proof`);
    if (r.coverage) out.push(`  covered: ${r.coverage}`);
  }
  if (j.expected) out.push(`  expected: ${expectedText(j.expected)}${matches(o) ? '' : '  <-- differs'}`);
  return `${out.join('\n')}\n`;
}
