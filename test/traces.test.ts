import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { choiceLabel } from '../src/explorer/record.ts';
import { ReplayMismatch, replayTrace } from '../src/explorer/replay.ts';
import { retrace } from '../src/explorer/retrace.ts';
import { shrinkSchedule } from '../src/explorer/shrink.ts';
import { parseTrace } from '../src/explorer/trace.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { traceFiles } from './helpers.ts';
import { traceMachine } from './trace-machine.ts';

/** Every counterexample ever saved is replayed on every run: a regression test. */
describe('every trace under traces/ reproduces its violation', () => {
  const files = traceFiles('traces');
  it('there are traces to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(f, () => {
      const t = parseTrace(readFileSync(f, 'utf8'), f);
      const s = findScenario(t.scenario);
      expect(s, `scenario ${t.scenario}`).toBeDefined();
      let v: ReturnType<typeof replayTrace>;
      try {
        v = replayTrace(s!, t);
      } catch (e) {
        // an edit that only moved a cited line of a TypeScript source (a `here` site): say how to rewrite it
        if (e instanceof ReplayMismatch && retrace(s!, t).kind === 'moved') {
          throw new Error(`${(e as Error).message} — only source line numbers moved: npm run retrace -- ${f}`);
        }
        throw e;
      }
      expect({ invariant: v.invariant, message: v.message }).toEqual(t.violation);
    });
  }
});

/** Every saved trace is minimal: shrinking it again gives it back unchanged. */
/**
 * Shrinking is re-run on every trace short enough for the suite: it must give
 * the trace back unchanged (a fixed point). Longer traces (the kernel
 * scenarios' 200–900-step ones) cost minutes each to re-shrink; they were
 * minimized with `ptrace-mc shrink` and are replayed above.
 */
const SHRINK_CHECK_MAX_STEPS = 200;

describe('every trace under traces/ is already shrunk', () => {
  const short = traceFiles('traces').filter((f) => parseTrace(readFileSync(f, 'utf8'), f).steps.length <= SHRINK_CHECK_MAX_STEPS);
  for (const f of short) {
    it(f, () => {
      const { t, m, schedule } = traceMachine(f);
      const again = shrinkSchedule(m, schedule, t.violation.invariant);
      expect(again.schedule.map((c) => choiceLabel(m, c))).toEqual(t.schedule);
      expect(again.preemptions).toBe(t.stats.preemptions);
    });
  }
});
