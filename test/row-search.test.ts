import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsFor, type Job, rowSearchOf } from '../src/cli/check.ts';
import { STRATEGIES } from '../src/explorer/run.ts';
import { SC } from '../src/model/memory-model.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import resumeVsWait from '../src/scenarios/linux/resume-vs-wait.ts';

const BIN = resolve('bin/ptrace-mc.js');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args, '--out-dir', mkdtempSync(join(tmpdir(), 'ptrace-mc-row-'))], {
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe("an expectation row's own search", () => {
  it('every row that names a search names a strategy of check, and holds rows only exhaustive ones', () => {
    for (const s of SCENARIOS) {
      for (const v of Object.values(s.variants)) {
        for (const e of v.expect) {
          if (!e.search) continue;
          expect(STRATEGIES).toContain(e.search.strategy);
          if (e.verdict === 'holds') expect(['auto', 'dpor', 'source-dpor', 'dfs']).toContain(e.search.strategy);
        }
      }
    }
  });

  it('replaces the table strategy for its row only, and only when no --strategy is named', () => {
    const e = resumeVsWait.variants['pre-fix']?.expect.find((x) => x.cpus === 2) ?? null;
    expect(e?.search).toEqual({ strategy: 'bounded', preemptions: 1 });
    const job: Job = {
      scenario: resumeVsWait,
      variant: 'pre-fix',
      cpus: 2,
      irq: {},
      memoryModel: SC,
      invariants: null,
      expected: e,
      ...rowSearchOf(e, true),
    };
    const f = { strategy: 'dfs', preemptions: 2 } as Parameters<typeof flagsFor>[1];
    expect(flagsFor(job, f)).toMatchObject({ strategy: 'bounded', preemptions: 1 });
    expect(rowSearchOf(e, false)).toEqual({});
    expect(() => rowSearchOf({ cpus: 2, verdict: 'violated', search: { strategy: 'guess' } }, true)).toThrow(/guess/);
  });

  it('the table runs the row with its search and says so; --strategy overrides it', () => {
    const r = run(['check', 'linux/', '--variant', 'pre-fix', '--json', '--no-shrink']);
    expect(r.code).toBe(0);
    const rows = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const two = rows.find((x) => x.cpus === 2);
    expect(two).toMatchObject({
      strategy: 'bounded',
      preemptions: 1,
      verdict: 'violated',
      invariant: 'ptrace-report-once',
      matches: true,
    });
    expect(rows.find((x) => x.cpus === 1)).toMatchObject({ strategy: 'auto', verdict: 'holds' });
    const forced = run(['check', 'linux/', '--variant', 'pre-fix', '--cpus', '1', '--strategy', 'bounded', '--json']);
    // one job per row budget left on one CPU: the tick-free row and the row with a tick
    const forcedRows = forced.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(forcedRows.map((x) => x.irq ?? null)).toEqual([null, { 'tick@cpu0': 1 }]);
    for (const x of forcedRows) expect(x).toMatchObject({ strategy: 'bounded', preemptions: 2 });
  });
});

describe('rows marked long', () => {
  it('the table leaves them out and says so; --all runs them', () => {
    const base = ['check', 'bench/', '--variant', 'fixed', '--max-executions', '1'];
    const without = run(base);
    expect(without.out).toMatch(
      /not run: 1 row whose search is long \(check --all runs them\):\n {6}bench\/sleep-wake \[fixed\] 6 CPUs\n/,
    );
    expect(without.out).not.toMatch(/^bench\/sleep-wake \[fixed\]\s+6 /m);
    const all = run([...base, '--all']);
    expect(all.out).toMatch(/^bench\/sleep-wake \[fixed\]\s+6\s+incomplete\s+MISMATCH/m);
    expect(all.out).not.toContain('not run:');
  });
});
