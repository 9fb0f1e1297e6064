import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Signals to the launcher (bin/ptrace-mc.js) and checkpoint / resume. The
 * searching commands run in a worker thread of the launcher's own process,
 * so a signal to its pid reaches the process that searches: the search
 * stops, prints its partial result, writes its checkpoint, and the process
 * exits 128 + the signal; no process is left behind.
 */
const BIN = resolve('bin/ptrace-mc.js');
// a 2-CPU Linux row that the sliced search (32 slices) needs some seconds for: the violation is in slice 12
const ROW = ['check', 'linux/sleep-wake', '--variant', 'test-before-set', '--cpus', '2', '--strategy', 'dfs'];

function start(
  args: string[],
  cwd: string,
): { p: ChildProcess; out: () => string; err: () => string; done: Promise<number | null> } {
  const p = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout?.on('data', (d) => (out += String(d)));
  p.stderr?.on('data', (d) => (err += String(d)));
  const done = new Promise<number | null>((res) => p.on('close', (code) => res(code)));
  return { p, out: () => out, err: () => err, done };
}

/** Waits until `ready()` holds (polling), or fails after `ms`. */
async function until(ready: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!ready()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function doneSlices(file: string): number {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { results: unknown[] }).results.length;
  } catch {
    return 0;
  }
}

/** The processes whose parent is `pid` (none: the search runs in a thread). */
function children(pid: number): string[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('signals and checkpoints', () => {
  it('SIGINT to the launcher: partial result, checkpoint, exit 130, nothing left running; --resume gives the uninterrupted result', async () => {
    const whole = mkdtempSync(join(tmpdir(), 'ptrace-mc-whole-'));
    const cut = mkdtempSync(join(tmpdir(), 'ptrace-mc-cut-'));
    const args = [...ROW, '--checkpoint', 'cp.json', '--trace-out', 't.json', '--json'];

    const w = start(args, whole);
    expect(await w.done).toBe(1);

    const r = start(args, cut);
    await until(() => doneSlices(join(cut, 'cp.json')) >= 2, 120_000, 'two finished slices in the checkpoint');
    const pid = r.p.pid as number;
    expect(children(pid)).toEqual([]);
    r.p.kill('SIGINT');
    expect(await r.done).toBe(130);
    expect(alive(pid)).toBe(false);
    const partial = JSON.parse(r.out());
    expect(partial).toMatchObject({ verdict: 'incomplete', stoppedBy: 'interrupted' });
    expect(partial.executions).toBeGreaterThan(0);
    expect(partial.coverage).toMatch(/^\d+ of 32 slices searched in full, 1 cut short \(slice \d+\), the rest not started$/);
    expect(r.err()).toMatch(/checkpoint: cp\.json \(\d+ of 32 slices done\); go on with: ptrace-mc check --resume cp\.json/);
    const saved = doneSlices(join(cut, 'cp.json'));
    expect(saved).toBeGreaterThanOrEqual(2);
    expect(saved).toBeLessThan(13);
    expect(existsSync(join(cut, 't.json'))).toBe(false);

    const resumed = start(['check', '--resume', 'cp.json', '--json'], cut);
    expect(await resumed.done).toBe(1);
    // the same JSON line (no --timing) and the same trace, byte for byte
    expect(resumed.out()).toBe(w.out());
    expect(readFileSync(join(cut, 't.json'), 'utf8')).toBe(readFileSync(join(whole, 't.json'), 'utf8'));
    expect(JSON.parse(w.out())).toMatchObject({ verdict: 'violated', invariant: 'no-lost-wakeup', trace: 't.json' });
  }, 300_000);

  it('SIGTERM: the same, exit 143; a search not split into slices says it cannot be resumed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-term-'));
    // a search of tens of seconds (one sleeper and five wakers): still running when the status line comes
    const r = start(['check', 'bench/sleep-wake', '--variant', 'fixed', '--cpus', '6', '--strategy', 'dfs'], dir);
    // the status line comes after 5 s of searching (off a terminal)
    await until(() => r.err().includes('executions ('), 120_000, 'the status line');
    r.p.kill('SIGTERM');
    expect(await r.done).toBe(143);
    expect(r.out()).toMatch(
      /bench\/sleep-wake \[fixed\] on 6 CPUs \(dfs\): incomplete\n {2}incomplete: interrupted \(\d+ executions, \d+ states \(\d+ kept\), \d+ steps, deepest \d+/,
    );
    expect(r.err()).toContain('this search was not split into slices, so it cannot be resumed');
  }, 300_000);

  it('SIGINT to a table run on two threads: the rows done and the ones cut short, the count of rows not run, exit 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-rows-'));
    // the Linux group: hundreds of rows, minutes of work; each thread's status line comes after 5 s of a row
    const r = start(['check', 'linux/', '--jobs', '2', '--json'], dir);
    await until(() => r.err().includes('executions ('), 120_000, 'a status line');
    const pid = r.p.pid as number;
    r.p.kill('SIGINT');
    expect(await r.done).toBe(130);
    expect(alive(pid)).toBe(false);
    const rows = r
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { scenario: string; verdict: string; stoppedBy?: string });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.scenario.startsWith('linux/'))).toBe(true);
    expect(rows.filter((row) => row.stoppedBy === 'interrupted').length).toBeGreaterThan(0);
    const notRun = /ptrace-mc: interrupted: (\d+) of (\d+) searches not run/.exec(r.err());
    expect(notRun).not.toBeNull();
    expect(Number(notRun?.[1]) + rows.length).toBe(Number(notRun?.[2]));
  }, 300_000);
});

describe('checkpoint and resume: bad input', () => {
  it('a resumed search takes everything from the checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-cp-'));
    const run = (a: string[]) => spawnSync(process.execPath, [BIN, ...a], { cwd: dir, encoding: 'utf8' });
    expect(
      run([...ROW.slice(0, 2), '--variant', 'test-before-set', '--cpus', '2', '--strategy', 'dpor', '--checkpoint', 'c.json'])
        .stderr,
    ).toBe('ptrace-mc: --checkpoint works with --strategy auto, dfs or bounded (not dpor)\n');
    expect(run(['check', 'demo/', '--strategy', 'dfs', '--checkpoint', 'c.json']).stderr).toBe(
      'ptrace-mc: --checkpoint needs exactly one scenario, variant and CPU count\n',
    );
    expect(run(['check', '--resume', 'none.json']).stderr).toMatch(/^ptrace-mc: cannot read none\.json: ENOENT\n$/);
    const a = run(['check', 'demo/lost-wakeup', '--variant', 'buggy', '--strategy', 'dfs', '--checkpoint', 'c.json', '--json']);
    expect(a.status).toBe(1);
    expect(run(['check', '--resume', 'c.json', '--cpus', '3']).stderr).toBe(
      'ptrace-mc: --resume takes the search from c.json: --cpus cannot change it\n',
    );
    expect(run(['check', 'demo/lost-wakeup', '--resume', 'c.json']).stderr).toBe(
      'ptrace-mc: --resume takes the search from c.json: name no scenario\n',
    );
    // a finished checkpoint resumes to the same result at once
    const again = run(['check', '--resume', 'c.json', '--json']);
    expect(again.status).toBe(1);
    expect(again.stdout).toBe(a.stdout);
    // its slices are checked as merge checks shard files: a forged violation is refused
    const c = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
    const hit = c.results.find((r: { verdict: string }) => r.verdict === 'violated');
    hit.violation.message = 'forged';
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(c));
    const f = run(['check', '--resume', 'forged.json']);
    expect(f.status).toBe(2);
    expect(f.stderr).toMatch(
      /^ptrace-mc: forged\.json: the violation of slice \d+ does not reproduce at step \d+: expected no-lost-wakeup \(forged\)/,
    );
  });
});
