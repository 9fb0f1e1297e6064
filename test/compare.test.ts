import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCpus } from '../src/cli/compare.ts';
import lostWakeup from '../src/scenarios/demo/lost-wakeup.ts';

const BIN = resolve('bin/ptrace-mc.js');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const out = () => ['--out-dir', mkdtempSync(join(tmpdir(), 'ptrace-mc-cmp-'))];

describe('check SCENARIO --compare', () => {
  it("compares 1 CPU with the scenario's CPU counts", () => {
    expect(compareCpus(lostWakeup)).toEqual([1, 2]);
    expect(compareCpus({ ...lostWakeup, cpus: 3 })).toEqual([1, 2, 3]);
  });

  it('one table, variant × cpus, with the reasons; exit 0 when every verdict is as expected', () => {
    const r = run(['check', 'demo/lost-wakeup', '--compare', ...out()]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^variant\s+cpus\s+verdict\s+invariant\s+expected\s+executions$/m);
    expect(r.out).toMatch(/^buggy\s+1\s+holds\s+-\s+holds\s+ok\s+\d+$/m);
    expect(r.out).toMatch(/^buggy\s+2\s+violated\s+no-lost-wakeup\s+violated \(no-lost-wakeup\)\s+ok\s+\d+$/m);
    expect(r.out).toMatch(/^fixed\s+1\s+holds/m);
    expect(r.out).toMatch(/^fixed\s+2\s+holds\s+-\s+holds\s+ok/m);
    expect(r.out).toContain('buggy on 1 CPU: holds — no preemption');
    expect(r.out).toContain('all 4 verdicts as expected');
  });

  it('exit 1 when a verdict differs from the expectation', () => {
    // one execution each: no search ends, so no verdict is the expected one
    const r = run(['check', 'demo/lost-wakeup', '--compare', '--max-executions', '1', ...out()]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^buggy\s+2\s+incomplete\s+-\s+violated \(no-lost-wakeup\)\s+MISMATCH/m);
    expect(r.out).toContain('4 of 4 verdicts differ');
  });

  it('--invariant X compares only with rows whose verdict says something about X', () => {
    // checking only for deadlock: the buggy row's lost wakeup says nothing about deadlocks (-), the fixed rows hold for it too
    const r = run(['check', 'demo/lost-wakeup', '--compare', '--invariant', 'deadlock', ...out()]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^buggy\s+2\s+holds\s+-\s+-\s+\d+$/m);
    expect(r.out).toMatch(/^fixed\s+2\s+holds\s+-\s+holds\s+ok/m);
    expect(r.out).not.toContain('MISMATCH');
  });

  it('--json: one object per row, deterministic', () => {
    const args = ['check', 'demo/abba-deadlock', '--compare', '--json', '--out-dir', 'o'];
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-cmp-'));
    const once = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir });
    const twice = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir });
    expect(once.status).toBe(0);
    expect(once.stdout).toBe(twice.stdout);
    const rows = once.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.variant, x.cpus, x.verdict, x.matches])).toEqual([
      ['buggy', 1, 'holds', true],
      ['buggy', 2, 'violated', true],
      ['fixed', 1, 'holds', true],
      ['fixed', 2, 'holds', true],
    ]);
    expect(rows[1]).toMatchObject({ invariant: 'deadlock', trace: 'o/demo/abba-deadlock/buggy.cpus2.json' });
  });

  for (const [name, args, msg] of [
    ['no scenario', ['check', '--compare'], /--compare needs a scenario/],
    ['with --cpus', ['check', 'demo/lost-wakeup', '--compare', '--cpus', '2'], /drop --cpus/],
    ['unknown scenario', ['check', 'demo/nope', '--compare'], /unknown scenario 'demo\/nope'/],
  ] as [string, string[], RegExp][]) {
    it(`${name}: one line, exit 2`, () => {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    });
  }
});
