import type { TraceAnalysis } from './analyze.ts';
import type { RaceEdge } from './race-story.ts';
import type { TraceFile, TraceStep } from './trace.ts';

/**
 * The causal story of a violation, one sentence per step (CPU, task, what it
 * did, the values, the source reference), then what the violation saw.
 *
 * By default the race story (race-story.ts): the few steps that say how the
 * tasks raced, each with the cross-task edges that put it there. With
 * `full`, every step of the happens-before slice.
 */
export function renderExplain(t: TraceFile, a: TraceAnalysis, opts: { full?: boolean } = {}): string {
  const cpus = t.options.cpus;
  const n = t.steps.length;
  const out: string[] = [];
  out.push(`${t.scenario} [${t.variant}] on ${cpus} CPU${cpus > 1 ? 's' : ''}: ${t.violation.invariant} violated.`);
  if (opts.full) {
    const k = a.slice.length;
    out.push(
      `The violation depends on ${k} of the trace's ${n} steps (its happens-before slice); the other ${n - k} are left out.`,
    );
    out.push('');
    a.slice.forEach((num, i) => {
      out.push(sentence(t, num, i === 0));
    });
  } else {
    const k = a.story.steps.length;
    out.push(
      `The race in ${k} of the trace's ${n} steps: what the violation reads, who wrote it, and the steps of other tasks it raced with. ` +
        `Steps of the same task in between are left out (all ${a.slice.length} steps the violation depends on: explain --full).`,
    );
    out.push('');
    a.story.steps.forEach((num, i) => {
      out.push(sentence(t, num, i === 0));
      const again = a.story.repeats.find((r) => r.step === num);
      const notes = edgeNotes(t, a.story.edges, num);
      const book = bookkeeping(t, a, num);
      if (book) notes.push(book);
      if (again && notes.length === 0) notes.push(`↳ the same as step ${again.of}, again`);
      for (const why of notes) out.push(`        ${why}`);
    });
  }
  out.push('');
  out.push(`${closing(a)} ${t.violation.message}.`.replace(/\.\.$/, '.'));
  return `${out.join('\n')}\n`;
}

function sentence(t: TraceFile, num: number, first: boolean): string {
  const s = t.steps[num - 1] as TraceStep;
  const detail = s.detail && s.detail !== s.what ? ` (${s.detail})` : '';
  return `${String(num).padStart(4)}. ${first ? 'First' : 'Then'} CPU${s.cpu} runs ${s.task}: ${s.what}${detail} — ${s.ref}.`;
}

/** Why a story step is there: the cross-task edges it takes part in, from its own side. */
function edgeNotes(t: TraceFile, edges: readonly RaceEdge[], num: number): string[] {
  const who = (k: number) => {
    const s = t.steps[k - 1] as TraceStep;
    return `step ${k} (${s.task} on CPU${s.cpu})`;
  };
  const notes: string[] = [];
  for (const e of edges) {
    if (e.to === num && e.kind === 'rf') notes.push(`↳ reads ${e.cell} as ${who(e.from)} left it`);
    if (e.from === num && e.kind === 'fr') notes.push(`↳ ${who(e.to)} then writes ${e.cell} over the value read here`);
    if (e.to === num && e.kind === 'ww') notes.push(`↳ overwrites ${e.cell}, written by ${who(e.from)}, without reading it`);
  }
  return notes;
}

/** A step whose only changes are to ghost cells records a fact for the invariants; it races with nothing. */
function bookkeeping(t: TraceFile, a: TraceAnalysis, num: number): string | null {
  const s = t.steps[num - 1] as TraceStep;
  const cells = s.changes.filter((c) => c.path[0] === 'cells').map((c) => String(c.path[1]));
  const ghost = cells.filter((c) => a.ghosts.includes(c));
  if (ghost.length === 0 || ghost.length < cells.length) return null;
  return `↳ bookkeeping: records ${ghost.join(', ')} for the invariants (ghost cells no program reads)`;
}

function closing(a: TraceAnalysis): string {
  const cells = a.violationReads.length > 0 ? ` (it reads ${a.violationReads.join(', ')})` : '';
  switch (a.violationKind) {
    case 'step':
      return `At the last step, ${cellsOr(a)}the check fails:`;
    case 'deadlock':
      return `Then nothing can run${cells}:`;
    case 'terminal':
      return `When nothing is left to run, the end-of-execution check finds${cells}:`;
  }
}

function cellsOr(a: TraceAnalysis): string {
  return a.violationReads.length > 0 ? `looking at ${a.violationReads.join(', ')}, ` : '';
}
