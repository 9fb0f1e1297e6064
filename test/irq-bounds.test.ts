import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIrqFlags } from '../src/cli/check.ts';
import { ReplayMismatch, replayTrace } from '../src/explorer/replay.ts';
import { type RunOptions, runScenario } from '../src/explorer/run.ts';
import { parseTrace, type TraceFile } from '../src/explorer/trace.ts';
import {
  applyIrqBounds,
  compactIrqBounds,
  effectiveIrqBounds,
  expandIrqBounds,
  IrqBoundError,
  irqBoundsText,
} from '../src/model/irq-bounds.ts';
import c4 from '../src/scenarios/dragonos/c4-mark-stop-vs-sigcont.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';

const BIN = resolve('bin/ptrace-mc.js');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = () => mkdtempSync(join(tmpdir(), 'ptrace-mc-irq-'));

/** C4 on pr1663, one CPU: the window is open with irqs on, so only a timer tick lets SIGCONT in. */
const C4 = 'dragonos/c4-mark-stop-vs-sigcont';
const opts = (irq?: Record<string, number>): RunOptions => ({
  variant: 'pr1663',
  cpus: 1,
  strategy: 'dfs',
  seed: 1,
  runs: 1,
  // the row's invariant (pr1663 also fails stopped-never-runs, with no race at all)
  invariants: ['no-lost-wakeup'],
  maxSteps: 20_000,
  cache: true,
  shrink: false,
  budget: {},
  ...(irq ? { irq } : {}),
});

describe('interrupt budgets as a bound', () => {
  const def = c4.build({ variant: 'pr1663', cpus: 1 });

  it('replaces the named budgets and keeps the others', () => {
    const d = applyIrqBounds(def, { 'timer@cpu0': 0 });
    expect(d.irqs.map((s) => [s.name, s.budget])).toEqual([
      ['kick-ipi@cpu0', 1],
      ['timer@cpu0', 0],
    ]);
    expect(def.irqs.find((s) => s.name === 'timer@cpu0')?.budget).toBe(2);
  });

  it('a source the model lacks, or a budget that is not a whole number, is an error naming the sources', () => {
    expect(() => applyIrqBounds(def, { 'timer@cpu1': 0 })).toThrow(IrqBoundError);
    expect(() => applyIrqBounds(def, { 'timer@cpu1': 0 })).toThrow(
      "no interrupt source 'timer@cpu1' on 1 CPU (sources: kick-ipi@cpu0, timer@cpu0)",
    );
    expect(() => applyIrqBounds(def, { 'timer@cpu0': -1 })).toThrow('must be a whole number');
  });

  it('the effective bounds leave out budgets equal to the scenario’s own', () => {
    expect(effectiveIrqBounds(def, { 'timer@cpu0': 2, 'kick-ipi@cpu0': 0 })).toEqual({ 'kick-ipi@cpu0': 0 });
    expect(irqBoundsText({ 'timer@cpu0': 0, 'kick-ipi@cpu0': 1 })).toBe('timer@cpu0=0, kick-ipi@cpu0=1');
  });

  it('--irq values: SOURCE=N, each source once', () => {
    expect(parseIrqFlags([])).toBeNull();
    expect(parseIrqFlags(['timer@cpu0=0', 'kick-ipi@cpu1=3'])).toEqual({ 'timer@cpu0': 0, 'kick-ipi@cpu1': 3 });
    for (const bad of ['timer@cpu0', 'timer@cpu0=', '=1', 'timer@cpu0=-1', 'timer@cpu0=x']) {
      expect(() => parseIrqFlags([bad])).toThrow('--irq takes SOURCE=N');
    }
    expect(() => parseIrqFlags(['timer@cpu0=1', 'timer@cpu0=0'])).toThrow("names 'timer@cpu0' twice");
  });

  it('without ticks the one-CPU search holds; with the ticks put back the same search finds the race', () => {
    expect(runScenario(c4, opts({ 'timer@cpu0': 0 })).search.verdict).toBe('holds');
    const ticked = runScenario(c4, opts({ 'timer@cpu0': 1 }));
    expect(ticked.search.verdict).toBe('violated');
    expect(ticked.search.violation?.invariant).toBe('no-lost-wakeup');
  });

  it('a search split into slices runs every slice under the same budgets', () => {
    expect(runScenario(c4, { ...opts({ 'timer@cpu0': 0 }), workers: 1 }).search.verdict).toBe('holds');
    expect(runScenario(c4, { ...opts({ 'timer@cpu0': 1 }), workers: 1 }).search.verdict).toBe('violated');
  });

  it('the trace records the budgets; replay rebuilds the model with them', () => {
    const r = runScenario(c4, { ...opts({ 'timer@cpu0': 1 }), strategy: 'dpor', shrink: true });
    const t = r.trace as TraceFile;
    expect(t.options.irq).toEqual({ 'timer@cpu0': 1 });
    const back = parseTrace(JSON.stringify(t), 't.json');
    expect(replayTrace(c4, back).invariant).toBe('no-lost-wakeup');
    // the same schedule under a budget of 0 cannot tick: the recorded interrupt is not enabled
    const noTick = { ...back, options: { ...back.options, irq: { 'timer@cpu0': 0 } } };
    expect(() => replayTrace(c4, noTick)).toThrow(ReplayMismatch);
    expect(() => parseTrace(JSON.stringify({ ...t, options: { ...t.options, irq: { x: -1 } } }), 't.json')).toThrow(
      '"options.irq.x" must be >= 0',
    );
  });
});

describe('check --irq', () => {
  it('states the budgets in the header and in the bounds line', () => {
    const r = run(['check', C4, '--variant', 'pr1663', '--cpus', '1', '--irq', 'timer@cpu0=0', '--out-dir', tmp()]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('on 1 CPU (auto, irq timer@cpu0=0): holds');
    expect(r.out).toMatch(/bounds: .*except interrupt budgets set to timer@cpu0=0/);
  });

  it('bad input: one line, exit 2', () => {
    for (const [irq, msg] of [
      ['nosuch=0', "no interrupt source 'nosuch' on 1 CPU (sources: kick-ipi@cpu0, timer@cpu0)"],
      ['kick-ipi@cpu1=0', "no interrupt source 'kick-ipi@cpu1'"],
      ['timer@cpu0', '--irq takes SOURCE=N'],
      ['timer@cpu0=1.5', '--irq takes SOURCE=N'],
    ] as const) {
      const r = run(['check', C4, '--variant', 'pr1663', '--cpus', '1', '--irq', irq]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(msg);
    }
  });

  it('replay, render and shrink of a trace recorded under budgets reproduce it; a bad budget in the file is one line, exit 2', () => {
    const dir = tmp();
    const file = join(dir, 't.json');
    const c = run(['check', C4, '--variant', 'pr1663', '--cpus', '1', '--irq', 'timer@cpu0=1', '--trace-out', file]);
    expect(c.code).toBe(1);
    expect(run(['replay', file]).code).toBe(1);
    expect(run(['render', file]).out).toContain('recorded with interrupt budgets timer@cpu0=1');
    expect(run(['render', file, '--format', 'mermaid']).code).toBe(0);
    expect(run(['shrink', file, '--out', join(dir, 's.json')]).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).options.irq).toEqual({ 'timer@cpu0': 1 });
    const t = JSON.parse(readFileSync(file, 'utf8'));
    t.options.irq = { 'timer@cpu9': 1 };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(t));
    for (const cmd of ['replay', 'shrink', 'explain']) {
      const r = run([cmd, join(dir, 'bad.json')]);
      expect(r.code).toBe(2);
      expect(r.err.trim()).toMatch(/bad\.json: options\.irq: no interrupt source 'timer@cpu9'/);
    }
  });
});

describe('the short form KIND@cpuN: one budget for that source on every CPU', () => {
  const two = c4.build({ variant: 'pr1663', cpus: 2 });

  it('stands for each CPU’s source, and only when every CPU has the same budget', () => {
    expect(expandIrqBounds({ 'timer@cpuN': 1, 'kick-ipi@cpu0': 0 }, 2)).toEqual({
      'timer@cpu0': 1,
      'timer@cpu1': 1,
      'kick-ipi@cpu0': 0,
    });
    expect(compactIrqBounds({ 'timer@cpu0': 1, 'timer@cpu1': 1 }, 2)).toEqual({ 'timer@cpuN': 1 });
    // a CPU left out, two budgets differing, or three CPUs where two are named: written out one by one
    expect(compactIrqBounds({ 'timer@cpu1': 1 }, 2)).toEqual({ 'timer@cpu1': 1 });
    expect(compactIrqBounds({ 'timer@cpu0': 1, 'timer@cpu1': 2 }, 2)).toEqual({ 'timer@cpu0': 1, 'timer@cpu1': 2 });
    expect(compactIrqBounds({ 'timer@cpu0': 1, 'timer@cpu1': 1 }, 3)).toEqual({ 'timer@cpu0': 1, 'timer@cpu1': 1 });
    expect(compactIrqBounds({ 'timer@cpu0': 1 }, 1)).toEqual({ 'timer@cpu0': 1 });
    expect(() => expandIrqBounds({ 'timer@cpuN': 1, 'timer@cpu1': 0 }, 2)).toThrow("'timer@cpu1' is given two budgets");
  });

  it('the model gets each CPU’s budget, and the effective bounds come back in the short form', () => {
    const d = applyIrqBounds(two, { 'timer@cpuN': 1 });
    expect(d.irqs.filter((s) => s.name.startsWith('timer@')).map((s) => [s.name, s.budget])).toEqual([
      ['timer@cpu0', 1],
      ['timer@cpu1', 1],
    ]);
    expect(effectiveIrqBounds(two, { 'timer@cpu0': 1, 'timer@cpu1': 1 })).toEqual({ 'timer@cpuN': 1 });
    expect(effectiveIrqBounds(two, { 'timer@cpuN': 1 })).toEqual({ 'timer@cpuN': 1 });
    expect(effectiveIrqBounds(two, { 'timer@cpu1': 1 })).toEqual({ 'timer@cpu1': 1 });
    expect(irqBoundsText({ 'timer@cpuN': 1 })).toBe('timer@cpuN=1');
  });
});

describe('expectation rows with interrupt budgets', () => {
  it('every row names sources its model has, with budgets that differ from the scenario’s own', () => {
    for (const s of SCENARIOS) {
      for (const [variant, v] of Object.entries(s.variants)) {
        for (const e of v.expect) {
          if (!e.irq) continue;
          expect(effectiveIrqBounds(s.build({ variant, cpus: e.cpus }), e.irq), `${s.name} ${variant}`).toEqual(e.irq);
        }
      }
    }
  });

  it('--compare shows one CPU without ticks, one CPU with ticks and two CPUs side by side', () => {
    const args = ['check', C4, '--compare', '--variant', 'pr1663', '--strategy', 'dfs', '--no-shrink', '--out-dir', tmp()];
    const r = run([...args, '--invariant', 'no-lost-wakeup']);
    expect(r.code).toBe(0);
    const rows = r.out.split('\n').filter((l) => l.startsWith('pr1663 '));
    // cells are two or more spaces apart (an irq cell may hold several budgets); the 2-CPU row with a tick on
    // each CPU is the claim of another invariant, shown here for the one checked, with no expectation of its own
    expect(rows.map((l) => l.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['pr1663', '1', 'timer@cpu0=0', 'holds'],
      ['pr1663', '1', '-', 'violated'],
      ['pr1663', '2', 'timer@cpuN=1', 'violated'],
      ['pr1663', '2', '-', 'violated'],
    ]);
    expect(r.out).toMatch(/^variant\s+cpus\s+irq\s+verdict/m);
    expect(r.out).toContain('pr1663 on 1 CPU, irq timer@cpu0=0: holds — one core, no timer tick');
  });

  it('check NAME --cpus 1 --irq takes the row stated under those budgets', () => {
    const args = ['check', C4, '--variant', 'head', '--cpus', '1', '--irq', 'timer@cpu0=0'];
    const r = run([...args, '--invariant', 'no-lost-wakeup', '--invariant', 'guard-held', '--json', '--out-dir', tmp()]);
    expect(JSON.parse(r.out)).toMatchObject({ irq: { 'timer@cpu0': 0 }, verdict: 'holds', expected: 'holds', matches: true });
    // every invariant checked: the rows check one each, so there is nothing like it to compare with
    const all = run([...args, '--out-dir', tmp()]);
    expect(all.out).not.toMatch(/^ {2}expected:/m);
    expect(all.out).toContain(
      "not compared: this search checked every invariant; the table's row checks only no-lost-wakeup, guard-held (expected: holds): check it with --invariant no-lost-wakeup --invariant guard-held",
    );
  });
});
