/**
 * Runs expectation rows on one tree of the sources (a mutant's copy) and
 * prints one JSON line per row: the verdict, and whether it is the one the
 * row expects, and the executions it took. Stops at the first row that
 * differs (the mutant is killed), unless told `all` or `lines`.
 * `lines` (the baseline of the unmutated sources, line-coverage.ts): every
 * row runs, each line also gives the lines of src/kernel the row's search
 * ran; the first line gives the lines run while the modules were loaded
 * (every scenario is imported before the first row, so no row is charged
 * with another's loading) and the lines each loaded source maps.
 * Started by main.ts as `node --import tsx run-rows.ts ROOT ROWS.json MAX_TIME_MS [all|lines]`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCoverage } from './line-coverage.ts';
import type { Row } from './rows.ts';

const [root, rowsFile, maxTime, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
/** `all`: every row runs (the baseline of the unmutated sources), else the run stops at the first that differs */
const everyRow = mode === 'all' || mode === 'lines';
const rows = JSON.parse(readFileSync(rowsFile, 'utf8')) as Row[];
// counting starts before the first module of the tree is imported (a function compiled before has no block counters)
const lines = mode === 'lines' ? await LineCoverage.start(root) : null;
const imp = (p: string) => import(pathToFileURL(join(root, p)).href);
const { loadBuiltin, loadBuiltins } = await imp('src/scenarios/registry.ts');
const { runScenario, DEFAULT_MAX_STEPS } = await imp('src/explorer/run.ts');
const { memoryModel } = await imp('src/model/memory-model.ts');
if (lines) {
  await loadBuiltins();
  const load = await lines.take();
  process.stdout.write(`${JSON.stringify({ load, mapped: lines.mapped() })}\n`);
}

for (const row of rows) {
  let line: Record<string, unknown>;
  try {
    const s = await loadBuiltin(row.scenario);
    const r = runScenario(s, {
      variant: row.variant,
      cpus: row.cpus,
      strategy: row.strategy,
      seed: 1,
      runs: 1000,
      invariants: row.only,
      maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
      ...(row.irq ? { irq: row.irq } : {}),
      // the row's memory model, as the table runs it (a row stated under x86-TSO holds or fails there only)
      ...(row.memoryModel ? { memoryModel: memoryModel(row.memoryModel, row.storeBuffer ?? undefined) } : {}),
      cache: true,
      por: true,
      preemptions: row.preemptions,
      depth: 3,
      shrink: false,
      // the row's own share (a multiple of the executions its unmutated search takes), and a wall-clock guard
      budget: { maxTimeMs: Number(maxTime), ...(row.maxExecutions !== undefined ? { maxExecutions: row.maxExecutions } : {}) },
    });
    const v = r.search.verdict as string;
    const inv = r.search.violation?.invariant ?? null;
    const matches = v === row.expected && (v !== 'violated' || row.invariant === null || inv === row.invariant);
    line = {
      id: row.id,
      verdict: v,
      invariant: inv,
      executions: r.search.executions,
      stoppedBy: r.search.stoppedBy ?? null,
      outcome: v === 'incomplete' ? 'undecided' : matches ? 'as-expected' : 'differs',
      ...(lines ? { lines: await lines.take() } : {}),
    };
  } catch (e) {
    // a model that throws fails the table too: the mutant is caught (and shown as a crash); what it ran is nobody's
    if (lines) await lines.take();
    line = {
      id: row.id,
      verdict: 'crash',
      invariant: null,
      outcome: 'crash',
      error: String((e as Error).message).split('\n')[0],
    };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
  if (!everyRow && (line.outcome === 'differs' || line.outcome === 'crash')) break;
}
