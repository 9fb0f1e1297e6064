import { describe, expect, it } from 'vitest';
import { AutoStrategy } from '../src/explorer/auto.ts';
import { explore } from '../src/explorer/explore.ts';
import { DEFAULT_MAX_STEPS, makeMachine } from '../src/explorer/make-machine.ts';
import { statedMemoryModel } from '../src/model/memory-model.ts';
import type { ScenarioDef } from '../src/model/scenario.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';

/**
 * Table rows searched twice: as declared, and with the model's lock rules
 * (ModelDef.guards) taken out. The rules are checked at each access from
 * what the accessing CPU holds, so the two searches explore exactly the
 * same executions and states, and reach the same verdict.
 */
const ROWS: readonly { name: string; variant: string; cpus: number }[] = [
  { name: 'dragonos/two-wakers', variant: 'pr1663', cpus: 2 },
  { name: 'dragonos/c3-detach-wakeup', variant: 'head', cpus: 2 },
  { name: 'dragonos/c4-mark-stop-vs-sigcont', variant: 'master', cpus: 1 },
  { name: 'dragonos/c1-siginfo-trylock', variant: 'head', cpus: 1 },
  { name: 'linux/sleep-wake', variant: 'waitqueue', cpus: 2 },
  { name: 'linux/stop-cont', variant: 'linux-6.6', cpus: 2 },
  { name: 'linux/thread-exit', variant: 'traced-thread', cpus: 1 },
  { name: 'linux/attach-detach', variant: 'linux-6.6', cpus: 1 },
  { name: 'redox/tracee-exit', variant: '2020', cpus: 2 },
  { name: 'redox/clone-event', variant: '2020', cpus: 2 },
  { name: 'selfptrace/parent-exit', variant: 'sud', cpus: 2 },
  { name: 'selfptrace/signal-between', variant: 'sud', cpus: 1 },
];

function search(s: ScenarioDef, variant: string, cpus: number) {
  const row = s.variants[variant]?.expect.find((e) => e.cpus === cpus);
  if (!row) throw new Error(`${s.name} [${variant}] has no ${cpus}-CPU row`);
  const m = makeMachine(s, {
    variant,
    cpus,
    invariants: row.only ?? null,
    maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
    ...(row.irq ? { irq: row.irq } : {}),
    memoryModel: statedMemoryModel(s, row),
  });
  const r = explore(m, new AutoStrategy());
  return { verdict: r.verdict, invariant: r.violation?.invariant ?? null, executions: r.executions, states: r.states, row };
}

describe('lock guards on table rows', () => {
  for (const { name, variant, cpus } of ROWS) {
    it(`${name} [${variant}] ${cpus} CPUs: the same search with and without its lock rules`, () => {
      const s = SCENARIOS.find((x) => x.name === name) as ScenarioDef;
      expect((s.build({ variant, cpus }).guards ?? []).length).toBeGreaterThan(0);
      const bare: ScenarioDef = {
        ...s,
        build: (o) => {
          const { guards: _, ...def } = s.build(o);
          return def;
        },
      };
      const g = search(s, variant, cpus);
      const n = search(bare, variant, cpus);
      expect(g.verdict).toBe(g.row.verdict);
      expect({ ...g, row: null }).toEqual({ ...n, row: null });
    });
  }
});
