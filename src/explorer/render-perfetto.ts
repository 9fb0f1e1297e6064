import type { TraceAnalysis } from './analyze.ts';
import type { TraceFile } from './trace.ts';

/** Logical time: step k occupies [k·10, k·10 + 10) µs. */
export const STEP_US = 10;
const CPU_PID = 1;
const TASK_PID = 2;
/**
 * Task tracks get thread ids of their own: the JSON importer keys threads by
 * tid, so a task track must not reuse a CPU track's tid under another pid.
 */
export const TASK_TID_BASE = 1000;

export interface TraceEvent {
  readonly ph: string;
  readonly name: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly id?: number;
  readonly s?: string;
  readonly bp?: string;
  readonly args?: Record<string, unknown>;
}

/**
 * Chrome trace-event JSON (opens in ui.perfetto.dev): process 1 has one
 * track per CPU with one slice per step; process 2 has one track per task
 * showing where it is (and its state field when the model has one); the
 * violation is a global instant; wakeups are flow arrows from the step that
 * made a task able to run to the step where it next runs. One slice per step
 * per track, so nothing has to nest.
 */
export function renderPerfetto(t: TraceFile, a: TraceAnalysis): string {
  const ev: TraceEvent[] = [];
  const cpus = t.options.cpus;
  const end = (t.steps.length + 1) * STEP_US;
  ev.push(meta('process_name', CPU_PID, 0, { name: 'CPUs' }), meta('process_sort_index', CPU_PID, 0, { sort_index: 1 }));
  ev.push(meta('process_name', TASK_PID, 0, { name: 'tasks' }), meta('process_sort_index', TASK_PID, 0, { sort_index: 2 }));
  for (let c = 0; c < cpus; c++) {
    ev.push(meta('thread_name', CPU_PID, c, { name: `CPU${c}` }), meta('thread_sort_index', CPU_PID, c, { sort_index: c }));
  }
  for (const s of t.steps) {
    ev.push({
      ph: 'X',
      name: s.what,
      cat: s.kind,
      pid: CPU_PID,
      tid: s.cpu,
      ts: s.step * STEP_US,
      dur: STEP_US,
      args: {
        step: s.step,
        task: s.task,
        detail: s.detail,
        ref: s.ref,
        changed: s.changes.map((p) => `${(p.path as string[]).slice(1).join('.')} = ${String(p.value ?? '(removed)')}`),
        ...(a.slice.includes(s.step) ? { causal: true } : {}),
        ...(a.story.steps.includes(s.step) ? { race: true } : {}),
      },
    });
  }
  ev.push(...taskTracks(t, end));
  const last = t.steps[t.steps.length - 1];
  ev.push({
    ph: 'i',
    s: 'g',
    name: `VIOLATED ${t.violation.invariant}`,
    cat: 'violation',
    pid: CPU_PID,
    tid: last?.cpu ?? 0,
    ts: end,
    args: { message: t.violation.message },
  });
  a.wakes.forEach((w, i) => {
    const from = t.steps[w.from - 1];
    const to = t.steps[w.to - 1];
    if (!from || !to) return;
    const name = `${w.kind} ${w.task}`;
    ev.push({ ph: 's', id: i + 1, name, cat: 'wakeup', pid: CPU_PID, tid: from.cpu, ts: w.from * STEP_US + STEP_US / 2 });
    ev.push({ ph: 'f', bp: 'e', id: i + 1, name, cat: 'wakeup', pid: CPU_PID, tid: to.cpu, ts: w.to * STEP_US + STEP_US / 2 });
  });
  const doc = {
    traceEvents: ev,
    displayTimeUnit: 'ns',
    otherData: {
      scenario: t.scenario,
      variant: t.variant,
      cpus,
      strategy: t.options.strategy,
      seed: t.options.seed,
      schedule: t.schedule.join(' '),
      violation: `${t.violation.invariant}: ${t.violation.message}`,
      time: `logical: step k is at ${STEP_US}·k µs`,
    },
  };
  return `${JSON.stringify(doc, null, 1)}\n`;
}

function meta(name: string, pid: number, tid: number, args: Record<string, unknown>): TraceEvent {
  return { ph: 'M', name, pid, tid, args };
}

/** One track per task: a slice for each stretch of time it stays in one place and state. */
function taskTracks(t: TraceFile, end: number): TraceEvent[] {
  const names = Object.keys(t.initial.tasks);
  const ev: TraceEvent[] = [];
  const cells: Record<string, string> = { ...t.initial.cells };
  const where: Record<string, string> = { ...t.initial.tasks };
  const label = (task: string) => {
    const field = cells[`${task}.state`] ?? cells[`${task}.__state`];
    return field !== undefined ? `${where[task]} · ${field}` : (where[task] as string);
  };
  const current = names.map((n) => ({ label: label(n), since: STEP_US }));
  names.forEach((n, i) => {
    ev.push(
      meta('thread_name', TASK_PID, TASK_TID_BASE + i, { name: n }),
      meta('thread_sort_index', TASK_PID, TASK_TID_BASE + i, { sort_index: i }),
    );
  });
  const close = (i: number, at: number) => {
    const c = current[i] as { label: string; since: number };
    if (at > c.since)
      ev.push({
        ph: 'X',
        name: c.label,
        cat: 'task-state',
        pid: TASK_PID,
        tid: TASK_TID_BASE + i,
        ts: c.since,
        dur: at - c.since,
      });
  };
  for (const s of t.steps) {
    for (const p of s.changes) {
      const [area, key] = p.path as [string, string];
      if (area === 'cells') cells[key] = String(p.value);
      else if (area === 'tasks') where[key] = String(p.value);
    }
    const at = (s.step + 1) * STEP_US;
    names.forEach((n, i) => {
      const l = label(n);
      const c = current[i] as { label: string; since: number };
      if (l === c.label) return;
      close(i, at);
      current[i] = { label: l, since: at };
    });
  }
  names.forEach((_, i) => {
    close(i, end);
  });
  return ev;
}
