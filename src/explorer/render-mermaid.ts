import type { TraceAnalysis } from './analyze.ts';
import type { RaceEdge } from './race-story.ts';
import type { TraceFile, TraceStep } from './trace.ts';

/** How many distinct actions a collapsed run names before "…". */
const RUN_NAMES = 3;

/**
 * A Mermaid `sequenceDiagram` short enough for a PR comment: one participant
 * per CPU, one self-message per step that matters to the race (it touches a
 * cell another CPU touches or the violation looks at, switches tasks, takes an interrupt, is the
 * failing step or a step of the race story), each naming its task; runs of the other steps of one CPU
 * are folded into one note; the violation is the final note. The steps of
 * the race story (race-story.ts) end in ★.
 */
export function renderMermaid(t: TraceFile, a: TraceAnalysis): string {
  const cpus = t.options.cpus;
  const kept = keptSteps(t, a);
  const story = new Set(a.story.steps);
  const out: string[] = ['sequenceDiagram'];
  out.push(`  %% ${clean(`${t.scenario} [${t.variant}] on ${cpus} CPU${cpus > 1 ? 's' : ''}, ${t.steps.length} steps`)}`);
  for (let c = 0; c < cpus; c++) out.push(`  participant CPU${c}`);
  // Each CPU's run of folded steps, emitted where the run starts.
  const runs = foldedRuns(t, kept);
  for (const s of t.steps) {
    if (kept.has(s.step)) {
      out.push(`  CPU${s.cpu}->>CPU${s.cpu}: ${clean(stepText(s))}${story.has(s.step) ? ' ★' : ''}`);
      continue;
    }
    const run = runs.get(s.step);
    if (run) out.push(`  Note over CPU${s.cpu}: ${clean(runText(run))}`);
  }
  out.push(violationNote(t));
  return `${out.join('\n')}\n`;
}

/**
 * Only the race story: its steps, an arrow from CPU to CPU for each
 * cross-task edge (placed before the later step), and a note for each
 * stretch of steps left out — a diagram of ten-odd lines for a review.
 */
export function renderMermaidStory(t: TraceFile, a: TraceAnalysis): string {
  const cpus = t.options.cpus;
  const n = t.steps.length;
  const out: string[] = ['sequenceDiagram'];
  out.push(
    `  %% ${clean(`${t.scenario} [${t.variant}] on ${cpus} CPU${cpus > 1 ? 's' : ''}: the race in ${a.story.steps.length} of ${n} steps`)}`,
  );
  for (let c = 0; c < cpus; c++) out.push(`  participant CPU${c}`);
  let prev = 0;
  for (const k of [...a.story.steps, n + 1]) {
    if (k > prev + 1) out.push(`  Note over ${allCpus(cpus)}: ${clean(leftOut(t.steps.slice(prev, k - 1)))}`);
    if (k > n) break;
    const s = t.steps[k - 1] as TraceStep;
    for (const e of a.story.edges) {
      if (e.to !== k) continue;
      const from = t.steps[e.from - 1] as TraceStep;
      out.push(`  CPU${from.cpu}-->>CPU${s.cpu}: ${clean(edgeText(e))}`);
    }
    out.push(`  CPU${s.cpu}->>CPU${s.cpu}: ${clean(stepText(s))}`);
    prev = k;
  }
  out.push(violationNote(t));
  return `${out.join('\n')}\n`;
}

function allCpus(cpus: number): string {
  return cpus > 1 ? `CPU0,CPU${cpus - 1}` : 'CPU0';
}

function violationNote(t: TraceFile): string {
  return `  Note over ${allCpus(t.options.cpus)}: ${clean(`VIOLATED ${t.violation.invariant}: ${t.violation.message}`)}`;
}

function leftOut(run: readonly TraceStep[]): string {
  const first = run[0] as TraceStep;
  const last = run[run.length - 1] as TraceStep;
  const per = new Map<string, number>();
  for (const s of run) per.set(s.task, (per.get(s.task) ?? 0) + 1);
  const tasks = [...per].map(([task, k]) => `${task} ${k}`).join(', ');
  const range = run.length === 1 ? `${first.step}` : `${first.step}–${last.step}`;
  return `${range}: ${run.length} step${run.length > 1 ? 's' : ''} left out (${tasks})`;
}

function edgeText(e: RaceEdge): string {
  switch (e.kind) {
    case 'rf':
      return `${e.cell}: ${e.to} reads what ${e.from} wrote`;
    case 'fr':
      return `${e.cell}: read at ${e.from}, overwritten at ${e.to}`;
    case 'ww':
      return `${e.cell}: ${e.to} overwrites ${e.from} unread`;
  }
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
  for (const k of a.story.steps) kept.add(k);
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
