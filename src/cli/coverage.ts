import { type Budget, explore, type SearchVerdict } from '../explorer/explore.ts';
import { DEFAULT_MAX_STEPS, makeMachine, makeStrategy, STRATEGIES, type StrategyName } from '../explorer/run.ts';
import type { Strategy } from '../explorer/strategy.ts';
import { resetCoverage } from '../kernel/linux/oracle/check.ts';
import { oracleCoverage } from '../kernel/linux/oracle/coverage.ts';
import { irqBoundsText } from '../model/irq-bounds.ts';
import { memoryModelCell, statedMemoryModel } from '../model/memory-model.ts';
import type { RowSearch, ScenarioDef } from '../model/scenario.ts';
import { loadBuiltins } from '../scenarios/registry.ts';
import { EXIT, UsageError } from './errors.ts';

export interface CoverageFlags {
  json?: boolean;
  /** also the rows marked long (as `check --all`) */
  all?: boolean;
  maxExecutionsPerRow?: number;
  maxTimePerRow?: number;
}

import { DEFAULT_MAX_EXECUTIONS_PER_ROW } from './defaults.ts';

export { DEFAULT_MAX_EXECUTIONS_PER_ROW };

/** The groups (`linux/`) or scenario names asked for; none: linux/, the scenarios the task-state oracle watches. */
async function selectScenarios(names: readonly string[]): Promise<ScenarioDef[]> {
  const SCENARIOS = await loadBuiltins();
  const wanted = names.length > 0 ? names : ['linux/'];
  for (const n of wanted) {
    const hit = n.endsWith('/') ? SCENARIOS.some((s) => s.name.startsWith(n)) : SCENARIOS.some((s) => s.name === n);
    if (!hit) throw new UsageError(`no built-in scenario ${n.endsWith('/') ? 'in group' : 'named'} '${n}'`);
  }
  return SCENARIOS.filter((s) => wanted.some((n) => (n.endsWith('/') ? s.name.startsWith(n) : s.name === n)));
}

interface RowResult {
  readonly scenario: string;
  readonly variant: string;
  readonly cpus: number;
  /** the row's own interrupt budgets, in words */
  readonly irq?: string;
  /** the row's memory model when it is not sequential consistency (`tso`) */
  readonly memory?: string;
  /** dfs, or the row's own search (its expectation's `search`) */
  readonly search: string;
  readonly verdict: SearchVerdict;
  readonly executions: number;
  /** the search stopped short (budget, or a search that is not a proof): the row's coverage is partial */
  readonly cut: boolean;
}

/**
 * `ptrace-mc coverage`: explores the expectation rows (variant × CPU count)
 * of the named scenarios with the stateful DFS, or the row's own search as
 * the expectation table does, and lists the task-state and
 * ptrace-link oracle edges no execution exercised. Exploration stops at a
 * row's first violation, as `check` does, or when the row's budget runs out;
 * a row cut short — by the budget, or by a search that is not a proof and
 * found nothing — covered only part of its executions, so when any row was
 * cut the edge counts are a lower bound (exit 3, incomplete). Rows marked
 * `long` are left out, as in the expectation table, unless --all.
 */
export async function coverageCommand(names: readonly string[], f: CoverageFlags): Promise<number> {
  const scenarios = await selectScenarios(names);
  const budget: Budget = {
    ...(f.maxTimePerRow === undefined ? { maxExecutions: f.maxExecutionsPerRow ?? DEFAULT_MAX_EXECUTIONS_PER_ROW } : {}),
    ...(f.maxExecutionsPerRow !== undefined ? { maxExecutions: f.maxExecutionsPerRow } : {}),
    ...(f.maxTimePerRow !== undefined ? { maxTimeMs: f.maxTimePerRow * 1000 } : {}),
  };
  resetCoverage();
  const rows: RowResult[] = [];
  const skippedLong: string[] = [];
  for (const s of scenarios) {
    for (const [variant, v] of Object.entries(s.variants)) {
      for (const e of v.expect) {
        const mm = statedMemoryModel(s, e);
        const irq = `${e.irq ? ` (${irqBoundsText(e.irq)})` : ''}${mm.name === 'sc' ? '' : ` (${memoryModelCell(mm)})`}`;
        if (e.long && !f.all) {
          skippedLong.push(`${s.name} [${variant}] on ${e.cpus} CPU${e.cpus === 1 ? '' : 's'}${irq}`);
          continue;
        }
        const m = makeMachine(s, {
          variant,
          cpus: e.cpus,
          invariants: null,
          maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
          ...(e.irq ? { irq: e.irq } : {}),
          memoryModel: mm,
        });
        const search = e.search ?? { strategy: 'dfs' };
        const r = explore(m, strategyOf(search), budget);
        rows.push({
          scenario: s.name,
          variant,
          cpus: e.cpus,
          ...(e.irq ? { irq: irqBoundsText(e.irq) } : {}),
          ...(mm.name === 'sc' ? {} : { memory: memoryModelCell(mm) }),
          search: searchText(search),
          verdict: r.verdict,
          executions: r.executions,
          // stopped by the budget, or by a search that is not a proof (bounded) finding nothing
          cut: r.stoppedBy !== null,
        });
      }
    }
  }
  const report = oracleCoverage();
  const cut = rows.filter((r) => r.cut);
  const status = cut.length > 0 ? EXIT.incomplete : EXIT.holds;
  if (f.json) {
    process.stdout.write(
      `${JSON.stringify({ budget: budgetWords(budget), lowerBound: cut.length > 0, rows, notRun: skippedLong, machines: report })}\n`,
    );
    return status;
  }
  process.stdout.write(
    `${rows.length} rows explored with dfs or the row's own search, at most ${budgetWords(budget)} each; ${cut.length} cut short\n`,
  );
  const rowName = (r: RowResult) =>
    `${r.scenario} [${r.variant}] on ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}${r.irq ? ` (${r.irq})` : ''}${r.memory ? ` (${r.memory})` : ''}`;
  for (const r of rows) {
    if (r.search !== 'dfs') process.stdout.write(`  ${rowName(r)}: its own search, ${r.search}\n`);
  }
  for (const r of cut) process.stdout.write(`  cut: ${rowName(r)} after ${r.executions} executions (${r.search})\n`);
  if (skippedLong.length > 0) {
    process.stdout.write(
      `not run: ${skippedLong.length} row${skippedLong.length === 1 ? '' : 's'} whose search is long (${skippedLong.join('; ')}): --all runs them; the report covers the rows run\n`,
    );
  }
  if (cut.length > 0) {
    process.stdout.write(
      'edges from cut rows were exercised by part of their executions only: the counts below are a lower bound\n',
    );
  }
  for (const r of report) {
    const atLeast = cut.length > 0 && r.uncovered.length > 0 ? ' (at least)' : '';
    process.stdout.write(`${r.machine}: ${r.covered.length}/${r.edges} edges exercised${atLeast}\n`);
    for (const e of r.uncovered) process.stdout.write(`  not exercised: ${e.from} --${e.event}--> ${e.to}\n`);
  }
  return status;
}

/** The strategy a row is explored with: the table's stateful dfs, or the row's own search. */
function strategyOf(search: RowSearch): Strategy {
  const strategy = search.strategy as StrategyName;
  if (!(STRATEGIES as readonly string[]).includes(strategy))
    throw new Error(`expectation names an unknown strategy '${strategy}'`);
  return makeStrategy({
    strategy,
    seed: 0,
    runs: 0,
    cache: true,
    ...(search.preemptions !== undefined ? { preemptions: search.preemptions } : {}),
  });
}

function searchText(search: RowSearch): string {
  return search.preemptions !== undefined ? `${search.strategy} (preemption bound ${search.preemptions})` : search.strategy;
}

function budgetWords(b: Budget): string {
  const parts: string[] = [];
  if (b.maxExecutions !== undefined) parts.push(`${b.maxExecutions} executions`);
  if (b.maxTimeMs !== undefined) parts.push(`${b.maxTimeMs / 1000} s`);
  return parts.join(' or ');
}
