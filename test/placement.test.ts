import { describe, expect, it } from 'vitest';
import { load, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import { runFirst } from './helpers.ts';

/** Two raw tasks placed on CPU0 and CPU1, each storing its turn after reading the other's. */
function raw(cpus: number) {
  const b = new ModelBuilder(cpus);
  const order = b.layout.cell('order', 0);
  for (const [name, cpu] of [
    ['A', 0],
    ['B', 1],
  ] as const) {
    b.task({
      name,
      startCpu: cpu,
      program: function* () {
        const n: number = yield load(order, `test ${name}`);
        yield store(order, n * 10 + (cpu + 1), `test ${name}`);
      },
    });
  }
  b.atEnd({ name: 'order', check: (w) => (w.mem[order] === 21 ? 'B ran before A' : null) });
  return new Machine(b.build());
}

describe('raw tasks placed on CPUs', () => {
  it('share one CPU when the model has one: they run one after another, in the order they were added', () => {
    const m = runFirst(raw(1));
    expect(m.violation).toBeNull();
    expect(m.taskDone(0) && m.taskDone(1)).toBe(true);
    expect(explore(raw(1), new DfsStrategy()).verdict).toBe('holds');
  });

  it('on two CPUs each starts current on its own, and the other order is reachable', () => {
    const m = raw(2);
    m.reset();
    expect([m.taskCpu(0), m.taskCpu(1)]).toEqual([0, 1]);
    expect(explore(raw(2), new DfsStrategy()).violation?.message).toBe('B ran before A');
  });
});

describe('the toy scheduler', () => {
  it('preempts with its tick: a foreign lock whose unlock reads the waiters before clearing loses a wakeup on one CPU', () => {
    const s = SCENARIOS.find((x) => x.name === 'demo/foreign-lock')!;
    const bad = explore(new Machine(s.build({ variant: 'wake-before-clear', cpus: 1 })), new DfsStrategy());
    expect(bad.violation?.invariant).toBe('no-lost-wakeup');
    expect(bad.violation?.message).toBe('taker sleeps although lock.locked == 0, and no task is left to wake it');
    expect(explore(new Machine(s.build({ variant: 'fixed', cpus: 1 })), new DfsStrategy()).verdict).toBe('holds');
  });
});
