import type { ScenarioDef } from '../model/scenario.ts';
import { choiceLabel, choiceOf, Recorder } from './record.ts';
import { DEFAULT_MAX_STEPS, makeMachine } from './run.ts';
import type { TraceFile, TraceStep } from './trace.ts';

/** The trace no longer matches the model: says where and how. */
export class ReplayMismatch extends Error {}

const COMPARED: readonly (keyof TraceStep)[] = ['choice', 'cpu', 'task', 'kind', 'what', 'detail', 'ref'];

/**
 * Re-runs a trace's schedule on the current model and checks that every
 * recorded step happens again exactly, and that it ends in the recorded
 * violation. Returns the violation; throws ReplayMismatch otherwise.
 */
export function replayTrace(s: ScenarioDef, t: TraceFile): { invariant: string; message: string } {
  if (!(t.variant in s.variants)) throw new ReplayMismatch(`scenario ${s.name} has no variant '${t.variant}'`);
  const m = makeMachine(s, {
    variant: t.variant,
    cpus: t.options.cpus,
    invariants: t.options.invariants,
    maxSteps: t.options.maxSteps ?? DEFAULT_MAX_STEPS,
    ...(t.options.irq !== undefined ? { irq: t.options.irq } : {}),
  });
  const rec = new Recorder(m);
  m.observer = rec;
  t.schedule.forEach((label, i) => {
    const n = i + 1;
    const c = choiceOf(m, label);
    if (m.violation !== null) {
      throw new ReplayMismatch(
        `does not reproduce at step ${n}: the model already stopped with ${m.violation.invariant} after step ${i}`,
      );
    }
    if (c < 0 || !m.isEnabled(c)) {
      const en: number[] = [];
      m.enabled(en);
      throw new ReplayMismatch(
        `does not reproduce at step ${n}: expected ${label} to be enabled, got [${en.map((x) => choiceLabel(m, x)).join(', ')}]`,
      );
    }
    m.step(c);
    const got = rec.steps[i] as TraceStep;
    const want = t.steps[i] as TraceStep;
    for (const k of COMPARED) {
      if (got[k] !== want[k]) {
        throw new ReplayMismatch(
          `does not reproduce at step ${n}: expected ${k} ${JSON.stringify(want[k])}, got ${JSON.stringify(got[k])}`,
        );
      }
    }
  });
  if (m.violation === null) m.finish();
  const v = m.violation;
  if (v === null) {
    throw new ReplayMismatch(`does not reproduce: the schedule ends without a violation (expected ${t.violation.invariant})`);
  }
  if (v.invariant !== t.violation.invariant || v.message !== t.violation.message) {
    throw new ReplayMismatch(
      `does not reproduce: expected ${t.violation.invariant} (${t.violation.message}), got ${v.invariant} (${v.message})`,
    );
  }
  return v;
}
