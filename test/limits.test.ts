import { describe, expect, it } from 'vitest';
import { load, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { clearInterrupt, MAX_CPUS, maxWorkers, requestInterrupt } from '../src/explorer/limits.ts';
import { Machine } from '../src/model/machine.ts';
import { runInProcess } from './cli-in-process.ts';
import { model } from './helpers.ts';

/** A model whose tasks never stop: each flips its own cell forever (no state repeats: histories only grow). */
function endless(cpus: number) {
  return model(cpus, (b) =>
    Array.from({ length: cpus }, (_, i) => {
      const c = b.layout.cell(`c${i}`);
      return function* () {
        for (;;) {
          const v: number = yield load(c, 'test');
          yield store(c, v ^ 1, 'test');
        }
      };
    }),
  );
}

describe('--max-steps always bounds an execution', () => {
  it('reports livelock when that invariant is checked', async () => {
    const r = explore(new Machine(endless(1), { maxSteps: 300 }), new DfsStrategy());
    expect(r.verdict).toBe('violated');
    expect(r.violation?.invariant).toBe('livelock');
    expect(r.maxDepth).toBe(300);
  });

  it('cuts the execution and makes the search incomplete when livelock is not checked', async () => {
    const m = new Machine(endless(2), { maxSteps: 8, invariants: ['some-other'] });
    const r = explore(m, new DfsStrategy({ cache: false }));
    expect(r.verdict).toBe('incomplete');
    expect(r.stoppedBy).toBe('max-steps');
    expect(r.maxDepth).toBe(8);
    // two CPUs that can always step: every sequence of 8 choices, each execution cut at the bound
    expect(r.executions).toBe(2 ** 8);
    expect(r.coverage).toBe('256 executions reached --max-steps 8 and were cut (livelock is not checked)');
  });

  it('the stateful search over the same model also ends, cut at the bound', async () => {
    const r = explore(new Machine(endless(2), { maxSteps: 30, invariants: ['some-other'] }), new DfsStrategy());
    expect(r.verdict).toBe('incomplete');
    expect(r.stoppedBy).toBe('max-steps');
  });
});

describe('--max-time, memory and interrupts are checked within an execution', () => {
  it('max-time stops an execution that never ends on its own', async () => {
    const m = new Machine(endless(1), { maxSteps: 2_000_000_000, invariants: ['some-other'] });
    const r = explore(m, new DfsStrategy({ cache: false }), { maxTimeMs: 200 });
    expect(r.verdict).toBe('incomplete');
    expect(r.stoppedBy).toBe('max-time');
    expect(r.executions).toBe(0);
    expect(r.steps).toBe(0);
  });

  it('a memory budget the process is already past stops the search before it begins, with its state count', async () => {
    const m = new Machine(endless(2), { maxSteps: 2_000_000_000, invariants: ['some-other'] });
    const r = explore(m, new DfsStrategy(), { maxMemoryMb: 1 });
    expect(r.verdict).toBe('incomplete');
    expect(r.stoppedBy).toBe('max-memory');
    expect(r.states).toBe(0);
  });

  it('an interrupt request stops the search at its next check', async () => {
    requestInterrupt(2);
    try {
      const m = new Machine(endless(1), { maxSteps: 2_000_000_000, invariants: ['some-other'] });
      const r = explore(m, new DfsStrategy());
      expect(r.verdict).toBe('incomplete');
      expect(r.stoppedBy).toBe('interrupted');
    } finally {
      clearInterrupt();
    }
  });
});

describe('hard limits of the command line (one line, exit 2, naming the option and the limit)', () => {
  const cases: [string[], RegExp][] = [
    [['--cpus', '1000000'], new RegExp(`^ptrace-mc: --cpus must be between 1 and ${MAX_CPUS} \\(got 1000000\\)`)],
    [['--cpus', '99'], new RegExp(`^ptrace-mc: --cpus must be between 1 and ${MAX_CPUS} \\(got 99\\)`)],
    [['--strategy', 'dfs', '--workers', String(maxWorkers() + 1)], new RegExp(`--workers must be at most ${maxWorkers()}`)],
    [['--variant', '__proto__'], /has no variant '__proto__' \(it has: buggy, fixed\)/],
    [['--variant', 'toString'], /has no variant 'toString'/],
    [['--variant', 'constructor'], /has no variant 'constructor'/],
    [['--irq', '__proto__=1'], /no interrupt source '__proto__'/],
    [['--irq', 'constructor=1'], /no interrupt source 'constructor'/],
  ];
  for (const [args, msg] of cases) {
    it(args.join(' '), async () => {
      const r = await runInProcess(['check', 'demo/lost-wakeup', ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/internal error/);
    });
  }

  it('a variant named like an inherited property is unknown in the expectation table too', async () => {
    const r = await runInProcess(['check', 'demo/', '--variant', '__proto__']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "ptrace-mc: none of the scenarios named (demo/lost-wakeup, demo/abba-deadlock, demo/foreign-lock and 1 more) has a variant '__proto__'\n",
    );
  });

  it('--max-memory: a search past its memory budget is incomplete (exit 3), "out of memory budget after N states"', async () => {
    const r = await runInProcess(['check', 'demo/lost-wakeup', '--variant', 'fixed', '--strategy', 'dfs', '--max-memory', '1']);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/incomplete: out of memory budget after \d+ states/);
    const j = await runInProcess([
      'check',
      'demo/lost-wakeup',
      '--variant',
      'fixed',
      '--strategy',
      'dfs',
      '--max-memory',
      '1',
      '--json',
    ]);
    expect(JSON.parse(j.out)).toMatchObject({ verdict: 'incomplete', stoppedBy: 'max-memory' });
  });
});
