import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CheckFlags, type Outcome, renderTable, tableJobs, tracePathFor } from '../src/cli/check.ts';
import type { SearchResult } from '../src/explorer/explore.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';

/**
 * `check` with no argument prints a table that fits a 120-column terminal.
 * The whole table takes minutes, so every row of it (long rows included) is
 * rendered here from outcomes with the widest cells a row can have — the
 * largest counts and times a built-in row reaches, a verdict of `incomplete`
 * or a `MISMATCH` — and one group is run for real.
 */
const WIDTH = 120;
const FLAGS: CheckFlags = {
  strategy: 'dfs',
  invariant: [],
  seed: 1,
  runs: 1000,
  preemptions: 2,
  depth: 3,
  shrink: true,
  outDir: 'ptrace-mc-out',
  all: true,
};

function outcomes(verdictOf: (expected: 'holds' | 'violated') => SearchResult['verdict'], invariantOf: (e?: string) => string) {
  const { jobs } = tableJobs(SCENARIOS, FLAGS, null, true);
  return jobs.map((job): Outcome => {
    const verdict = verdictOf(job.expected?.verdict ?? 'holds');
    const search: SearchResult = {
      verdict,
      violation: verdict === 'violated' ? { invariant: invariantOf(job.expected?.invariant), message: 'x' } : null,
      schedule: null,
      executions: 99_999_999,
      steps: 1,
      maxDepth: 1,
      states: 1,
      stoppedBy: verdict === 'incomplete' ? 'max-executions' : null,
      elapsedMs: 999_990,
      coverage: null,
    };
    return { job, search, tracePath: verdict === 'violated' ? tracePathFor(job, FLAGS) : null, traceStats: null, shrunk: null };
  });
}

function widest(text: string): string {
  return text.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
}

describe('the expectation table fits 120 columns', () => {
  it('every built-in row, as expected, with the largest counts and times', () => {
    const text = renderTable(
      outcomes(
        (e) => e,
        (i) => i ?? 'no-lost-wakeup',
      ),
      FLAGS,
      [],
    );
    expect(text.split('\n').length).toBeGreaterThan(140);
    expect(widest(text).length).toBeLessThanOrEqual(WIDTH);
  });

  it('every row violated where it should hold, or incomplete: MISMATCH and the expectation on the line below', () => {
    for (const v of ['violated', 'incomplete'] as const) {
      const text = renderTable(
        outcomes(
          () => v,
          () => 'no-return-with-pending-work',
        ),
        FLAGS,
        ['linux/x [y] 2 CPUs'],
      );
      expect(text).toContain('MISMATCH');
      expect(widest(text).length).toBeLessThanOrEqual(WIDTH);
      // every trace path is printed whole, on one line, so that it can be copied
      const lines = new Set(text.split('\n').map((l) => l.replace(/^ *(.*, )?(trace )?/, '')));
      for (const o of outcomes(
        () => v,
        () => 'x',
      ))
        if (o.tracePath) expect(lines.has(o.tracePath), o.tracePath).toBe(true);
    }
  });

  // the DragonOS group's 2-CPU rows allow a tick on each CPU: about a minute on a quiet machine, more under load
  it('as printed: a group of the table, run', { timeout: 600_000 }, () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ptrace-mc-width-'));
    const r = spawnSync(process.execPath, [resolve('bin/ptrace-mc.js'), 'check', 'dragonos/'], { encoding: 'utf8', cwd });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^scenario \[variant\] +cpus +verdict +expected +search +executions +time s$/m);
    expect(r.stdout).toMatch(
      /^dragonos\/c4-mark-stop-vs-sigcont \[pr1663\] +2 +violated +ok +auto +\d+ +\d+\.\d\d\n {6}checking no-lost-wakeup, guard-held\n {6}no-lost-wakeup, trace /m,
    );
    expect(widest(r.stdout).length).toBeLessThanOrEqual(WIDTH);
  });
});
