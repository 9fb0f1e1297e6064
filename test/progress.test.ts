import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatusLine } from '../src/cli/progress.ts';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const out = { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  return { out, written };
}

const at = (elapsedMs: number, executions: number) => ({ executions, steps: executions * 10, depth: 7, elapsedMs });

describe('status line', () => {
  it('on a terminal: redraws one line a few times a second, and clears it at the end', () => {
    const { out, written } = fakeStream(true);
    const s = new StatusLine('demo/x [buggy] 2 CPUs dfs', out);
    for (let t = 0; t <= 1000; t += 50) s.update(at(t, t * 2));
    expect(written.length).toBe(4); // at 250, 500, 750 and 1000 ms
    expect(written[0]).toBe('\r\x1b[2Kdemo/x [buggy] 2 CPUs dfs: 500 executions (2000/s), 5000 steps, depth 7, 0.3 s');
    s.done();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('off a terminal: a plain line every few seconds, nothing to clear', () => {
    const { out, written } = fakeStream(false);
    const s = new StatusLine('job', out);
    for (let t = 0; t <= 12_000; t += 100) s.update(at(t, t));
    expect(written.length).toBe(2); // at 5 s and 10 s
    expect(written.every((w) => w.endsWith('\n') && !w.includes('\x1b'))).toBe(true);
    s.done();
    expect(written.length).toBe(2);
  });

  it('never reaches stdout: --json output stays one JSON line when a budget stops the search', () => {
    const r = spawnSync(
      process.execPath,
      [
        resolve('bin/ptrace-mc.js'),
        'check',
        'demo/lost-wakeup',
        '--variant',
        'fixed',
        '--strategy',
        'dfs',
        '--max-executions',
        '50',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'incomplete', stoppedBy: 'max-executions', executions: 50 });
    const text = spawnSync(
      process.execPath,
      [
        resolve('bin/ptrace-mc.js'),
        'check',
        'demo/lost-wakeup',
        '--variant',
        'fixed',
        '--strategy',
        'dfs',
        '--max-executions',
        '50',
      ],
      { encoding: 'utf8' },
    );
    expect(text.stdout).toMatch(/stopped by --max-executions \(50 executions, \d+ states \(\d+ kept\), \d+ steps, deepest \d+/);
  });
});

describe('status line: where the search is', () => {
  it('names the row of the table and how much of the budget is spent', () => {
    const written: string[] = [];
    const out = { isTTY: false, write: (s: string) => written.push(s) };
    const s = new StatusLine('row 3 of 47: demo/x [buggy] 2 CPUs dfs', out, { maxExecutions: 4000, maxTimeMs: 60_000 });
    s.update(at(6000, 1000));
    expect(written).toEqual([
      'row 3 of 47: demo/x [buggy] 2 CPUs dfs: 1000 executions (167/s), 10000 steps, depth 7, 6.0 s (budget: 25% of --max-executions 4000, 10% of --max-time 60 s)\n',
    ]);
  });
});
