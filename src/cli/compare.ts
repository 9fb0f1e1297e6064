import { STRATEGIES } from '../explorer/run.ts';
import type { ScenarioDef } from '../model/scenario.ts';
import {
  type CheckFlags,
  type CheckInput,
  expectedText,
  flagsFor,
  type Job,
  jsonOf,
  matches,
  type Outcome,
  rowSearchOf,
  runJob,
  strategyText,
} from './check.ts';
import { EXIT, UsageError } from './errors.ts';
import { checkInvariants, checkVariant, scenarioByName } from './scenario-select.ts';

/**
 * `check SCENARIO --compare`: the scenario on every variant, on one CPU and
 * on the CPU counts its author made claims about, in one table — whether the
 * fix is right, and why nobody saw the bug on one core. Exit 0 when every
 * verdict is the expected one, 1 otherwise.
 */
export function compareCommand(names: string[], flags: CheckInput): number {
  const f: CheckFlags = { ...flags, strategy: flags.strategy ?? (STRATEGIES[0] as string) };
  if (names.length === 0) throw new UsageError('--compare needs a scenario, e.g. check demo/lost-wakeup --compare');
  if (f.cpus !== undefined) throw new UsageError("--compare runs 1 CPU and the scenario's CPU counts itself: drop --cpus");
  if (f.traceOut !== undefined)
    throw new UsageError('--compare writes one trace per violated row under --out-dir: drop --trace-out');
  if (!(STRATEGIES as readonly string[]).includes(f.strategy)) {
    throw new UsageError(`unknown strategy '${f.strategy}' (one of: ${STRATEGIES.join(', ')})`);
  }
  const scenarios = names.map(scenarioByName);
  for (const s of scenarios) {
    if (f.variant !== undefined) checkVariant(s, f.variant);
    checkInvariants(s, f.invariant);
  }
  const tables = scenarios.map((s) => compareJobs(s, f, flags.strategy === undefined).map((j) => runJob(j, f)));
  if (f.json) {
    for (const o of tables.flat()) process.stdout.write(`${JSON.stringify(jsonOf(o, f, true))}\n`);
  } else {
    process.stdout.write(tables.map((outs, i) => renderCompare(scenarios[i] as ScenarioDef, outs, f)).join('\n'));
  }
  return tables.flat().every(matches) ? EXIT.holds : EXIT.violated;
}

/** The CPU counts to compare: 1, the scenario's default, and every count an expectation names. */
export function compareCpus(s: ScenarioDef): number[] {
  const counts = new Set<number>([1, s.cpus]);
  for (const v of Object.values(s.variants)) for (const e of v.expect) counts.add(e.cpus);
  return [...counts].sort((a, b) => a - b);
}

function compareJobs(s: ScenarioDef, f: CheckFlags, rowSearch: boolean): Job[] {
  const jobs: Job[] = [];
  for (const [v, def] of Object.entries(s.variants)) {
    if (f.variant !== undefined && v !== f.variant) continue;
    for (const cpus of compareCpus(s)) {
      const expected = def.expect.find((e) => e.cpus === cpus) ?? null;
      const invariants = f.invariant.length > 0 ? f.invariant : (expected?.only ?? null);
      jobs.push({ scenario: s, variant: v, cpus, invariants, expected, ...rowSearchOf(expected, rowSearch) });
    }
  }
  return jobs;
}

function renderCompare(s: ScenarioDef, outs: readonly Outcome[], f: CheckFlags): string {
  const out: string[] = [];
  out.push(`${s.name}: ${s.summary}`);
  out.push(`every variant on ${compareCpus(s).join(' and ')} CPUs (${f.strategy}${s.bounds ? `; bounds: ${s.bounds}` : ''})`);
  out.push('');
  const rows = outs.map((o) => [
    o.job.variant,
    String(o.job.cpus),
    o.search.verdict,
    o.search.violation?.invariant ?? '-',
    expectedText(o.job.expected),
    o.job.expected === null ? (matches(o) ? '' : 'INCOMPLETE') : matches(o) ? 'ok' : 'MISMATCH',
    String(o.search.executions),
  ]);
  const head = ['variant', 'cpus', 'verdict', 'invariant', 'expected', '', 'executions'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 1 || i === 6 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  out.push(line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  out.push('');
  for (const o of outs) {
    const why = o.job.expected?.why;
    if (why) out.push(`  ${o.job.variant} on ${o.job.cpus} CPU${o.job.cpus > 1 ? 's' : ''}: ${o.job.expected?.verdict} — ${why}`);
  }
  for (const o of outs) {
    if (o.job.search)
      out.push(
        `  ${o.job.variant} on ${o.job.cpus} CPUs searched with ${strategyText(flagsFor(o.job, f))} (the row's own search)`,
      );
  }
  for (const o of outs) {
    if (o.tracePath) out.push(`  trace of ${o.job.variant} on ${o.job.cpus} CPU${o.job.cpus > 1 ? 's' : ''}: ${o.tracePath}`);
  }
  const bad = outs.filter((o) => !matches(o)).length;
  out.push(
    bad === 0
      ? `all ${outs.length} verdicts as expected`
      : `${bad} of ${outs.length} verdicts differ from what the scenario expects`,
  );
  return `${out.join('\n')}\n`;
}
