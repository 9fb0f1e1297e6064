import type { Machine } from '../model/machine.ts';
import { hasOwn } from '../model/own.ts';
import { invariantNames, type ScenarioDef } from '../model/scenario.ts';
import type { Violation } from '../model/types.ts';
import { checkCpuCount, LimitError } from './limits.ts';
import { choiceLabel, choiceOf, Recorder } from './record.ts';
import { makeMachine, SEEDED, STRATEGIES } from './run.ts';
import { type TraceFile, type TraceStep, traceMemoryModelOf } from './trace.ts';

/** The trace does not match the model: says where and how. */
export class ReplayMismatch extends Error {}

/** A replayed trace: the violation it ends in, and the machine and recorder that replayed it. */
export interface Replayed {
  readonly invariant: string;
  readonly message: string;
  /** how the violation came about: at the last step, or when nothing could run any more */
  readonly at: 'step' | 'end';
}

/** The fields of a recorded step, in the order they are compared (`changes` last: its difference names a path). */
const STEP_FIELDS = ['step', 'choice', 'cpu', 'task', 'kind', 'what', 'detail', 'ref', 'changes'] as const;

/**
 * Re-runs a trace on the current model and checks the whole file against
 * it: the options (the CPU count within its limit, the strategy and seed,
 * invariant names the scenario has, a step bound the schedule fits in), the
 * world before the first step, every step — choice, CPU, task, operation,
 * its words, the values read and written, its source reference and what it
 * changed (recomputed and compared) — the statistics, and the end: a
 * violation found at a step must happen at exactly the last one; one found
 * at the end of the execution (a terminal invariant, a deadlock) only when
 * nothing can run after the last step. Anything else throws ReplayMismatch
 * naming the first difference; otherwise returns the violation.
 */
export function replayTrace(s: ScenarioDef, t: TraceFile): Replayed {
  checkTraceOptions(s, t);
  const m = traceMachine(s, t);
  const rec = new Recorder(m);
  m.observer = rec;
  compare(0, 'initial', t.initial, rec.initial);
  t.schedule.forEach((label, i) => {
    const n = i + 1;
    if (m.violation !== null) {
      throw new ReplayMismatch(
        `does not reproduce at step ${n}: expected the execution to go on, got ${m.violation.invariant} violated at step ${i} (${m.violation.message})`,
      );
    }
    const c = choiceOf(m, label);
    if (c < 0 || !m.isEnabled(c)) {
      throw new ReplayMismatch(`does not reproduce at step ${n}: expected ${label} to be enabled, got [${enabledLabels(m)}]`);
    }
    m.step(c);
    const got = rec.steps[i] as TraceStep;
    const want = t.steps[i] as TraceStep;
    for (const k of STEP_FIELDS) compare(n, k, want[k], got[k]);
  });
  const last = t.schedule.length;
  const v = endOf(m, t.violation, last);
  compare(last, 'stats', t.stats, {
    steps: rec.steps.length,
    contextSwitches: rec.contextSwitches,
    preemptions: rec.preemptions,
  });
  return v;
}

/** The machine a trace was recorded on: its variant, CPUs, invariants, step bound, interrupt budgets and memory model. */
export function traceMachine(s: ScenarioDef, t: TraceFile): Machine {
  return makeMachine(s, {
    variant: t.variant,
    cpus: t.options.cpus,
    invariants: t.options.invariants,
    maxSteps: t.options.maxSteps,
    ...(t.options.irq !== undefined ? { irq: t.options.irq } : {}),
    memoryModel: traceMemoryModelOf(t),
  });
}

/**
 * After the last step of a replayed schedule: the recorded violation must be
 * the model's — broken by that step, or (an end-of-execution check)
 * reported when nothing can run any more.
 */
function endOf(m: Machine, want: Violation, last: number): Replayed {
  let at: Replayed['at'] = 'step';
  if (m.violation === null) {
    // an end-of-execution violation: only where the execution really ends
    if (m.enabled([]) > 0) {
      throw new ReplayMismatch(
        `does not reproduce at step ${last}: expected nothing to be able to run after it (${want.invariant} is checked when the execution ends), got [${enabledLabels(m)}] enabled`,
      );
    }
    m.finish();
    at = 'end';
  }
  const v = m.violation;
  if (v === null) {
    throw new ReplayMismatch(
      `does not reproduce at step ${last}: expected ${want.invariant} (${want.message}), got an execution that ends without a violation`,
    );
  }
  if (v.invariant !== want.invariant || v.message !== want.message) {
    throw new ReplayMismatch(
      `does not reproduce at step ${last}: expected ${want.invariant} (${want.message}), got ${v.invariant} (${v.message})`,
    );
  }
  return { invariant: v.invariant, message: v.message, at };
}

/**
 * Runs a schedule of choice numbers (a search's counterexample, e.g. from a
 * shard file) from the start and checks it ends in `want` the way replay
 * checks a trace. Throws ReplayMismatch naming the step.
 */
export function replaySchedule(m: Machine, schedule: readonly number[], want: Violation): Replayed {
  m.reset();
  schedule.forEach((c, i) => {
    if (m.violation !== null) {
      throw new ReplayMismatch(
        `does not reproduce at step ${i + 1}: expected the execution to go on, got ${m.violation.invariant} violated at step ${i}`,
      );
    }
    if (!Number.isInteger(c) || c < 0 || c >= m.choiceCount || !m.isEnabled(c)) {
      throw new ReplayMismatch(
        `does not reproduce at step ${i + 1}: expected choice ${c} to be enabled, got [${enabledLabels(m)}]`,
      );
    }
    m.step(c);
  });
  return endOf(m, want, schedule.length);
}

/** The options a trace was recorded with, checked against the scenario before anything runs. */
export function checkTraceOptions(s: ScenarioDef, t: TraceFile): void {
  const o = t.options;
  if (!hasOwn(s.variants, t.variant)) {
    throw new ReplayMismatch(`scenario ${s.name} has no variant '${t.variant}' (it has: ${Object.keys(s.variants).join(', ')})`);
  }
  try {
    checkCpuCount(o.cpus, 'options.cpus');
  } catch (e) {
    if (e instanceof LimitError) throw new ReplayMismatch(e.message);
    throw e;
  }
  if (!(STRATEGIES as readonly string[]).includes(o.strategy)) {
    throw new ReplayMismatch(`options.strategy '${o.strategy}' is not a strategy (one of: ${STRATEGIES.join(', ')})`);
  }
  const seeded = (SEEDED as readonly string[]).includes(o.strategy);
  if (seeded !== (o.seed !== null)) {
    throw new ReplayMismatch(
      seeded
        ? `options.seed is null, but strategy ${o.strategy} is seeded`
        : `options.seed is ${o.seed}, but strategy ${o.strategy} takes no seed`,
    );
  }
  if (o.invariants !== null) {
    const known = new Set(invariantNames(s, t.variant, t.options.cpus));
    const unknown = o.invariants.find((n) => !known.has(n));
    if (unknown !== undefined) throw new ReplayMismatch(`options.invariants names '${unknown}', which ${s.name} does not check`);
    if (!o.invariants.includes(t.violation.invariant)) {
      throw new ReplayMismatch(
        `violation.invariant '${t.violation.invariant}' is not among options.invariants (${o.invariants.join(', ')})`,
      );
    }
  }
  if (t.schedule.length > o.maxSteps) {
    throw new ReplayMismatch(
      `the schedule has ${t.schedule.length} steps, more than options.maxSteps (${o.maxSteps}): a search cuts an execution there`,
    );
  }
}

function enabledLabels(m: Machine): string {
  const en: number[] = [];
  m.enabled(en);
  return en.map((x) => choiceLabel(m, x)).join(', ');
}

/** Throws at the first place where `got` differs from `want`, naming the field (e.g. `changes[0].value`). */
function compare(step: number, field: string, want: unknown, got: unknown): void {
  const d = firstDifference(want, got, field);
  if (d === null) return;
  const expected = d.want === undefined ? `no ${d.path}` : `${d.path} ${show(d.want)}`;
  throw new ReplayMismatch(`does not reproduce at step ${step}: expected ${expected}, got ${show(d.got)}`);
}

interface Difference {
  readonly path: string;
  readonly want: unknown;
  readonly got: unknown;
}

/** The first difference between two JSON values, depth first, keys in the order `got` has them; null when equal. */
export function firstDifference(want: unknown, got: unknown, path: string): Difference | null {
  if (Array.isArray(want) && Array.isArray(got)) {
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      if (i >= want.length) return { path: `${path}[${i}]`, want: undefined, got: got[i] };
      if (i >= got.length) return { path: `${path}[${i}]`, want: want[i], got: undefined };
      const d = firstDifference(want[i], got[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (isRecord(want) && isRecord(got)) {
    const keys = [...Object.keys(got), ...Object.keys(want).filter((k) => !hasOwn(got, k))];
    for (const k of keys) {
      const d = firstDifference(hasOwn(want, k) ? want[k] : undefined, hasOwn(got, k) ? got[k] : undefined, `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(want, got) ? null : { path, want, got };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function show(x: unknown): string {
  if (x === undefined) return 'none';
  const s = JSON.stringify(x);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
