import type { ScenarioDef } from '../model/scenario.ts';
import { choiceOf, Recorder } from './record.ts';
import { ReplayMismatch, replayTrace, traceMachine } from './replay.ts';
import type { TraceFile, TraceStep } from './trace.ts';

/**
 * Source references to code a scenario or a known-bug variant writes itself
 * (`here\`fn\``, source-ref.ts) name a line of a TypeScript file: an edit
 * above that line in the same file moves it, and every saved trace through
 * it stops replaying although the model does exactly what it did. retrace
 * tells that case apart from a real change and writes the new line numbers
 * in: a trace whose steps differ from today's model only in the line of
 * such references — same file, same words, same values, same everything
 * else, replay's whole-file check passing once they are updated — is
 * `moved`; any other difference is a `mismatch`, left for a person (the
 * first difference, as replay names it).
 */
export type Retraced =
  | { readonly kind: 'same' }
  | { readonly kind: 'moved'; readonly trace: TraceFile; readonly moved: readonly MovedRef[] }
  | { readonly kind: 'mismatch'; readonly message: string };

export interface MovedRef {
  readonly step: number;
  readonly field: 'ref' | 'what' | 'detail';
  readonly from: string;
  readonly to: string;
}

/** `path/file.ts:123` inside a reference: the line is what an edit above it moves. */
const SOURCE_LINE = /((?:^|[\s(])[\w./-]+\.(?:ts|mts|js|mjs)):\d+/g;

/** The text with the line numbers of references to TypeScript/JavaScript sources left out. */
function withoutLines(s: string): string {
  return s.replace(SOURCE_LINE, '$1:#');
}

export function retrace(s: ScenarioDef, t: TraceFile): Retraced {
  let first: string;
  try {
    replayTrace(s, t);
    return { kind: 'same' };
  } catch (e) {
    if (!(e instanceof ReplayMismatch)) throw e;
    first = e.message;
  }
  const now = stepsToday(s, t);
  if (now === null) return { kind: 'mismatch', message: first };
  const moved: MovedRef[] = [];
  const steps = t.steps.map((st, i): TraceStep => {
    const cur = now[i];
    if (cur === undefined) return st;
    let out = st;
    for (const field of ['ref', 'what', 'detail'] as const) {
      const was = st[field];
      const is = cur[field];
      if (was !== is && withoutLines(was) === withoutLines(is)) {
        moved.push({ step: st.step, field, from: was, to: is });
        out = { ...out, [field]: is };
      }
    }
    return out;
  });
  if (moved.length === 0) return { kind: 'mismatch', message: first };
  const trace: TraceFile = { ...t, steps };
  try {
    replayTrace(s, trace);
  } catch (e) {
    if (e instanceof ReplayMismatch) return { kind: 'mismatch', message: e.message };
    throw e;
  }
  return { kind: 'moved', trace, moved };
}

/** The steps today's model records for the trace's schedule, or null when the schedule cannot be followed. */
function stepsToday(s: ScenarioDef, t: TraceFile): readonly TraceStep[] | null {
  try {
    const m = traceMachine(s, t);
    const rec = new Recorder(m);
    m.observer = rec;
    for (const label of t.schedule) {
      const c = choiceOf(m, label);
      if (c < 0 || !m.isEnabled(c) || m.violation !== null) return null;
      m.step(c);
    }
    return rec.steps;
  } catch {
    return null;
  }
}
