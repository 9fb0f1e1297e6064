import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { computeSlices, MergeError, mergeSlices, searchSlice } from '../src/explorer/slices.ts';
import { Machine } from '../src/model/machine.ts';
import { independent, tornRead } from './models.ts';

const DFS = { strategy: 'dfs', cache: false, preemptions: 0 };

describe('slices', () => {
  it('partition the interleavings: stateless slices together run each interleaving exactly once', () => {
    const m = new Machine(independent(3, 2));
    const slices = computeSlices(m, 16);
    expect(slices.length).toBeGreaterThanOrEqual(16);
    expect(computeSlices(m, 16)).toEqual(slices);
    const total = slices.reduce((n, s) => n + searchSlice(m, DFS, s, {}).executions, 0);
    expect(total).toBe(explore(new Machine(independent(3, 2)), new DfsStrategy({ cache: false })).executions);
    expect(total).toBe(90);
  });

  it('dedup: prefixes reaching the same state are dropped, and the sliced search still finds what the whole one finds', () => {
    const m = new Machine(tornRead(2, 2));
    const all = computeSlices(m, 16, 'none');
    const dedup = computeSlices(m, 16, 'state');
    expect(dedup.length).toBeLessThan(all.length);
    const keys = dedup.map((s) => {
      m.reset();
      for (const c of s.prefix) m.step(c);
      return m.stateKey();
    });
    expect(new Set(keys).size).toBe(keys.length);
    const cached = { strategy: 'dfs', cache: true, preemptions: 0 };
    const results = dedup.map((s) => searchSlice(m, cached, s, {}));
    const merged = mergeSlices(results, dedup.length, { strategy: 'dfs', preemptions: 0 }, 0);
    expect(merged.verdict).toBe('violated');
    expect(merged.violation?.invariant).toBe('reads-agree');
    const safe = new Machine(independent(3, 2));
    const safeSlices = computeSlices(safe, 8, 'state');
    const safeResults = safeSlices.map((s) => searchSlice(safe, cached, s, {}));
    expect(mergeSlices(safeResults, safeSlices.length, { strategy: 'dfs', preemptions: 0 }, 0).verdict).toBe('holds');
  });

  it('merge in slice order: the lowest violating slice decides, whatever order the results come in', () => {
    const m = new Machine(tornRead(1, 1));
    const slices = computeSlices(m, 8);
    const results = slices.map((s) => searchSlice(m, DFS, s, {}));
    const violating = results.filter((r) => r.verdict === 'violated').map((r) => r.index);
    expect(violating.length).toBeGreaterThan(1);
    const merged = mergeSlices(results, slices.length, { strategy: 'dfs', preemptions: 0 }, 0);
    const reversed = mergeSlices([...results].reverse(), slices.length, { strategy: 'dfs', preemptions: 0 }, 0);
    expect(reversed).toEqual(merged);
    expect(merged.schedule).toEqual(results[violating[0] as number]?.schedule);
    const upTo = results.slice(0, (violating[0] as number) + 1).reduce((n, r) => n + r.executions, 0);
    expect(merged.executions).toBe(upTo);
    // Results past the first violation do not matter; a missing one before it does.
    const withoutLater = results.filter((r) => r.index <= (violating[0] as number));
    expect(mergeSlices(withoutLater, slices.length, { strategy: 'dfs', preemptions: 0 }, 0)).toEqual(merged);
    expect(() => mergeSlices(results.slice(1), slices.length, { strategy: 'dfs', preemptions: 0 }, 0)).toThrow(MergeError);
  });

  it('applies --max-executions to the running total in slice order', () => {
    const m = new Machine(independent(3, 2));
    const slices = computeSlices(m, 16);
    const results = slices.map((s) => searchSlice(m, DFS, s, {}));
    const r = mergeSlices(results, slices.length, { strategy: 'dfs', preemptions: 0, maxExecutions: 20 }, 0);
    expect(r.verdict).toBe('incomplete');
    expect(r.stoppedBy).toBe('max-executions');
    expect(r.executions).toBeLessThanOrEqual(20);
  });
});

const BIN = resolve('bin/ptrace-mc.js');
function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('--workers, --shard and merge give the same result', () => {
  it('on a violation: N=1, N=2 and shard 1/2 + 2/2 merged print identical JSON and write identical traces', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-'));
    const args = ['demo/lost-wakeup', '--variant', 'buggy', '--strategy', 'dfs', '--json'];
    const one = run(['check', ...args, '--workers', '1', '--trace-out', 't.json'], dir);
    const two = run(['check', ...args, '--workers', '2', '--trace-out', 't2.json'], dir);
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(JSON.parse(two.out)).toEqual({ ...JSON.parse(one.out), trace: 't2.json' });
    expect(readFileSync(join(dir, 't2.json'), 'utf8')).toBe(readFileSync(join(dir, 't.json'), 'utf8'));
    expect(run(['check', ...args, '--shard', '1/2', '--shard-out', 's1.json'], dir).code).toBe(1);
    expect(run(['check', ...args, '--shard', '2/2', '--shard-out', 's2.json'], dir).code).toBe(1);
    const merged = run(['merge', 's2.json', 's1.json', '--json', '--trace-out', 't3.json'], dir);
    expect(merged.code).toBe(1);
    expect(JSON.parse(merged.out)).toEqual({ ...JSON.parse(one.out), trace: 't3.json' });
    expect(readFileSync(join(dir, 't3.json'), 'utf8')).toBe(readFileSync(join(dir, 't.json'), 'utf8'));
    // One shard is not enough to merge.
    const partial = run(['merge', 's1.json'], dir);
    expect(partial.code).toBe(2);
    expect(partial.err).toMatch(/has no result: give the files of every shard/);
  });

  it('when it holds: the same counts for N=1, N=2 and the merge', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-'));
    const args = ['demo/abba-deadlock', '--variant', 'fixed', '--strategy', 'dfs', '--json'];
    const one = run(['check', ...args, '--workers', '1'], dir);
    const two = run(['check', ...args, '--workers', '2'], dir);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.out)).toMatchObject({ verdict: 'holds' });
    expect(two.out).toBe(one.out);
    expect(run(['check', ...args, '--shard', '2/2', '--shard-out', 'b.json'], dir).code).toBe(3);
    expect(run(['check', ...args, '--shard', '1/2', '--shard-out', 'a.json'], dir).code).toBe(3);
    expect(run(['merge', 'a.json', 'b.json', '--json'], dir).out).toBe(one.out);
  });

  it('under x86-TSO: shards merged and a checkpoint resumed give the unsplit result; the files keep the memory model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-'));
    for (const variant of ['buggy', 'fixed']) {
      const args = [
        'demo/lost-wakeup',
        '--variant',
        variant,
        '--memory-model',
        'tso',
        '--store-buffer',
        '4',
        '--strategy',
        'dfs',
        '--json',
      ];
      const code = variant === 'buggy' ? 1 : 0;
      const one = run(['check', ...args, '--workers', '1', '--trace-out', `${variant}.json`], dir);
      expect(one.code).toBe(code);
      expect(JSON.parse(one.out)).toMatchObject({ memoryModel: 'tso', storeBuffer: 4 });
      run(['check', ...args, '--shard', '1/2', '--shard-out', `${variant}-s1.json`], dir);
      run(['check', ...args, '--shard', '2/2', '--shard-out', `${variant}-s2.json`], dir);
      const shard = JSON.parse(readFileSync(join(dir, `${variant}-s1.json`), 'utf8'));
      expect(shard.options).toMatchObject({ memoryModel: 'tso', storeBuffer: 4 });
      const merged = run(['merge', `${variant}-s2.json`, `${variant}-s1.json`, '--json', '--trace-out', `${variant}.json`], dir);
      expect(merged.code).toBe(code);
      expect(merged.out).toBe(one.out);
      const cp = run(['check', ...args, '--checkpoint', `${variant}-cp.json`, '--trace-out', `${variant}.json`], dir);
      expect(cp.out).toBe(one.out);
      const resumed = run(['check', '--resume', `${variant}-cp.json`, '--json'], dir);
      expect(resumed.code).toBe(code);
      expect(resumed.out).toBe(one.out);
      if (variant === 'buggy') {
        expect(JSON.parse(readFileSync(join(dir, 'buggy.json'), 'utf8')).options).toMatchObject({
          memoryModel: 'tso',
          storeBuffer: 4,
        });
      }
    }
    // the memory model is part of the search: a shard under sequential consistency is another search, and resume keeps the model
    run(
      ['check', 'demo/lost-wakeup', '--variant', 'fixed', '--strategy', 'dfs', '--shard', '2/2', '--shard-out', 'sc-s2.json'],
      dir,
    );
    const mixed = run(['merge', 'fixed-s1.json', 'sc-s2.json'], dir);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain('is a shard of another search');
    expect(run(['check', '--resume', 'fixed-cp.json', '--memory-model', 'sc'], dir).err).toBe(
      'ptrace-mc: --resume takes the search from fixed-cp.json: --memory-model cannot change it\n',
    );
  }, 120_000);

  it('refuses what cannot be split, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-'));
    const r = run(['check', 'demo/lost-wakeup', '--strategy', 'pct', '--workers', '2'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe('ptrace-mc: --workers works with --strategy auto, dfs or bounded (not pct)\n');
    const bad = run(['check', 'demo/lost-wakeup', '--variant', 'buggy', '--strategy', 'dfs', '--shard', '3/2'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--shard takes i/n');
  });
});
