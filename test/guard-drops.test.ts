import { describe, expect, it } from 'vitest';
import { K, nop, type Op, type Program } from '../src/cpu/ops.ts';
import { AutoStrategy } from '../src/explorer/auto.ts';
import { explore } from '../src/explorer/explore.ts';
import { Machine } from '../src/model/machine.ts';
import type { LockGuard, ModelDef, TaskContext } from '../src/model/types.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';

/**
 * Every lock rule a kernel model declares catches its lock being dropped:
 * in a table model, every acquisition and release of one rule's lock (by
 * every task and interrupt handler) becomes a step that does nothing, and
 * the search must report the rule broken, naming the field and the lock
 * (each field of a rule is tried alone). A rule no chosen row reaches would fail here: it would be a rule
 * nothing tests.
 */
const LOCK_OPS: ReadonlySet<number> = new Set([
  K.SPIN_LOCK,
  K.SPIN_UNLOCK,
  K.SPIN_TRYLOCK,
  K.READ_LOCK,
  K.READ_UNLOCK,
  K.READ_TRYLOCK,
  K.WRITE_LOCK,
  K.WRITE_UNLOCK,
  K.WRITE_TRYLOCK,
]);

/**
 * The program with every op on `lock` replaced by a nop (a trylock
 * succeeds), and the model's own lock assertions (lockdep_assert_held
 * steps) too, which would otherwise report the dropped lock first.
 */
function* withoutLock(p: Program<void>, lock: number): Program<void> {
  let r = p.next(0);
  while (!r.done) {
    const op: Op = r.value;
    if (op.k === K.ASSERT && op.tag === 'lock-discipline') {
      yield nop(op.ref, `(assertion left out) ${op.note}`);
      r = p.next(0);
    } else if (LOCK_OPS.has(op.k) && op.a === lock) {
      yield nop(op.ref, `(lock dropped) ${op.note}`);
      r = p.next(op.k === K.SPIN_TRYLOCK || op.k === K.READ_TRYLOCK || op.k === K.WRITE_TRYLOCK ? 1 : 0);
    } else r = p.next(yield op);
  }
}

function dropLock(def: ModelDef, lock: number): ModelDef {
  const wrap = (f: (ctx: TaskContext) => Program<void>) => (ctx: TaskContext) => withoutLock(f(ctx), lock);
  return {
    ...def,
    tasks: def.tasks.map((t) => ({ ...t, program: wrap(t.program) })),
    irqs: def.irqs.map((s) => ({ ...s, handler: wrap(s.handler) })),
  };
}

/** Rows whose models together reach every kind of rule their kernel declares. */
const ROWS: Readonly<Record<string, readonly { name: string; variant: string; cpus: number }[]>> = {
  dragonos: [
    { name: 'dragonos/c1-siginfo-trylock', variant: 'head', cpus: 1 },
    { name: 'dragonos/c4-mark-stop-vs-sigcont', variant: 'master', cpus: 1 },
  ],
  linux: [
    { name: 'linux/sleep-wake', variant: 'waitqueue', cpus: 1 },
    { name: 'linux/thread-exit', variant: 'linux-6.6', cpus: 1 },
    { name: 'linux/stop-cont', variant: 'linux-6.6', cpus: 1 },
    { name: 'linux/attach-detach', variant: 'linux-6.6', cpus: 1 },
    { name: 'linux/thread-signal', variant: 'linux-6.6', cpus: 1 },
  ],
};

/**
 * A rule on one field: its source (without the commit: the same rule in each
 * variant) and the field (the same for every task's, rq's or wait queue's copy).
 */
function kindOf(g: LockGuard, def: ModelDef): string {
  const field = def.layout
    .name(g.cells[0] as number)
    .split('.')
    .pop();
  return `${g.source.replace(/^dragonos@\w+ /, '')} | ${field}`;
}

describe('every declared lock rule catches its lock dropped', () => {
  for (const [kernel, rows] of Object.entries(ROWS)) {
    it(`${kernel}: each kind of rule fires in some row when its lock is dropped`, () => {
      const declared = new Set<string>();
      const fired = new Set<string>();
      for (const { name, variant, cpus } of rows) {
        const s = SCENARIOS.find((x) => x.name === name);
        if (!s) throw new Error(`no scenario ${name}`);
        const def = s.build({ variant, cpus });
        // each rule on each of its fields alone, so that the breach found is of that field
        const guards = (def.guards ?? []).flatMap((g) => g.cells.map((c) => ({ ...g, cells: [c] })));
        for (const g of guards) declared.add(kindOf(g, def));
        for (const g of guards) {
          if (fired.has(kindOf(g, def))) continue;
          const inv = g.invariant ?? 'lock-discipline';
          const m = new Machine({ ...dropLock(def, g.lock), guards: [g] }, { invariants: [inv] });
          const r = explore(m, new AutoStrategy(), { maxExecutions: 3000 });
          if (r.verdict !== 'violated') continue;
          const msg = r.violation?.message ?? '';
          expect(msg).toContain(g.source);
          expect(msg).toContain(` without ${def.layout.name(g.lock)} `);
          expect(msg).toContain(` ${def.layout.name(g.cells[0] as number)} without `);
          fired.add(kindOf(g, def));
        }
      }
      expect([...declared].filter((k) => !fired.has(k))).toEqual([]);
    });
  }
});
