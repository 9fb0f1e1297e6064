import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { check, compare, explore } from '../src/api/index.ts';
import { buildWorkload, workloadArb } from '../src/api/linux.ts';
import '../src/api/vitest.ts';
import { findScenario } from '../src/scenarios/index.ts';

const BIN = resolve('bin/ptrace-mc.js');
function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the check API', () => {
  it('returns the object check --json prints, for a name and for a scenario object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-api-'));
    const outDir = join(dir, 'out');
    const byName = await check('demo/lost-wakeup', { variant: 'buggy', cpus: 2, outDir });
    const j = cli(['check', 'demo/lost-wakeup', '--variant', 'buggy', '--cpus', '2', '--json', '--out-dir', outDir], dir);
    expect(j.code).toBe(1);
    expect(byName).toEqual(JSON.parse(j.out));
    const s = findScenario('demo/lost-wakeup')!;
    expect(await check(s, { variant: 'buggy', outDir })).toEqual(byName);
    const rows = await compare(s, { outDir });
    const c = cli(['check', 'demo/lost-wakeup', '--compare', '--json', '--out-dir', outDir], dir);
    expect(rows).toEqual(
      c.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
  });

  it('bad options throw one clear message', async () => {
    const s = findScenario('demo/lost-wakeup')!;
    await expect(check(s)).rejects.toThrow('scenario demo/lost-wakeup has several variants: name one (buggy, fixed)');
    await expect(check(s, { variant: 'nope' })).rejects.toThrow("scenario demo/lost-wakeup has no variant 'nope'");
    await expect(check('no/such')).rejects.toThrow("unknown scenario 'no/such'");
    await expect(check(s, { variant: 'buggy', cpus: 1000000 })).rejects.toThrow('cpus must be between 1 and 8 (got 1000000)');
  });
});

describe('the vitest matchers', () => {
  it('toHold and toBeViolated pass on the verdicts they name', async () => {
    const s = findScenario('demo/lost-wakeup')!;
    const outDir = mkdtempSync(join(tmpdir(), 'ptrace-mc-api-'));
    expect(await check(s, { variant: 'fixed', cpus: 2, outDir })).toHold();
    expect(await check(s, { variant: 'buggy', cpus: 2, outDir })).toBeViolated('no-lost-wakeup');
    expect(await check(s, { variant: 'buggy', cpus: 2, outDir })).toBeViolated();
    expect(await check(s, { variant: 'buggy', cpus: 1, outDir })).not.toBeViolated();
  });

  it('a failure carries the verdict, the explain story and the trace path', async () => {
    const s = findScenario('demo/lost-wakeup')!;
    const outDir = mkdtempSync(join(tmpdir(), 'ptrace-mc-api-'));
    const r = await check(s, { variant: 'buggy', cpus: 2, outDir });
    let msg = '';
    try {
      expect(r).toHold();
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain(
      'expected it to hold, but:\ndemo/lost-wakeup [buggy] on 2 CPUs (auto): violated no-lost-wakeup — sleeper sleeps',
    );
    expect(msg).toContain('demo/lost-wakeup [buggy] on 2 CPUs: no-lost-wakeup violated.\nThe race in');
    expect(msg).toContain(`trace: ${r.trace} (replay it: npx ptrace-mc replay ${r.trace})`);
    const fixed = await check(s, { variant: 'fixed', cpus: 2, outDir });
    expect(() => expect(fixed).toBeViolated('no-lost-wakeup')).toThrow(
      /^expected no-lost-wakeup violated, but:\ndemo\/lost-wakeup \[fixed\] on 2 CPUs \(auto\): holds — every interleaving explored \(\d+ executions, \d+ states\)$/,
    );
    expect(() => expect(r).toBeViolated('deadlock')).toThrow(/^expected deadlock violated, but:\n.*violated no-lost-wakeup/);
  });
});

// A project's own property over generated Linux workloads, written with the exported arbitraries.
test.prop([workloadArb(2)], { numRuns: 4, seed: 15 })('explore: every generated Linux workload holds (Linux 6.6)', (w) => {
  expect(explore(buildWorkload(w)).verdict).toBe('holds');
});

it('explore finds the bug put back in the same workloads', () => {
  const r = fc.check(
    fc.property(workloadArb(2), (w) => explore(buildWorkload(w, ['ttwu-no-on-rq-check'])).verdict === 'holds'),
    { numRuns: 40, seed: 7 },
  );
  expect(r.failed).toBe(true);
});
