import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concern, ptraceMc, userProject } from './user-project.ts';

/**
 * The distributed-search examples under docs/, run as written: each shard
 * command as its own process (what a matrix job or an indexed pod runs),
 * the shard files gathered as the artifacts or the shared volume would, the
 * merge command — and the result compared with one `check --workers 1`.
 */
const GHA = readFileSync('docs/github-actions-shards.yml', 'utf8');
const K8S = readFileSync('docs/k8s-indexed-job.yaml', 'utf8');
const MATRIX_SHARD = ['$', '{{ matrix.shard }}'].join('');

/** The example's scenario: the docs name ./review/concern.ts with a variant pr1663. */
function project(): string {
  return userProject({ 'review/concern.ts': concern('review/concern').replaceAll('buggy', 'pr1663') });
}

function bash(cmd: string, cwd: string, env: Record<string, string>) {
  const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** One search on one machine, to compare with: its JSON and its trace. */
function single(dir: string, env: Record<string, string>) {
  const args = ['check', env.SCENARIO as string, '--variant', env.VARIANT as string, '--cpus', env.CPUS as string];
  const r = ptraceMc([...args, '--strategy', 'dfs', '--workers', '1', '--json', '--trace-out', 'single.json'], dir);
  expect(r.code).toBe(1);
  return { json: JSON.parse(r.out), trace: readFileSync(join(dir, 'single.json'), 'utf8') };
}

describe('docs: a search spread over CI jobs or pods', () => {
  it('GitHub Actions: the matrix shards, the artifacts, the merge job', () => {
    const env = Object.fromEntries([...GHA.matchAll(/^ {2}([A-Z]+): (\S+)$/gm)].map((m) => [m[1], m[2]])) as Record<
      string,
      string
    >;
    expect(Object.keys(env)).toEqual(['SCENARIO', 'VARIANT', 'CPUS', 'SHARDS']);
    const matrix = /shard: \[([\d, ]+)\]/.exec(GHA)?.[1]?.split(', ').map(Number);
    expect(matrix).toEqual(Array.from({ length: Number(env.SHARDS) }, (_, i) => i + 1));
    const runs = [...GHA.matchAll(/^ {8}run: (npx ptrace-mc .*)$/gm)].map((m) => m[1] as string);
    expect(runs.length).toBe(2);
    const [shardRun, mergeRun] = runs as [string, string];
    const dir = project();
    for (const i of matrix ?? []) {
      // each matrix job: its own process; its shards/ directory is its artifact, and the merge job downloads all into shards/
      // the expression GitHub substitutes in the run line
      const r = bash(shardRun.replaceAll(MATRIX_SHARD, String(i)), dir, env);
      expect([i, r.code, r.err]).toEqual([i, 0, expect.not.stringContaining('ptrace-mc:')]);
    }
    const merged = bash(mergeRun, dir, env);
    expect([merged.code, merged.err]).toEqual([1, expect.not.stringContaining('ptrace-mc:')]);
    const one = single(dir, env);
    expect(readFileSync(join(dir, `ptrace-mc-out/review/concern/${env.VARIANT}.cpus${env.CPUS}.json`), 'utf8')).toBe(one.trace);
    const json = bash(`${mergeRun.replace(/--report \S+/, '')} --json --trace-out merged.json`, dir, env);
    expect(JSON.parse(json.out)).toEqual({ ...one.json, trace: 'merged.json' });
    const report = readFileSync(join(dir, 'ptrace-mc-report.md'), 'utf8');
    expect(report).toContain(`### review/concern [${env.VARIANT}] on ${env.CPUS} CPUs: no-lost-wakeup violated`);
  });

  it('Kubernetes: the indexed job, one pod per shard on a shared volume, then the merge job', () => {
    const env = Object.fromEntries(
      [...K8S.matchAll(/\{ name: ([A-Z]+), value: "?([^"}]+?)"? \}/g)].map((m) => [m[1], m[2]]),
    ) as Record<string, string>;
    expect(Object.keys(env)).toEqual(['SCENARIO', 'VARIANT', 'CPUS', 'SHARDS']);
    expect(Number(/completions: (\d+)/.exec(K8S)?.[1])).toBe(Number(env.SHARDS));
    const [shardRun, mergeRun] = [...K8S.matchAll(/^ {12}- (npx ptrace-mc .*)$/gm)].map((m) => m[1] as string) as [
      string,
      string,
    ];
    const dir = project();
    const volume = join(dir, 'volume');
    mkdirSync(volume);
    const onVolume = (cmd: string) => cmd.replaceAll('/shards/', `${volume}/`);
    for (let k = 0; k < Number(env.SHARDS); k++) {
      const r = bash(onVolume(shardRun), dir, { ...env, JOB_COMPLETION_INDEX: String(k) });
      expect([k, r.code, r.err]).toEqual([k, 0, expect.not.stringContaining('ptrace-mc:')]);
    }
    const merged = bash(onVolume(mergeRun), dir, env);
    expect([merged.code, merged.err]).toEqual([1, expect.not.stringContaining('ptrace-mc:')]);
    const one = single(dir, env);
    expect(readFileSync(join(volume, `ptrace-mc-out/review/concern/${env.VARIANT}.cpus${env.CPUS}.json`), 'utf8')).toBe(
      one.trace,
    );
    expect(readFileSync(join(volume, 'ptrace-mc-report.md'), 'utf8')).toContain('no-lost-wakeup violated');
  });
});
