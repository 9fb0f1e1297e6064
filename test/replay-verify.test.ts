import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './cli-in-process.ts';

/**
 * Replay checks the whole trace file against the model: every edit that
 * changes what the file claims is refused (exit 2, one line naming where),
 * and the commands that show a trace refuse it the same way.
 */
const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-replay-'));
const TERMINAL = 'traces/demo/lost-wakeup.buggy.cpus2.json'; // no-lost-wakeup, checked when the execution ends
const AT_STEP = 'traces/dragonos/c2-irq-enable.master.cpus1.lock-discipline.json'; // broken by its last step

// biome-ignore lint/suspicious/noExplicitAny: edited trace files are plain JSON
type Json = any;
const load = (f: string): Json => JSON.parse(readFileSync(f, 'utf8'));
let n = 0;
function write(t: Json): string {
  const f = join(dir, `t${n++}.json`);
  writeFileSync(f, JSON.stringify(t));
  return f;
}
async function refused(args: string[], msg: RegExp): Promise<void> {
  const r = await runInProcess(args);
  expect(r.err).toMatch(msg);
  expect(r.code).toBe(2);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/internal error/);
  expect(r.out).toBe('');
}

/** Cuts the last k steps from both the schedule and the steps (and, with `stats`, fixes the count). */
function cut(t: Json, k: number, stats: boolean): Json {
  const x = structuredClone(t);
  x.schedule = x.schedule.slice(0, -k);
  x.steps = x.steps.slice(0, -k);
  if (stats) x.stats.steps = x.steps.length;
  return x;
}

describe('an end-of-execution violation reproduces only where nothing can run any more', () => {
  const t = load(TERMINAL);
  for (const k of [1, 2, 5]) {
    it(`the last ${k} step(s) cut from schedule and steps`, async () => {
      await refused(['replay', write(cut(t, k, false))], /stats\.steps is 23 for \d+ recorded steps/);
      const last = t.steps.length - k;
      await refused(
        ['replay', write(cut(t, k, true))],
        new RegExp(
          `does not reproduce at step ${last}: expected nothing to be able to run after it .*, got \\[cpu\\d(, cpu\\d)*\\] enabled`,
        ),
      );
    });
  }

  it('the trace itself reproduces', async () => {
    const r = await runInProcess(['replay', TERMINAL]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('checked when nothing can run after step 23');
  });
});

describe('a violation found at a step reproduces only at exactly that step', () => {
  const t = load(AT_STEP);
  const last = t.steps.length;
  it('reproduces as recorded', async () => {
    const r = await runInProcess(['replay', AT_STEP, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ reproduced: true, invariant: 'lock-discipline', at: 'step', steps: last });
  });
  it('one step fewer: the violation has not happened yet', async () => {
    await refused(
      ['replay', write(cut(t, 1, true))],
      new RegExp(`does not reproduce at step ${last - 1}: expected .*, got \\[.*\\] enabled`),
    );
  });
  it('a step more: the model stopped at the violation before it', async () => {
    const x = structuredClone(t);
    x.schedule.push(x.schedule[last - 1]);
    x.steps.push({ ...x.steps[last - 1], step: last + 1 });
    x.stats.steps = last + 1;
    await refused(
      ['replay', write(x)],
      new RegExp(
        `does not reproduce at step ${last + 1}: expected the execution to go on, got lock-discipline violated at step ${last}`,
      ),
    );
  });
});

describe('every recorded value is compared', () => {
  const t = load(TERMINAL);
  const firstChange = t.steps.findIndex((s: Json) => s.changes.length > 0);
  const cases: [string, (x: Json) => void, RegExp][] = [
    [
      'a value inside changes',
      (x) => {
        x.steps[firstChange].changes[0].value = 'forged';
      },
      new RegExp(`does not reproduce at step ${firstChange + 1}: expected changes\\[0\\]\\.value "forged", got "1"`),
    ],
    [
      'a change added',
      (x) => {
        x.steps[0].changes.push({ op: 'replace', path: ['cells', 'cond'], value: '9' });
      },
      /does not reproduce at step 1: expected changes\[0\] \{"op":"replace","path":\["cells","cond"\],"value":"9"\}, got none/,
    ],
    [
      'a value in initial',
      (x) => {
        x.initial.cells.cond = '7';
      },
      /does not reproduce at step 0: expected initial\.cells\.cond "7", got "0"/,
    ],
    [
      'a CPU in initial',
      (x) => {
        x.initial.cpus.CPU1.irqs = 'off';
      },
      /does not reproduce at step 0: expected initial\.cpus\.CPU1\.irqs "off", got "on"/,
    ],
    [
      'the detail of a step',
      (x) => {
        x.steps[1].detail = 'cond ← 5';
      },
      /does not reproduce at step 2: expected detail "cond ← 5", got "cond ← 1"/,
    ],
    [
      'the source reference of a step',
      (x) => {
        x.steps[3].ref = 'kernel/elsewhere.c';
      },
      /does not reproduce at step 4: expected ref "kernel\/elsewhere\.c", got/,
    ],
    [
      'the task of a step',
      (x) => {
        x.steps[0].task = 'waker';
      },
      /does not reproduce at step 1: expected task "waker", got "sleeper"/,
    ],
    [
      'the violation message',
      (x) => {
        x.violation.message = 'something else';
      },
      /does not reproduce at step 23: expected no-lost-wakeup \(something else\), got no-lost-wakeup \(sleeper sleeps/,
    ],
    [
      'the preemption count',
      (x) => {
        x.stats.preemptions += 1;
      },
      /does not reproduce at step 23: expected stats\.preemptions 2, got 1/,
    ],
    ['options.cpus 2 → 3', (x) => (x.options.cpus = 3), /options\.cpus is 3 but the initial world has 2 CPUs/],
    ['options.cpus 2 → 4', (x) => (x.options.cpus = 4), /options\.cpus is 4 but the initial world has 2 CPUs/],
    ['options.cpus 1000000', (x) => (x.options.cpus = 1000000), /"options\.cpus" must be <= 8/],
    ['options.invariants unknown', (x) => (x.options.invariants = ['nope']), /options\.invariants names 'nope'/],
    [
      'options.invariants without the violated one',
      (x) => (x.options.invariants = ['deadlock']),
      /violation\.invariant 'no-lost-wakeup' is not among options\.invariants \(deadlock\)/,
    ],
    ['options.maxSteps below the schedule', (x) => (x.options.maxSteps = 5), /more than options\.maxSteps \(5\)/],
    [
      'options.irq naming no source',
      (x) => (x.options.irq = { 'timer@cpu0': 1 }),
      /options\.irq: no interrupt source 'timer@cpu0'/,
    ],
    ['options.irq __proto__', (x) => (x.options.irq = JSON.parse('{"__proto__": 1}')), /no interrupt source '__proto__'/],
    ['options.strategy unknown', (x) => (x.options.strategy = 'bogus'), /"options\.strategy" must be one of "auto"/],
    ['a seed for an unseeded strategy', (x) => (x.options.seed = 7), /options\.seed is 7, but strategy dfs takes no seed/],
    ['variant __proto__', (x) => (x.variant = '__proto__'), /has no variant '__proto__' \(it has: buggy, fixed\)/],
    ['variant toString', (x) => (x.variant = 'toString'), /has no variant 'toString'/],
    ['a field the format does not have', (x) => (x.note = 'hi'), /"note" is not a field of this format/],
    [
      'changes[].path null',
      (x) => (x.steps[firstChange].changes[0].path = null),
      /"steps\[\d+\]\.changes\[0\]\.path" must be array/,
    ],
    ['stats {}', (x) => (x.stats = {}), /"stats\.steps" is missing/],
  ];
  for (const [name, edit, msg] of cases) {
    it(name, async () => {
      const x = structuredClone(t);
      edit(x);
      const f = write(x);
      await refused(['replay', f], msg);
      // every command that shows a trace goes through the same check
      for (const fmt of ['text', 'mermaid', 'perfetto', 'html']) await refused(['render', f, '--format', fmt], msg);
      await refused(['explain', f], msg);
    });
  }
});
