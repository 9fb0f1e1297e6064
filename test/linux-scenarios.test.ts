import { describe, expect, it } from 'vitest';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { DEFAULT_MAX_STEPS, makeMachine } from '../src/explorer/make-machine.ts';
import { ReducedDfs } from '../src/explorer/reduced-dfs.ts';
import { statedMemoryModel } from '../src/model/memory-model.ts';
import type { Expectation } from '../src/model/scenario.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';

/**
 * The linux/* expectation rows whose exhaustive search takes at most a few
 * seconds. The others (the 2-CPU signal rows, 10–30 s each, and the 3-CPU
 * row) are checked by `ptrace-mc check linux/`; their counterexamples are
 * replayed from traces/linux by traces.test.ts.
 */
const FAST = (scenario: string, e: Expectation) =>
  e.cpus === 1 || (scenario === 'linux/sleep-wake' && e.cpus === 2) || (e.memoryModel === 'tso' && e.long !== true);

describe('linux/* scenarios give the verdicts they expect', () => {
  for (const s of SCENARIOS.filter((x) => x.name.startsWith('linux/'))) {
    for (const [variant, v] of Object.entries(s.variants)) {
      for (const e of v.expect) {
        if (!FAST(s.name, e)) continue;
        const mm = statedMemoryModel(s, e);
        const under = mm.name === 'sc' ? '' : ` under ${mm.name}`;
        const limits = `${e.irq ? ` irq ${JSON.stringify(e.irq)}` : ''}${e.only ? ` only ${e.only.join('+')}` : ''}`;
        it(`${s.name} [${variant}] on ${e.cpus} CPU(s)${under}${limits}: ${e.verdict}${e.invariant ? ` (${e.invariant})` : ''}`, () => {
          // the row's own interrupt budgets and invariants, as the table runs it
          const m = makeMachine(s, {
            variant,
            cpus: e.cpus,
            invariants: e.only ?? null,
            maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
            memoryModel: mm,
            ...(e.irq ? { irq: e.irq } : {}),
          });
          // under x86-TSO the reduced dfs (checked against the plain one on TSO models in tso.test.ts): the plain one takes many times longer
          const r = explore(m, mm.name === 'sc' ? new DfsStrategy() : new ReducedDfs());
          expect(r.verdict).toBe(e.verdict);
          if (e.invariant) expect(r.violation?.invariant).toBe(e.invariant);
        });
      }
    }
  }
});
