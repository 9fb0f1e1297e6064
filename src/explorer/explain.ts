import type { TraceAnalysis } from './analyze.ts';
import type { TraceFile, TraceStep } from './trace.ts';

/**
 * The causal story of a violation: only the steps in its happens-before
 * slice, one sentence each (CPU, task, what it did, the values, the source
 * reference), then what the violation saw. The other steps are counted, not
 * shown.
 */
export function renderExplain(t: TraceFile, a: TraceAnalysis): string {
  const cpus = t.options.cpus;
  const out: string[] = [];
  out.push(`${t.scenario} [${t.variant}] on ${cpus} CPU${cpus > 1 ? 's' : ''}: ${t.violation.invariant} violated.`);
  const n = t.steps.length;
  const k = a.slice.length;
  out.push(
    `The violation depends on ${k} of the trace's ${n} steps (its happens-before slice); the other ${n - k} are left out.`,
  );
  out.push('');
  a.slice.forEach((num, i) => {
    const s = t.steps[num - 1] as TraceStep;
    const lead = i === 0 ? 'First' : 'Then';
    const detail = s.detail && s.detail !== s.what ? ` (${s.detail})` : '';
    out.push(`${String(num).padStart(4)}. ${lead} CPU${s.cpu} runs ${s.task}: ${s.what}${detail} — ${s.ref}.`);
  });
  out.push('');
  out.push(`${closing(a)} ${t.violation.message}.`.replace(/\.\.$/, '.'));
  return `${out.join('\n')}\n`;
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
