import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_CPUS } from '../src/explorer/limits.ts';
import { STRATEGIES } from '../src/explorer/run.ts';
import { schemaText } from '../src/explorer/schemas.ts';
import { SLICEABLE } from '../src/explorer/slices.ts';
import { runInProcess } from './cli-in-process.ts';

// biome-ignore lint/suspicious/noExplicitAny: edited shard files are plain JSON
type Json = any;
const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-merge-'));
let shards: Json[] = [];
let n = 0;

beforeAll(async () => {
  shards = [];
  for (const i of [1, 2]) {
    const f = join(dir, `s${i}.json`);
    const r = await runInProcess([
      'check',
      'demo/lost-wakeup',
      '--variant',
      'buggy',
      '--strategy',
      'dfs',
      '--shard',
      `${i}/2`,
      '--shard-out',
      f,
    ]);
    expect(r.code).toBe(1);
    shards.push(JSON.parse(readFileSync(f, 'utf8')));
  }
});

function merge(edit: (a: Json, b: Json) => void): Promise<{ code: number; out: string; err: string }> {
  const [a, b] = shards.map((s) => structuredClone(s));
  edit(a, b);
  const files = [a, b].map((s) => {
    const f = join(dir, `e${n++}.json`);
    writeFileSync(f, JSON.stringify(s));
    return f;
  });
  return runInProcess(['merge', ...files, '--out-dir', join(dir, 'out'), '--json']);
}

describe('merge checks the shard files before it trusts them', () => {
  it('the files as written merge into the violation', async () => {
    const r = await merge(() => {});
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'violated', invariant: 'no-lost-wakeup' });
  });

  const cases: [string, (a: Json, b: Json) => void, RegExp][] = [
    [
      'a verdict that is not one',
      (a) => (a.results[0].verdict = 'bogus'),
      /"results\[0\]\.verdict" must be one of "holds", "violated", "incomplete"/,
    ],
    ['negative executions', (a) => (a.results[0].executions = -5), /"results\[0\]\.executions" must be >= 0/],
    [
      'executions that do not fit the steps',
      (a) => (a.results[0].executions = a.results[0].steps + 5),
      /results\[0\] \(slice 0\): \d+ executions in only \d+ steps/,
    ],
    [
      'a violation without its schedule',
      (a) => (a.results[0].verdict = 'violated'),
      /verdict "violated" without a violation and its schedule/,
    ],
    [
      'holds from a search that is not exhaustive',
      (a, b) => {
        a.options.strategy = b.options.strategy = 'bounded';
      },
      /verdict "holds" from strategy bounded, which is not exhaustive/,
    ],
    ['a slice left out of a shard', (a) => a.results.splice(1, 1), /results\[1\] is slice 4, expected slice 2/],
    [
      'a shard cut short with nothing that stopped it',
      (a) => {
        const v = a.results.length - 1;
        Object.assign(a.results[v], { verdict: 'holds', violation: null, schedule: null });
      },
      /results has \d+ of the shard's 17 slices, and nothing stopped the shard before slice \d+/,
    ],
    [
      "a violating schedule that is not the slice's",
      (a) => {
        const v = a.results.findIndex((r: Json) => r.verdict === 'violated');
        a.results[v].schedule[5] = 5;
      },
      /the schedule of slice \d+ does not start with the slice's prefix/,
    ],
    [
      'a violating schedule cut short',
      (a) => {
        const v = a.results.findIndex((r: Json) => r.verdict === 'violated');
        a.results[v].schedule = a.results[v].schedule.slice(0, -2);
      },
      /the violation of slice \d+ does not reproduce at step \d+: expected nothing to be able to run after it/,
    ],
    [
      'an edited violation message',
      (a) => {
        const v = a.results.findIndex((r: Json) => r.verdict === 'violated');
        a.results[v].violation.message = 'forged';
      },
      /the violation of slice \d+ does not reproduce at step \d+: expected no-lost-wakeup \(forged\)/,
    ],
    [
      'a slice count the model does not give',
      (a, b) => (a.slices = b.slices = 30),
      /the shards say the search has 30 slices; the model gives 34/,
    ],
    ['variant __proto__', (a, b) => (a.variant = b.variant = '__proto__'), /has no variant '__proto__'/],
    ['cpus 1000000', (a, b) => (a.cpus = b.cpus = 1000000), /"cpus" must be <= 8/],
    [
      'two shards disagreeing on a slice',
      (_a, b) => {
        b.shard.index = 1;
        b.results = structuredClone(shards[0].results);
        b.results[0].states += 1;
      },
      /give different results for slice 0/,
    ],
  ];
  for (const [name, edit, msg] of cases) {
    it(name, async () => {
      const r = await merge(edit);
      expect(r.err).toMatch(msg);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/internal error/);
    });
  }
});

describe('the published schemas agree with the code', () => {
  const trace = JSON.parse(schemaText('trace-1'));
  const shard = JSON.parse(schemaText('shard-1'));
  it('CPU limits, strategies and stop reasons', async () => {
    expect(trace.properties.options.properties.cpus.maximum).toBe(MAX_CPUS);
    expect(shard.properties.cpus.maximum).toBe(MAX_CPUS);
    expect(trace.properties.options.properties.strategy.enum).toEqual([...STRATEGIES]);
    expect(shard.$defs.searchOptions.properties.strategy.enum).toEqual([...SLICEABLE]);
  });
});
