import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Program } from '../src/cpu/ops.ts';
import { type Budget, explore, type SearchVerdict } from '../src/explorer/explore.ts';
import type { Strategy } from '../src/explorer/strategy.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import type { ModelDef, TaskContext } from '../src/model/types.ts';

/**
 * A model without a scheduler: program i is current on CPU i at time 0
 * (programs beyond the CPU count start parked). `extra` adds invariants or
 * interrupt sources.
 */
export function model(
  cpus: number,
  setup: (b: ModelBuilder) => ((ctx: TaskContext) => Program<void>)[],
  extra?: (b: ModelBuilder) => void,
): ModelDef {
  const b = new ModelBuilder(cpus);
  setup(b).forEach((p, i) => {
    b.task({ name: `t${i}`, startCpu: i < cpus ? i : -1, program: p });
  });
  extra?.(b);
  return b.build();
}

/** Runs one schedule (list of choices) and returns the machine. */
export function runSchedule(m: Machine, schedule: readonly number[]): Machine {
  m.reset();
  for (const c of schedule) {
    if (!m.isEnabled(c)) throw new Error(`choice ${c} not enabled`);
    m.step(c);
  }
  return m;
}

/** Runs choice 0 of the enabled list until nothing is enabled, then finish(). */
export function runFirst(m: Machine): Machine {
  m.reset();
  const buf: number[] = [];
  while (m.enabled(buf) > 0 && m.violation === null) m.step(buf[0] as number);
  if (m.violation === null) m.finish();
  return m;
}

/** Every trace file under a folder, in a stable order. */
export function traceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? traceFiles(p) : f.endsWith('.json') ? [p] : [];
    });
}

/** The state at an end: memory (ghost cells included) and which tasks finished. */
export function endKey(m: Machine): string {
  return `${m.mem.join(',')}|${[...Array(m.taskCount).keys()].map((t) => m.taskDone(t))}`;
}

/**
 * Every end state (nothing left enabled) that a per-execution search
 * reaches on `def`, by endKey, and its verdict. Checks only `livelock`
 * unless `opts` says otherwise: no invariant stops the search, and
 * deadlocked ends are recorded like any other end.
 */
export function searchEnds(
  def: ModelDef,
  inner: Strategy,
  opts: ConstructorParameters<typeof Machine>[1] = {},
  budget: Budget = {},
): { verdict: SearchVerdict; ends: Set<string> } {
  const ends = new Set<string>();
  const buf: number[] = [];
  const spy: Strategy = {
    name: inner.name,
    exhaustive: true,
    prepare: (m) => inner.prepare?.(m),
    beginExecution: () => inner.beginExecution(),
    choose: (e, d, m) => inner.choose(e, d, m),
    afterStep: (c, d, m) => (inner.afterStep ? inner.afterStep(c, d, m) : true),
    endExecution(m) {
      if (m.enabled(buf) === 0) ends.add(endKey(m));
      inner.endExecution(m);
    },
  };
  const r = explore(new Machine(def, { invariants: ['livelock'], ...opts }), spy, budget);
  return { verdict: r.verdict, ends };
}
