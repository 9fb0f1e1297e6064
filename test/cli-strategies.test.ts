import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve('bin/ptrace-mc.js');
function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('check --strategy bounded | pct | portfolio', () => {
  it('bounded: states the bound when it finds nothing (exit 3, never holds), finds the bug with one preemption', () => {
    const fixed = run(['check', 'demo/lost-wakeup', '--variant', 'fixed', '--strategy', 'bounded', '--preemptions', '1']);
    expect(fixed.code).toBe(3);
    expect(fixed.out).toContain('(bounded: preemptions 1): incomplete');
    expect(fixed.out).toContain('covered: no violation with ≤ 1 preemptions');
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-'));
    const buggy = run([
      'check',
      'demo/lost-wakeup',
      '--variant',
      'buggy',
      '--strategy',
      'bounded',
      '--json',
      '--trace-out',
      join(dir, 't.json'),
    ]);
    expect(buggy.code).toBe(1);
    expect(JSON.parse(buggy.out)).toMatchObject({
      strategy: 'bounded',
      preemptions: 2,
      verdict: 'violated',
      tracePreemptions: 1,
    });
    expect(JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')).options.strategy).toBe('bounded');
  });

  it('pct: prints its per-run guarantee with n and k; the same seed gives the same output', () => {
    const args = [
      'check',
      'demo/abba-deadlock',
      '--variant',
      'fixed',
      '--strategy',
      'pct',
      '--depth',
      '2',
      '--runs',
      '30',
      '--seed',
      '5',
    ];
    const a = run(args);
    expect(a.code).toBe(3);
    expect(a.out).toMatch(/probability ≥ 1\/\(n·k\^\(d−1\)\) = 1\/\d+ \(n = 2 CPUs and interrupt sources, k = \d+ steps\)/);
    expect(run(args).out.replace(/[\d.]+ ms/g, '')).toBe(a.out.replace(/[\d.]+ ms/g, ''));
  });

  it('portfolio: finds the deadlock, and proves the fixed variant (its dfs member finishes)', () => {
    expect(run(['check', 'demo/abba-deadlock', '--variant', 'buggy', '--strategy', 'portfolio']).code).toBe(1);
    const fixed = run(['check', 'demo/abba-deadlock', '--variant', 'fixed', '--strategy', 'portfolio', '--json']);
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.out)).toMatchObject({ verdict: 'holds', strategy: 'portfolio' });
  });

  it('--no-shrink keeps the trace as found', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-'));
    const t = join(dir, 't.json');
    const r = run([
      'check',
      'demo/lost-wakeup',
      '--variant',
      'buggy',
      '--strategy',
      'random',
      '--seed',
      '3',
      '--no-shrink',
      '--json',
      '--trace-out',
      t,
    ]);
    expect(r.code).toBe(1);
    const raw = JSON.parse(r.out);
    expect(raw.foundSteps).toBeUndefined();
    // a random walk switches CPUs all the time: 7 preemptions where 1 is enough
    expect(raw.tracePreemptions).toBe(7);
    const s = run([
      'check',
      'demo/lost-wakeup',
      '--variant',
      'buggy',
      '--strategy',
      'random',
      '--seed',
      '3',
      '--json',
      '--trace-out',
      t,
    ]);
    expect(JSON.parse(s.out)).toMatchObject({ foundSteps: 23, foundPreemptions: 7, traceSteps: 23, tracePreemptions: 1 });
  });
});
