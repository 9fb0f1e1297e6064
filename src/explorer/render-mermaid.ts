import type { TraceAnalysis } from './analyze.ts';
import type { TraceFile, TraceStep } from './trace.ts';

/** How many distinct actions a collapsed run names before "…". */
const RUN_NAMES = 3;

/**
 * A Mermaid `sequenceDiagram` short enough for a PR comment: one participant
 * per CPU, one self-message per step that matters to the race (it touches a
 * cell another CPU touches or the violation looks at, switches tasks, takes an interrupt, or is the
 * failing step), each naming its task; runs of the other steps of one CPU
 * are folded into one note; the violation is the final note.
 */
export function renderMermaid(t: TraceFile, a: TraceAnalysis): string {
  const cpus = t.options.cpus;
  const kept = keptSteps(t, a);
  const out: string[] = ['sequenceDiagram'];
  out.push(`  %% ${clean(`${t.scenario} [${t.variant}] on ${cpus} CPU${cpus > 1 ? 's' : ''}, ${t.steps.length} steps`)}`);
  for (let c = 0; c < cpus; c++) out.push(`  participant CPU${c}`);
  // Each CPU's run of folded steps, emitted where the run starts.
  const runs = foldedRuns(t, kept);
  for (const s of t.steps) {
    if (kept.has(s.step)) {
      out.push(`  CPU${s.cpu}->>CPU${s.cpu}: ${clean(stepText(s))}`);
      continue;
    }
    const run = runs.get(s.step);
    if (run) out.push(`  Note over CPU${s.cpu}: ${clean(runText(run))}`);
  }
  const all = cpus > 1 ? `CPU0,CPU${cpus - 1}` : 'CPU0';
  out.push(`  Note over ${all}: ${clean(`VIOLATED ${t.violation.invariant}: ${t.violation.message}`)}`);
  return `${out.join('\n')}\n`;
}

/** Steps shown one by one; the others are folded. */
export function keptSteps(t: TraceFile, a: TraceAnalysis): Set<number> {
  const touchedBy = new Map<string, Set<number>>();
  t.steps.forEach((s, i) => {
    const f = a.footprints[i];
    for (const c of [...(f?.reads ?? []), ...(f?.writes ?? [])]) {
      const set = touchedBy.get(c) ?? new Set<number>();
      set.add(s.cpu);
      touchedBy.set(c, set);
    }
  });
  const seen = new Set(a.violationReads);
  const kept = new Set<number>();
  t.steps.forEach((s, i) => {
    const f = a.footprints[i];
    const cells = [...(f?.reads ?? []), ...(f?.writes ?? [])];
    const shared = cells.some((c) => (touchedBy.get(c)?.size ?? 0) > 1 || seen.has(c));
    if (shared || s.kind === 'switch_to' || s.kind === 'irq') kept.add(s.step);
  });
  const last = t.steps[t.steps.length - 1];
  if (last && a.violationKind === 'step') kept.add(last.step);
  return kept;
}

/** Maps the first step of each folded run to the run (consecutive folded steps of one CPU). */
function foldedRuns(t: TraceFile, kept: Set<number>): Map<number, TraceStep[]> {
  const runs = new Map<number, TraceStep[]>();
  const open = new Map<number, TraceStep[]>();
  for (const s of t.steps) {
    if (kept.has(s.step)) {
      open.delete(s.cpu);
      continue;
    }
    const run = open.get(s.cpu);
    if (run) run.push(s);
    else {
      const fresh = [s];
      open.set(s.cpu, fresh);
      runs.set(s.step, fresh);
    }
  }
  return runs;
}

function stepText(s: TraceStep): string {
  const detail = s.detail && s.detail !== s.what ? ` [${s.detail}]` : '';
  return `${s.step} ${s.task}: ${s.what}${detail}`;
}

function runText(run: readonly TraceStep[]): string {
  const first = run[0] as TraceStep;
  const last = run[run.length - 1] as TraceStep;
  const tasks = [...new Set(run.map((s) => s.task))].join(', ');
  const names = [...new Set(run.map((s) => s.what))];
  const listed = names.slice(0, RUN_NAMES).join(', ') + (names.length > RUN_NAMES ? ', …' : '');
  const range = run.length === 1 ? `${first.step}` : `${first.step}–${last.step}`;
  return `${range} ${tasks}: ${run.length} local step${run.length > 1 ? 's' : ''} (${listed})`;
}

/**
 * Mermaid ends a message at `;` and `#` and may read `<…>` as HTML; none of
 * those may reach the diagram.
 */
function clean(s: string): string {
  return s.replace(/;/g, ',').replace(/#/g, 'no. ').replace(/</g, '‹').replace(/\s+/g, ' ').trim();
}
