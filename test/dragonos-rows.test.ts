import { describe, expect, it } from 'vitest';
import { explore } from '../src/explorer/explore.ts';
import { DEFAULT_MAX_STEPS, makeMachine } from '../src/explorer/make-machine.ts';
import { ReducedDfs } from '../src/explorer/reduced-dfs.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';

/**
 * Every expectation row of the DragonOS scenarios whose searches take a few
 * seconds at most, run as the table runs it (its interrupt budgets and
 * invariants, the reduced dfs of `auto`): the holds rows and, for each, the
 * variant that puts a bug back and is caught by the same search.
 */
const FAST = [
  'dragonos/signal-to-sleeper',
  'dragonos/ptrace-not-tracer',
  'dragonos/tracer-injects-stop',
  'dragonos/ignored-signal-to-tracee',
  'dragonos/signal-to-stopping',
  'dragonos/sigkill-to-sleeper',
  'dragonos/blocked-signal-to-sleeper',
];
/** and, of the longer tables, the rows that check runnable-is-queued */
const fast = (name: string, only: readonly string[] | undefined) =>
  FAST.includes(name) || (only?.includes('runnable-is-queued') ?? false);

describe('DragonOS rows, as the table runs them', () => {
  for (const s of SCENARIOS) {
    for (const [variant, v] of Object.entries(s.variants)) {
      for (const e of v.expect) {
        if (!fast(s.name, e.only)) continue;
        const limits = `${e.irq ? ` irq ${JSON.stringify(e.irq)}` : ''}${e.only ? ` only ${e.only.join('+')}` : ''}`;
        it(`${s.name} [${variant}] on ${e.cpus} CPU(s)${limits}: ${e.verdict}${e.invariant ? ` (${e.invariant})` : ''}`, () => {
          const m = makeMachine(s, {
            variant,
            cpus: e.cpus,
            invariants: e.only ?? null,
            maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
            ...(e.irq ? { irq: e.irq } : {}),
          });
          const r = explore(m, new ReducedDfs());
          expect(r.verdict).toBe(e.verdict);
          if (e.invariant) expect(r.violation?.invariant).toBe(e.invariant);
        });
      }
    }
  }
});
