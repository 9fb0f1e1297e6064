import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve('bin/ptrace-mc.js');

function run(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: cwd ?? process.cwd() });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ptrace-mc-'));
}

describe('ptrace-mc check / replay (the engine issue done-criteria)', () => {
  it('finds the lost wakeup on 2 CPUs, writes a trace that replays, and holds on 1 CPU and when fixed', () => {
    const dir = tmp();
    const t = join(dir, 't.json');
    const v = run(['check', 'demo/lost-wakeup', '--variant', 'buggy', '--cpus', '2', '--json', '--trace-out', t]);
    expect(v.code).toBe(1);
    const j = JSON.parse(v.out);
    expect(j).toMatchObject({
      scenario: 'demo/lost-wakeup',
      variant: 'buggy',
      cpus: 2,
      verdict: 'violated',
      invariant: 'no-lost-wakeup',
      trace: t,
    });
    expect(j.executions).toBeGreaterThan(0);
    const r = run(['replay', t]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('reproduces no-lost-wakeup');
    expect(run(['check', 'demo/lost-wakeup', '--variant', 'buggy', '--cpus', '1']).code).toBe(0);
    expect(run(['check', 'demo/lost-wakeup', '--variant', 'fixed', '--cpus', '2']).code).toBe(0);
    expect(run(['check', 'demo/lost-wakeup', '--variant', 'fixed', '--cpus', '1']).code).toBe(0);
  });

  // The table of every built-in is `npx ptrace-mc check` (README); each family's own test file checks its verdicts.
  it('with a group (or no scenario) prints the expectation table and exits 0 when every verdict matches', () => {
    const dir = tmp();
    const r = run(['check', 'demo/', '--out-dir', join(dir, 'out')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^scenario \[variant\]\s+cpus\s+verdict\s+expected\s+search\s+executions\s+time s\n/);
    expect(r.out).toMatch(/demo\/abba-deadlock \[buggy\]\s+2\s+violated\s+ok\s+auto\s+\d+\s+\d+\.\d\d\n {6}deadlock, trace /);
    expect(r.out).toContain('verdicts as expected');
  });

  it('says incomplete (exit 3) when a budget cuts the search, never holds', () => {
    const r = run(['check', 'demo/lost-wakeup', '--variant', 'fixed', '--max-executions', '5', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'incomplete', stoppedBy: 'max-executions', executions: 5 });
  });

  it('defaults to auto, and auto, dpor, source-dpor and dfs agree on every verdict', () => {
    const byStrategy = [[], ['--strategy', 'dpor'], ['--strategy', 'source-dpor'], ['--strategy', 'dfs']].map((extra) => {
      const r = run(['check', 'demo/lost-wakeup', 'demo/abba-deadlock', '--cpus', '2', '--json', '--out-dir', tmp(), ...extra]);
      return r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    });
    expect(byStrategy[0]?.map((j) => j.strategy)).toEqual(['auto', 'auto', 'auto', 'auto']);
    const verdicts = byStrategy.map((rows) => rows.map((j) => `${j.scenario} ${j.variant} ${j.verdict} ${j.invariant ?? ''}`));
    expect(verdicts[0]).toEqual(verdicts[1]);
    expect(verdicts[0]).toEqual(verdicts[2]);
    expect(verdicts[0]).toEqual(verdicts[3]);
  });

  it('random search with no violation is incomplete, not holds', () => {
    const r = run(['check', 'demo/lost-wakeup', '--variant', 'fixed', '--strategy', 'random', '--runs', '20']);
    expect(r.code).toBe(3);
    expect(r.out).toContain('this is not a proof');
  });

  it('narrows the check to one invariant with --invariant', () => {
    const r = run(['check', 'demo/lost-wakeup', '--variant', 'buggy', '--invariant', 'deadlock', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'holds', invariants: ['deadlock'] });
  });

  it('is deterministic: the same command twice gives byte-identical JSON and trace files', () => {
    const outs = [tmp(), tmp()].map((d) => {
      const r = run(['check', 'demo/lost-wakeup', 'demo/abba-deadlock', '--cpus', '2', '--json', '--out-dir', 'o'], d);
      return {
        out: r.out,
        t1: readFileSync(join(d, 'o/demo/lost-wakeup/buggy.cpus2.json'), 'utf8'),
        t2: readFileSync(join(d, 'o/demo/abba-deadlock/buggy.cpus2.json'), 'utf8'),
      };
    });
    expect(outs[0]).toEqual(outs[1]);
    const rnd = [1, 2].map(
      () =>
        run([
          'check',
          'demo/lost-wakeup',
          '--variant',
          'buggy',
          '--strategy',
          'random',
          '--seed',
          '9',
          '--json',
          '--out-dir',
          tmp(),
        ]).out,
    );
    expect(JSON.parse(rnd[0] as string).verdict).toBe('violated');
    expect(JSON.parse(rnd[0] as string).executions).toBe(JSON.parse(rnd[1] as string).executions);
  });

  it('renders a trace as per-CPU columns with the source on each row', () => {
    const r = run(['render', 'traces/demo/lost-wakeup.buggy.cpus2.json']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/step\s+CPU0\s+CPU1\s+source/);
    expect(r.out).toMatch(/\[waker\] cond = 1 .*demo lost-wakeup waker/);
    expect(r.out).toContain('=> no-lost-wakeup');
  });

  it('lists every scenario with its variants and expected verdicts', () => {
    const r = run(['list']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('demo/lost-wakeup');
    expect(r.out).toMatch(/buggy:.*\n\s+2 CPUs: violated no-lost-wakeup/);
  });

  it('list names every invariant check can report: the model’s own (tracee-finished) and the engine’s (livelock)', () => {
    const r = run(['list', 'linux/gdb-traceme']);
    expect(r.code).toBe(0);
    const line = (head: string) =>
      (r.out.split('\n').find((l) => l.trim().startsWith(head)) ?? '').replace(/;.*/, '').split(/[:,]\s*/);
    // the ones it is about, then what check can also report
    expect(line('invariants:')).toEqual(expect.arrayContaining(['no-stuck-traced', 'deadlock']));
    expect(line('also reported:')).toEqual(expect.arrayContaining(['tracee-finished', 'livelock']));
    const json = run(['list', 'linux/gdb-traceme', '--json']);
    const first = JSON.parse(json.out.split('\n')[0] as string) as { reports: string[] };
    expect(first.reports).toEqual(expect.arrayContaining(['tracee-finished', 'livelock']));
  });
});

describe('bad input: one line, exit 2, no stack trace', () => {
  const dir = tmp();
  const good = JSON.parse(readFileSync('traces/demo/lost-wakeup.buggy.cpus2.json', 'utf8'));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: [string, string[], RegExp][] = [
    ['unknown scenario', ['check', 'demo/nope'], /unknown scenario 'demo\/nope'/],
    ['empty group', ['check', 'nosuch/'], /no built-in scenario in group 'nosuch\/'/],
    ['group and scenario mixed', ['check', 'demo/', 'demo/lost-wakeup'], /name either scenarios or groups/],
    ['unknown variant', ['check', 'demo/lost-wakeup', '--variant', 'nope'], /has no variant 'nope'.*buggy, fixed/],
    ['unknown option', ['check', '--frobnicate'], /unknown option '--frobnicate'/],
    ['unknown command', ['frob'], /unknown command 'frob'/],
    ['bad number', ['check', 'demo/lost-wakeup', '--cpus', 'two'], /--cpus takes a whole number \(got 'two'\)/],
    ['zero cpus', ['check', 'demo/lost-wakeup', '--cpus', '0'], /--cpus must be at least 1/],
    ['unknown strategy', ['check', 'demo/lost-wakeup', '--strategy', 'bfs'], /unknown strategy 'bfs'/],
    ['unknown invariant', ['check', 'demo/lost-wakeup', '--invariant', 'nope'], /unknown invariant 'nope'/],
    ['missing trace file', ['replay', join(dir, 'none.json')], /cannot read .*none.json: ENOENT/],
    [
      'not JSON',
      ['replay', write('bad.json', '{"format": "ptrace-mc/trace@1", "scen')],
      /not valid JSON .*truncated or not a trace/,
    ],
    [
      'other format version',
      ['replay', write('v2.json', JSON.stringify({ ...good, format: 'ptrace-mc/trace@2' }))],
      /format 'ptrace-mc\/trace@2' is not supported/,
    ],
    [
      'truncated steps',
      ['replay', write('trunc.json', JSON.stringify({ ...good, steps: good.steps.slice(0, 3) }))],
      /3 recorded steps for a schedule of \d+ choices — truncated/,
    ],
    ['unknown render format', ['render', 'traces/demo/lost-wakeup.buggy.cpus2.json', '--format', 'svg'], /unknown format 'svg'/],
  ];
  for (const [name, args, msg] of cases) {
    it(name, () => {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it('a trace that no longer matches the model says where it diverges', () => {
    const steps = good.steps.map((s: { step: number; detail: string }) => (s.step === 2 ? { ...s, detail: 'cond ← 5' } : s));
    const r = run(['replay', write('diverge.json', JSON.stringify({ ...good, steps }))]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not reproduce at step 2: expected detail "cond ← 5", got "cond ← 1"/);
  });
});
