import { describe, expect, it } from 'vitest';
import { applyIrqBounds } from '../src/model/irq-bounds.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';

/**
 * A "holds" on two CPUs with every interrupt off says nothing of a
 * preemption inside the race window, and a reader takes it for the stronger
 * claim. So every holds row of the Linux and DragonOS tables either allows
 * a preempting tick (a scheduler tick or local timer with a budget of at
 * least one) on each of its CPUs, or says in its `why` why not (it names
 * the tick, timer or interrupts it goes without, or the irqs-off code that
 * makes one pointless).
 */
const KERNELS = /^(linux|dragonos)\//;
const SAYS_WHY_NOT = /\b(ticks?|timer|interrupts|irqs)\b/i;

function tickedCpus(def: ReturnType<(typeof SCENARIOS)[number]['build']>): Set<number> {
  return new Set(def.irqs.filter((s) => s.budget > 0 && /^(tick|timer)@/.test(s.name)).map((s) => s.cpu));
}

describe('holds rows and the tick', () => {
  it('every Linux and DragonOS holds row allows a tick on each CPU, or says why not', () => {
    const bare: string[] = [];
    for (const s of SCENARIOS.filter((x) => KERNELS.test(x.name))) {
      for (const [variant, v] of Object.entries(s.variants)) {
        for (const row of v.expect) {
          if (row.verdict !== 'holds') continue;
          const def = applyIrqBounds(s.build({ variant, cpus: row.cpus }), row.irq);
          const ticked = tickedCpus(def);
          const everyCpu = Array.from({ length: row.cpus }, (_, c) => c).every((c) => ticked.has(c));
          if (everyCpu || SAYS_WHY_NOT.test(row.why ?? '')) continue;
          bare.push(
            `${s.name} [${variant}] ${row.cpus} CPU${row.cpus > 1 ? 's' : ''}${row.memoryModel ? ` ${row.memoryModel}` : ''}`,
          );
        }
      }
    }
    expect(bare).toEqual([]);
  });
});
