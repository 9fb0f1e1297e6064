import { existsSync, readFileSync } from 'node:fs';
import {
  type CheckFlags,
  type CheckResult,
  jobIrq,
  jsonOf,
  namedJob,
  type Outcome,
  outcomeOf,
  parseMemoryModelFlags,
  runOptions,
} from '../cli/check.ts';
import { compareJobs } from '../cli/compare.ts';
import { checkInvariants, checkVariant } from '../cli/scenario-select.ts';
import { analyzeTrace } from '../explorer/analyze.ts';
import { renderExplain } from '../explorer/explain.ts';
import { explore as exploreMachine } from '../explorer/explore.ts';
import { checkCpuCount } from '../explorer/limits.ts';
import { DEFAULT_MAX_STEPS, makeStrategy, runScenario, STRATEGIES, type StrategyName } from '../explorer/run.ts';
import { parseTrace } from '../explorer/trace.ts';
import { selectScenarios } from '../load/select.ts';
import { applyIrqBounds } from '../model/irq-bounds.ts';
import { Machine } from '../model/machine.ts';
import { type MemoryModelName, statedMemoryModel } from '../model/memory-model.ts';
import type { ScenarioDef } from '../model/scenario.ts';
import type { ModelDef } from '../model/types.ts';

export type { CheckResult };

/** How `check` and `compare` search: the options of `ptrace-mc check`, by their long names. */
export interface CheckOptions {
  /** the variant (default: the scenario's only one; a scenario with several needs it named) */
  readonly variant?: string;
  /** CPUs (default: the scenario's) */
  readonly cpus?: number;
  /** default dpor (exhaustive) */
  readonly strategy?: StrategyName;
  /** check only these invariants */
  readonly invariants?: readonly string[];
  /** interrupt budgets replacing the scenario's, by source (`{ 'timer@cpu0': 0 }`, as --irq) */
  readonly irq?: Readonly<Record<string, number>>;
  /** the memory model (as --memory-model; default: the scenario's own, else sc) */
  readonly memoryModel?: MemoryModelName;
  /** x86-TSO: the store-buffer depth per CPU (as --store-buffer) */
  readonly storeBuffer?: number;
  readonly maxExecutions?: number;
  readonly maxTimeSeconds?: number;
  readonly maxSteps?: number;
  readonly seed?: number;
  readonly runs?: number;
  readonly preemptions?: number;
  readonly depth?: number;
  /** minimize the counterexample (default true) */
  readonly shrink?: boolean;
  /** where traces go (default ptrace-mc-out, as the command) */
  readonly outDir?: string;
  readonly traceOut?: string;
  /** search fixed slices on this many threads (the scenario must come from a file or be a built-in) */
  readonly workers?: number;
}

function flagsOf(o: CheckOptions): CheckFlags {
  const strategy = o.strategy ?? (STRATEGIES[0] as StrategyName);
  if (!(STRATEGIES as readonly string[]).includes(strategy)) {
    throw new Error(`unknown strategy '${strategy}' (one of: ${STRATEGIES.join(', ')})`);
  }
  return {
    strategy,
    invariant: o.invariants ? [...o.invariants] : [],
    seed: o.seed ?? 1,
    runs: o.runs ?? 1000,
    preemptions: o.preemptions ?? 2,
    depth: o.depth ?? 3,
    shrink: o.shrink !== false,
    outDir: o.outDir ?? 'ptrace-mc-out',
    ...(o.traceOut !== undefined ? { traceOut: o.traceOut } : {}),
    ...(o.maxExecutions !== undefined ? { maxExecutions: o.maxExecutions } : {}),
    ...(o.maxTimeSeconds !== undefined ? { maxTime: o.maxTimeSeconds } : {}),
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
  };
}

/** A scenario object, or a built-in's name or a scenario file's path, loaded as the command loads it. */
async function scenarioOf(s: ScenarioDef | string): Promise<ScenarioDef> {
  if (typeof s !== 'string') return s;
  const sel = await selectScenarios([s]);
  if (sel.table || sel.scenarios.length !== 1) throw new Error(`${s} names more than one scenario`);
  return sel.scenarios[0] as ScenarioDef;
}

/** How each result's story is told, for the vitest matchers' messages. */
const STORIES = new WeakMap<CheckResult, () => string>();

/** The `explain` story of a violated result's trace (null when there is none). */
export function storyOf(r: CheckResult): string | null {
  const tell = STORIES.get(r);
  return tell ? tell() : null;
}

function resultOf(o: Outcome, f: CheckFlags, table: boolean): CheckResult {
  const r = jsonOf(o, f, table);
  const file = o.tracePath;
  if (file !== null) {
    STORIES.set(r, () => {
      if (!existsSync(file)) return `(the trace ${file} is gone)`;
      const t = parseTrace(readFileSync(file, 'utf8'), file);
      const irq = t.options.irq;
      const s = irq
        ? { ...o.job.scenario, build: (b: Parameters<ScenarioDef['build']>[0]) => applyIrqBounds(o.job.scenario.build(b), irq) }
        : o.job.scenario;
      return renderExplain(t, analyzeTrace(s, t));
    });
  }
  return r;
}

/**
 * Checks one variant of a scenario on one CPU count, as `ptrace-mc check
 * SCENARIO --variant V --cpus N --json` does, and returns that JSON object.
 * A counterexample's trace is written (under `outDir`, as the command).
 * Bad options (an unknown variant, invariant or interrupt source) throw.
 */
export async function check(scenario: ScenarioDef | string, opts: CheckOptions = {}): Promise<CheckResult> {
  const s = await scenarioOf(scenario);
  const variants = Object.keys(s.variants);
  const variant = opts.variant ?? (variants.length === 1 ? (variants[0] as string) : undefined);
  if (variant === undefined) throw new Error(`scenario ${s.name} has several variants: name one (${variants.join(', ')})`);
  checkVariant(s, variant);
  const f = flagsOf(opts);
  checkInvariants(s, f.invariant);
  const cpus = opts.cpus ?? s.cpus;
  checkCpuCount(cpus, 'cpus');
  const mm = parseMemoryModelFlags({
    ...(opts.memoryModel !== undefined ? { memoryModel: opts.memoryModel } : {}),
    ...(opts.storeBuffer !== undefined ? { storeBuffer: opts.storeBuffer } : {}),
  });
  const job = namedJob(
    s,
    variant,
    cpus,
    f.invariant.length > 0 ? f.invariant : null,
    jobIrq(s, variant, cpus, opts.irq ?? null),
    mm ?? statedMemoryModel(s),
  );
  return resultOf(outcomeOf(job, f, runScenario(s, runOptions(job, f, null))), f, false);
}

/**
 * Every variant of a scenario on one CPU and on each CPU count its
 * expectations name, as `ptrace-mc check SCENARIO --compare --json`: one
 * result per row, each with `expected` and `matches`. Rows whose
 * expectation names its own search use it unless `strategy` is given.
 */
export async function compare(scenario: ScenarioDef | string, opts: Omit<CheckOptions, 'cpus'> = {}): Promise<CheckResult[]> {
  const s = await scenarioOf(scenario);
  if (opts.variant !== undefined) checkVariant(s, opts.variant);
  const f: CheckFlags = { ...flagsOf(opts), ...(opts.variant !== undefined ? { variant: opts.variant } : {}) };
  checkInvariants(s, f.invariant);
  const jobs = compareJobs(s, f, opts.irq ?? null, opts.strategy === undefined);
  return jobs.map((j) => {
    const jf: CheckFlags = j.search
      ? { ...f, strategy: j.search.strategy, preemptions: j.search.preemptions ?? f.preemptions }
      : f;
    return resultOf(outcomeOf(j, jf, runScenario(s, runOptions(j, jf, null))), f, true);
  });
}

/** What `explore` found on a model: the verdict, the violation, and how much it searched. */
export interface ExploreResult {
  readonly verdict: 'holds' | 'violated' | 'incomplete';
  readonly invariant: string | null;
  readonly message: string | null;
  readonly executions: number;
  readonly states: number | null;
  readonly steps: number;
}

/**
 * Explores a model (what a scenario's `build` returns) with no scenario
 * around it: for property tests over generated models (`workloadArb`).
 * Default: the stateful dfs, exhaustive; no trace is written.
 */
export function explore(
  model: ModelDef,
  opts: { strategy?: StrategyName; maxExecutions?: number; maxSteps?: number; invariants?: readonly string[] } = {},
): ExploreResult {
  const m = new Machine(model, { invariants: opts.invariants ?? null, maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS });
  const strategy = makeStrategy({ strategy: opts.strategy ?? 'dfs', seed: 1, runs: 1000, cache: true });
  const r = exploreMachine(m, strategy, opts.maxExecutions !== undefined ? { maxExecutions: opts.maxExecutions } : {});
  return {
    verdict: r.verdict,
    invariant: r.violation?.invariant ?? null,
    message: r.violation?.message ?? null,
    executions: r.executions,
    states: r.states,
    steps: r.steps,
  };
}
