import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayTrace } from '../src/explorer/replay.ts';
import { parseTrace } from '../src/explorer/trace.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { traceFiles } from './helpers.ts';

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
      const v = replayTrace(s!, t);
      expect(v).toEqual(t.violation);
    });
  }
});
