import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { retrace } from '../src/explorer/retrace.ts';
import { parseTrace, type TraceFile } from '../src/explorer/trace.ts';
import { findScenario } from '../src/scenarios/index.ts';

/** A saved trace through a known-bug variant: its steps cite lines of src/kernel/linux/known-bugs.ts (here`…`). */
const FILE = 'traces/linux/sleep-wake.stale-prev-state.cpus2.json';
const load = (): TraceFile => parseTrace(readFileSync(FILE, 'utf8'), FILE);
const scenario = () => findScenario(load().scenario)!;

/** The trace as if it had been recorded when the cited line of known-bugs.ts was `by` lines further down. */
function shifted(t: TraceFile, by: number): TraceFile {
  return {
    ...t,
    steps: t.steps.map((s) => ({
      ...s,
      ref: s.ref.replace(/(known-bugs\.ts):(\d+)/, (_, f, n) => `${f}:${Number(n) + by}`),
    })),
  };
}

describe('retrace: saved traces after an edit moved a cited source line', () => {
  it('the trace cites a line of known-bugs.ts (else this test shows nothing)', () => {
    expect(load().steps.some((s) => /src\/kernel\/linux\/known-bugs\.ts:\d+ /.test(s.ref))).toBe(true);
  });

  it('a trace that replays is left as it is', () => {
    expect(retrace(scenario(), load())).toEqual({ kind: 'same' });
  });

  it('only the line of such a reference differs: the trace is written with today’s lines, and equals the file', () => {
    const r = retrace(scenario(), shifted(load(), 3));
    expect(r.kind).toBe('moved');
    if (r.kind !== 'moved') return;
    expect(r.trace).toEqual(load());
    expect(r.moved.length).toBeGreaterThan(0);
    for (const m of r.moved) {
      expect(m.field).toBe('ref');
      expect(Number(/known-bugs\.ts:(\d+)/.exec(m.from)?.[1]) - Number(/known-bugs\.ts:(\d+)/.exec(m.to)?.[1])).toBe(3);
    }
  });

  it('a reference to another file, or other words, is not a moved line: refused', () => {
    const t = load();
    const i = t.steps.findIndex((s) => s.ref.includes('known-bugs.ts:'));
    const renamed = {
      ...t,
      steps: t.steps.map((s, k) => (k === i ? { ...s, ref: s.ref.replace('known-bugs.ts', 'other.ts') } : s)),
    };
    const r = retrace(scenario(), renamed);
    expect(r.kind).toBe('mismatch');
    if (r.kind === 'mismatch') expect(r.message).toMatch(new RegExp(`^does not reproduce at step ${i + 1}: expected ref`));
  });

  it('a moved line together with any other difference (an edited value) is refused, naming the value', () => {
    const t = shifted(load(), 3);
    const k = t.steps.findIndex((s) => s.changes.length > 0 && s.changes[0]?.op === 'replace');
    const edited = {
      ...t,
      steps: t.steps.map((s, j) =>
        j === k ? { ...s, changes: s.changes.map((c, n) => (n === 0 ? { ...c, value: 'forged' } : c)) } : s,
      ),
    };
    const r = retrace(scenario(), edited);
    expect(r.kind).toBe('mismatch');
    if (r.kind === 'mismatch') expect(r.message).toContain(`at step ${k + 1}`);
  });
});
