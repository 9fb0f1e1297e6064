import { STRATEGIES } from '../explorer/run.ts';
import { selectScenarios } from '../load/select.ts';
import { type IrqBounds, sameIrqBounds } from '../model/irq-bounds.ts';
import { type MemoryModel, memoryModelCell, sameMemoryModel, statedMemoryModel } from '../model/memory-model.ts';
import type { ScenarioDef } from '../model/scenario.ts';
import {
  boundsColumns,
  boundsText,
  type CheckFlags,
  type CheckInput,
  expectationFor,
  expectedText,
  flagsFor,
  irqCell,
  type Job,
  jobIrq,
  jsonOf,
  matches,
  noteNotRun,
  type Outcome,
  parseIrqFlags,
  parseMemoryModelFlags,
  rowSearchOf,
  runJobs,
  sameNames,
  strategyText,
  writeOutcomeReport,
} from './check.ts';
import { column, formatColumns } from './columns.ts';
import { EXIT, UsageError } from './errors.ts';
import { checkInvariants, checkVariant } from './scenario-select.ts';

/**
 * `check SCENARIO --compare`: the scenario on every variant, on one CPU and
 * on the CPU counts its author made claims about, in one table — whether the
 * fix is right, and why nobody saw the bug on one core. Exit 0 when every
 * verdict is the expected one, 1 otherwise.
 */
export async function compareCommand(names: string[], flags: CheckInput): Promise<number> {
  const f: CheckFlags = { ...flags, strategy: flags.strategy ?? (STRATEGIES[0] as string) };
  if (names.length === 0) throw new UsageError('--compare needs a scenario, e.g. check demo/lost-wakeup --compare');
  if (f.cpus !== undefined) throw new UsageError("--compare runs 1 CPU and the scenario's CPU counts itself: drop --cpus");
  if (f.traceOut !== undefined)
    throw new UsageError('--compare writes one trace per violated row under --out-dir: drop --trace-out');
  if (!(STRATEGIES as readonly string[]).includes(f.strategy)) {
    throw new UsageError(`unknown strategy '${f.strategy}' (one of: ${STRATEGIES.join(', ')})`);
  }
  const sel = await selectScenarios(names);
  if (sel.table) throw new UsageError('--compare takes scenarios (names or files), not groups or directories');
  const scenarios = sel.scenarios;
  for (const s of scenarios) {
    if (f.variant !== undefined) checkVariant(s, f.variant);
    checkInvariants(s, f.invariant);
  }
  const irq = parseIrqFlags(f.irq);
  const mm = parseMemoryModelFlags(f);
  // every job is built (and its --irq checked) before any search runs
  const jobs = scenarios.map((s) => compareJobs(s, f, irq, flags.strategy === undefined, mm));
  const { outcomes, notRun } = await runJobs(jobs.flat(), f, true);
  // back into one table per scenario (an interrupted run: the rows that ran)
  let at = 0;
  const tables = jobs.map((js) => {
    const outs = outcomes.slice(at, at + js.length);
    at += js.length;
    return outs;
  });
  if (f.json) {
    for (const o of tables.flat()) process.stdout.write(`${JSON.stringify(jsonOf(o, f, true))}\n`);
  } else {
    const shown = tables.flatMap((outs, i) =>
      outs.length > 0 ? [renderCompare(scenarios[i] as ScenarioDef, outs, f, irq)] : [],
    );
    process.stdout.write(shown.join('\n'));
  }
  if (f.report !== undefined) writeOutcomeReport(tables.flat(), f, true);
  noteNotRun(notRun, jobs.flat().length);
  return tables.flat().every(matches) ? EXIT.holds : EXIT.violated;
}

/** The CPU counts to compare: 1, the scenario's default, and every count an expectation names. */
export function compareCpus(s: ScenarioDef): number[] {
  const counts = new Set<number>([1, s.cpus]);
  for (const v of Object.values(s.variants)) for (const e of v.expect) counts.add(e.cpus);
  return [...counts].sort((a, b) => a - b);
}

/** One row of the comparison for every variant: CPU count, interrupt budgets, the invariants checked (null: all), memory model. */
export interface CompareKey {
  readonly cpus: number;
  readonly irq: IrqBounds;
  readonly only: readonly string[] | null;
  readonly mm: MemoryModel;
}

/**
 * The rows of the table: each (CPU count, budgets, invariants) an
 * expectation states, in the order the scenario gives them, grouped by CPU
 * count with the budgets rows first; and each CPU count of compareCpus with
 * the scenario's own budgets where no expectation states one. With --irq,
 * each CPU count once, under those budgets.
 */
export function compareBounds(s: ScenarioDef): CompareKey[] {
  const keys: CompareKey[] = [];
  const add = (k: CompareKey) => {
    const same = (x: CompareKey) =>
      x.cpus === k.cpus && sameIrqBounds(x.irq, k.irq) && sameNames(x.only, k.only) && sameMemoryModel(x.mm, k.mm);
    if (!keys.some(same)) keys.push(k);
  };
  const rows = Object.values(s.variants).flatMap((v) => v.expect);
  const own = statedMemoryModel(s);
  for (const cpus of compareCpus(s)) {
    for (const e of rows)
      if (e.cpus === cpus && e.irq) add({ cpus, irq: e.irq, only: e.only ?? null, mm: statedMemoryModel(s, e) });
    for (const e of rows)
      if (e.cpus === cpus && !e.irq) add({ cpus, irq: {}, only: e.only ?? null, mm: statedMemoryModel(s, e) });
    if (!keys.some((k) => k.cpus === cpus && Object.keys(k.irq).length === 0)) add({ cpus, irq: {}, only: null, mm: own });
  }
  return keys;
}

export function compareJobs(
  s: ScenarioDef,
  f: CheckFlags,
  irq: IrqBounds | null,
  rowSearch: boolean,
  forcedMm: MemoryModel | null = null,
): Job[] {
  const jobs: Job[] = [];
  const own = statedMemoryModel(s);
  const all = irq === null ? compareBounds(s) : compareCpus(s).map((cpus) => ({ cpus, irq, only: null, mm: own }) as CompareKey);
  // --memory-model: every row under that model (rows that become the same are one)
  const keys =
    forcedMm === null
      ? all
      : all.filter((k, i) => all.findIndex((x) => sameKeyBut(x, k)) === i).map((k) => ({ ...k, mm: forcedMm }));
  for (const [v, def] of Object.entries(s.variants)) {
    if (f.variant !== undefined && v !== f.variant) continue;
    for (const k of keys) {
      const budgets = irq === null ? k.irq : jobIrq(s, v, k.cpus, irq);
      const invariants = f.invariant.length > 0 ? f.invariant : k.only;
      const expected = expectationFor(s, def, k.cpus, budgets, invariants, k.mm);
      // with --invariant, rows that differed only in their invariants are one
      const same = (j: Job) =>
        j.variant === v && j.cpus === k.cpus && sameIrqBounds(j.irq, budgets) && sameMemoryModel(j.memoryModel, k.mm);
      if (f.invariant.length > 0 && jobs.some(same)) continue;
      jobs.push({
        scenario: s,
        variant: v,
        cpus: k.cpus,
        irq: budgets,
        memoryModel: k.mm,
        invariants,
        expected,
        ...rowSearchOf(expected, rowSearch),
      });
    }
  }
  return jobs;
}

function renderCompare(s: ScenarioDef, outs: readonly Outcome[], f: CheckFlags, irq: IrqBounds | null): string {
  const out: string[] = [];
  out.push(`${s.name}: ${s.summary}`);
  const bounds = boundsText(s, irq ?? {});
  out.push(`every variant on ${compareCpus(s).join(' and ')} CPUs (${f.strategy}${bounds ? `; bounds: ${bounds}` : ''})`);
  if (outs.some((o) => Object.keys(o.job.irq).length > 0)) {
    out.push('irq: interrupt budgets that replace those bounds on that row (-: the bounds as stated)');
  }
  out.push('');
  const col = (head: string, cell: (o: Outcome) => string, right = false) => column(outs, head, cell, right);
  out.push(
    ...formatColumns([
      col('variant', (o) => o.job.variant),
      col('cpus', (o) => String(o.job.cpus), true),
      ...boundsColumns(outs),
      col('verdict', (o) => o.search.verdict),
      col('invariant', (o) => o.search.violation?.invariant ?? '-'),
      col('expected', (o) => expectedText(o.job.expected)),
      col('', (o) => (o.job.expected === null ? (matches(o) ? '' : 'INCOMPLETE') : matches(o) ? 'ok' : 'MISMATCH')),
      col('executions', (o) => String(o.search.executions), true),
    ]),
  );
  out.push('');
  for (const o of outs) {
    const why = o.job.expected?.why;
    if (why) out.push(`  ${rowName(o.job)}: ${o.job.expected?.verdict} — ${why}`);
  }
  for (const o of outs) {
    if (o.job.search) out.push(`  ${rowName(o.job)} searched with ${strategyText(flagsFor(o.job, f))} (the row's own search)`);
  }
  for (const o of outs) {
    if (o.tracePath) out.push(`  trace of ${rowName(o.job)}: ${o.tracePath}`);
  }
  const bad = outs.filter((o) => !matches(o)).length;
  out.push(
    bad === 0
      ? `all ${outs.length} verdicts as expected`
      : `${bad} of ${outs.length} verdicts differ from what the scenario expects`,
  );
  return `${out.join('\n')}\n`;
}

/** `pr1663 on 1 CPU, irq timer@cpu0=0` (`, tso` under x86-TSO) */
function rowName(j: Job): string {
  const irq = Object.keys(j.irq).length > 0 ? `, irq ${irqCell(j.irq)}` : '';
  const mm = j.memoryModel.name === 'sc' ? '' : `, ${memoryModelCell(j.memoryModel)}`;
  return `${j.variant} on ${j.cpus} CPU${j.cpus > 1 ? 's' : ''}${irq}${mm}`;
}

/** Two keys that differ at most in their memory model. */
function sameKeyBut(a: CompareKey, b: CompareKey): boolean {
  return a.cpus === b.cpus && sameIrqBounds(a.irq, b.irq) && sameNames(a.only, b.only);
}
