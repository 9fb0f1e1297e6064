import { describe, expect, it } from 'vitest';
import { targetReport } from '../bench/report.ts';
import { type BenchJob, type BenchRow, crashLine, NOT_RUN } from '../bench/rows.ts';

const job = (variant: string, long: boolean): BenchJob => ({
  scenario: 'linux/x',
  variant,
  cpus: 2,
  strategy: 'auto',
  invariants: null,
  expected: 'holds',
  ...(long ? { long: true } : {}),
});
const row = (variant: string, verdict: string, searchMs: number): BenchRow => ({
  scenario: 'linux/x',
  variant,
  cpus: 2,
  strategy: 'auto',
  verdict,
  executions: 1,
  traces: null,
  ratio: null,
  stepsPerSecond: null,
  wallMs: searchMs,
  searchMs,
  peakMB: 1,
});

function report(rows: BenchRow[], jobs: BenchJob[]): string {
  return targetReport({
    rows,
    jobs,
    scenarioRows: rows,
    workerRows: [],
    before: [],
    smallCommandMs: 100,
    tableCommand: null,
    spin: false,
  });
}

describe('bench report', () => {
  it('lists a long row left out by --skip-long instead of counting it as a missed proof', () => {
    const out = report([row('a', 'holds', 50), row('b', NOT_RUN, 0)], [job('a', false), job('b', true)]);
    expect(out).toContain('met    proof linux/x [a] 2 CPUs: holds in 50 ms');
    expect(out).not.toContain('[b] 2 CPUs: not run');
    expect(out).toContain('1 rows marked long not run (--skip-long): linux/x [b] 2 CPUs');
  });

  it('a long row that ran is a proof like any other', () => {
    const out = report([row('b', 'holds', 20_000)], [job('b', true)]);
    expect(out).toContain('MISSED proof linux/x [b] 2 CPUs: holds in 20000 ms');
  });

  it("names a crashed row by its error line, not by Node's version line", () => {
    const stderr = [
      'file:///x/dist/src/explorer/run.js:10',
      '        throw new Error("boom");',
      '',
      'Error: boom',
      '    at run (file:///x/dist/src/explorer/run.js:10:15)',
      '',
      'Node.js v20.20.2',
      '',
    ].join('\n');
    expect(crashLine(null, stderr, 1)).toBe('Error: boom');
    expect(crashLine('SIGKILL', stderr, null)).toBe('SIGKILL');
    expect(crashLine(null, '', 7)).toBe('exit 7');
  });
});
