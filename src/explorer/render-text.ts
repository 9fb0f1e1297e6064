import { irqBoundsText } from '../model/irq-bounds.ts';
import { describeMemoryModel } from '../model/memory-model.ts';
import { type TraceFile, type TraceStep, traceMemoryModelOf } from './trace.ts';

const COL = 46;

/**
 * The per-CPU column timeline a kernel developer pastes into a commit
 * message: one column per CPU, one row per step, the source reference at
 * the end of each row.
 */
export function renderText(t: TraceFile): string {
  const cpus = t.options.cpus;
  const out: string[] = [];
  out.push(`${t.scenario} [${t.variant}] on ${cpus} CPU${cpus > 1 ? 's' : ''}: ${t.violation.invariant} violated`);
  out.push(`  ${t.violation.message}`);
  out.push(`  ${t.stats.steps} steps, ${t.stats.contextSwitches} switches between CPUs, ${t.stats.preemptions} preemptive`);
  if (t.options.irq !== undefined) out.push(`  recorded with interrupt budgets ${irqBoundsText(t.options.irq)}`);
  if (t.options.memoryModel === 'tso') {
    out.push(`  recorded on ${describeMemoryModel(traceMemoryModelOf(t))}: a store waits in its CPU's buffer until a drain step`);
  }
  out.push('');
  const head = [' step', ...Array.from({ length: cpus }, (_, c) => pad(`CPU${c}`, COL)), 'source'];
  out.push(head.join('  '));
  out.push([' ----', ...Array.from({ length: cpus }, () => '-'.repeat(COL)), '------'].join('  '));
  let lastTask: string[] = [];
  for (const s of t.steps) {
    const text = cellText(s, lastTask[s.cpu] !== s.task);
    lastTask[s.cpu] = s.task;
    const lines = wrap(text, COL);
    lines.forEach((line, i) => {
      const cols = Array.from({ length: cpus }, (_, c) => pad(c === s.cpu ? line : '', COL));
      const num = i === 0 ? String(s.step).padStart(5) : '     ';
      out.push([num, ...cols, i === 0 ? s.ref : ''].join('  ').trimEnd());
    });
  }
  lastTask = [];
  out.push('');
  out.push(`=> ${t.violation.invariant}: ${t.violation.message}`);
  return `${out.join('\n')}\n`;
}

function cellText(s: TraceStep, newTask: boolean): string {
  const who = newTask ? `[${s.task}] ` : '';
  const detail = s.detail && s.detail !== s.what ? `  (${s.detail})` : '';
  return `${who}${s.what}${detail}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function wrap(text: string, width: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur.length === 0) cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
    else {
      lines.push(cur);
      cur = `  ${w}`;
    }
    while (cur.length > width) {
      lines.push(cur.slice(0, width));
      cur = `  ${cur.slice(width)}`;
    }
  }
  if (cur.length > 0) lines.push(cur);
  return lines;
}
