import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve('bin/ptrace-mc.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('ptrace-mc coverage', () => {
  it('explores the named scenario rows to their end: exit 0, nothing cut, the edges they take are not listed', () => {
    // seize-detach detaches a frozen tracee: __ptrace_detach unlinks it while it is frozen, never while it runs
    const r = run(['coverage', 'linux/seize-detach']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^6 rows explored with dfs or the row's own search, at most 100000 executions each; 0 cut short\n/);
    expect(r.out).not.toContain('lower bound');
    expect(r.out).toMatch(/^ptrace-link: 4\/11 edges exercised$/m);
    expect(r.out).not.toContain('SEIZED_FROZEN --UNLINK--> UNLINKED_FROZEN');
    expect(r.out).toContain('not exercised: SEIZED --UNLINK--> UNTRACED');
  });

  it('a per-row budget cuts rows: it names them, calls the counts a lower bound and exits 3', () => {
    const cut = run(['coverage', 'demo/lost-wakeup', '--max-executions-per-row', '2']);
    expect(cut.code).toBe(3);
    expect(cut.out).toContain("4 rows explored with dfs or the row's own search, at most 2 executions each; 2 cut short");
    expect(cut.out).toContain('  cut: demo/lost-wakeup [fixed] on 2 CPUs after 2 executions (dfs)');
    expect(cut.out).toContain('the counts below are a lower bound');
    expect(cut.out).toMatch(/^task-state: 0\/17 edges exercised \(at least\)$/m);
    const whole = run(['coverage', 'demo/lost-wakeup']);
    expect(whole.code).toBe(0);
    expect(whole.out).toContain('0 cut short');
  });

  it('--json: the rows, which were cut, and the same bytes on every run', () => {
    const a = run(['coverage', 'demo/lost-wakeup', '--max-executions-per-row', '2', '--json']);
    expect(a.code).toBe(3);
    const j = JSON.parse(a.out);
    expect(j.lowerBound).toBe(true);
    expect(j.rows.filter((r: { cut: boolean }) => r.cut).map((r: { variant: string }) => r.variant)).toEqual(['buggy', 'fixed']);
    expect(j.machines.map((m: { machine: string }) => m.machine)).toEqual(['task-state', 'ptrace-link']);
    expect(run(['coverage', 'demo/lost-wakeup', '--max-executions-per-row', '2', '--json']).out).toBe(a.out);
  });

  it('a row that names its own search (as in the expectation table) is explored with it', () => {
    // capped: the row under test needs 136 executions, the 2-CPU linux-6.6 proof millions
    const cap = ['--max-executions-per-row', '500'];
    const r = run(['coverage', 'linux/kill-traced', ...cap, '--json']);
    const j = JSON.parse(r.out);
    const own = j.rows.find((x: { variant: string; cpus: number }) => x.variant === 'unfreeze-ignores-sigkill' && x.cpus === 2);
    expect(own).toMatchObject({ search: 'bounded (preemption bound 1)', verdict: 'violated', cut: false });
    expect(run(['coverage', 'linux/kill-traced', ...cap]).out).toContain(
      '  linux/kill-traced [unfreeze-ignores-sigkill] on 2 CPUs: its own search, bounded (preemption bound 1)',
    );
  });

  it('rows marked long are left out, as in the expectation table, and named', () => {
    const args = ['coverage', 'bench/sleep-wake', '--max-executions-per-row', '50'];
    const r = run([...args, '--json']);
    const j = JSON.parse(r.out);
    expect(j.notRun).toEqual(['bench/sleep-wake [fixed] on 6 CPUs']);
    expect(j.rows.some((x: { variant: string; cpus: number }) => x.variant === 'fixed' && x.cpus === 6)).toBe(false);
    expect(run(args).out).toContain('not run: 1 row whose search is long (bench/sleep-wake [fixed] on 6 CPUs): --all runs them');
  });

  it('bad input: one line, exit 2', () => {
    for (const args of [
      ['coverage', 'nope/'],
      ['coverage', 'linux/nope'],
      ['coverage', '--max-executions-per-row', '0'],
      ['coverage', '--max-time-per-row', 'x'],
    ]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.out).toBe('');
    }
  });
});
