/**
 * dpor and source-dpor under x86-TSO, against two ground truths that know
 * nothing of partial-order reduction:
 *
 * - the brute-force enumerator (every interleaving of steps and drains,
 *   stateless, no reduction; src/explorer/ground-truth.ts with a memory
 *   model): optimal DPOR runs exactly one execution per Mazurkiewicz trace
 *   and misses none, source-DPOR reaches every trace;
 * - the plain stateful dfs, which uses no footprint at all: dpor reaches
 *   exactly its end states (memory and the value every load read), so the
 *   footprints that the traces are built from are sound too;
 *
 * and the same verdicts as the plain dfs on the small built-in scenarios.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { DporStrategy } from '../src/explorer/dpor.ts';
import { explore } from '../src/explorer/explore.ts';
import { countTraces, countTracesWithSleepSets, type TraceCount, traceForms } from '../src/explorer/ground-truth.ts';
import { Machine } from '../src/model/machine.ts';
import { type MemoryModel, memoryModel } from '../src/model/memory-model.ts';
import type { ModelDef } from '../src/model/types.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import { POR_MODELS } from './por-models.ts';
import { buildSpec, modelSpec } from './por-random.ts';
import { ends, programsArb, randomModel } from './tso-random.ts';

const TSO = memoryModel('tso');
const TSO1 = memoryModel('tso', 1);
const TSO2 = memoryModel('tso', 2);

function expectAgainstTruth(def: () => ModelDef, truth: TraceCount, mm: MemoryModel): void {
  const opt = traceForms(def(), new DporStrategy('optimal'), {}, mm);
  expect(opt.cut).toBe(0);
  expect(opt.executions).toBe(truth.traces);
  expect(opt.forms).toEqual(truth.forms);
  const src = traceForms(def(), new DporStrategy('source'), {}, mm);
  expect(src.forms).toEqual(truth.forms);
  expect(src.executions).toBeGreaterThanOrEqual(truth.traces);
}

describe('DPOR under x86-TSO against the brute-force enumerator', () => {
  for (const [name, def] of POR_MODELS) {
    it(`${name}: optimal visits every trace exactly once, source-DPOR every trace`, () => {
      for (const mm of [TSO1, TSO]) {
        // every interleaving, to its end (the largest, independent stores 3x2 with buffers of 8: 277,200)
        const truth = countTraces(def(), { maxExecutions: 300_000 }, mm);
        expect(truth.verdict).toBe('holds');
        // the sleep-set enumerator, which the bench's trace counts use, agrees
        const sleep = countTracesWithSleepSets(def(), {}, mm);
        expect(sleep.verdict).toBe('holds');
        expect(sleep.forms).toEqual(truth.forms);
        expectAgainstTruth(def, truth, mm);
      }
    });
  }

  it('a step an injection displaced, enabled only by a drain that comes after it: source-DPOR reverses with the whole notdep', () => {
    // Found by comparing with the enumerator: CPU0 loads x0, CPU1 stores x0,
    // an interrupt on CPU0. In "store, irq, handler, load, drain" the load
    // the injection displaced races with it; the execution where the drain
    // comes before the load and the interrupt never fires was reached only
    // through a reversal that carries the later drain (it does not happen
    // after the injection), which source-DPOR cut at the handler's step.
    const def = () =>
      buildSpec({
        programs: [[{ k: 'load', cell: 0 }], [{ k: 'store', cell: 0 }]],
        irqCell: 1,
        irqLocked: false,
        irqArmed: false,
      });
    const truth = countTraces(def(), {}, TSO);
    expect(truth.traces).toBe(4);
    expectAgainstTruth(def, truth, TSO);
  });

  it('random small models (memory, spin and rw locks, trylock, awaits, irq-off sections, an interrupt), buffers of 1 and 2', () => {
    let compared = 0;
    for (const mm of [TSO1, TSO2]) {
      fc.assert(
        fc.property(modelSpec, (spec) => {
          const truth = countTraces(buildSpec(spec), { maxExecutions: 3000 }, mm);
          if (truth.verdict !== 'holds') return;
          compared++;
          expectAgainstTruth(() => buildSpec(spec), truth, mm);
        }),
        { seed: 16, numRuns: 40 },
      );
    }
    expect(compared).toBeGreaterThan(20);
  });
});

describe('DPOR under x86-TSO against the plain dfs', () => {
  it('reaches exactly its end states: memory and the value every load read (barriers, locked sections, awaits)', () => {
    fc.assert(
      fc.property(programsArb, fc.integer({ min: 1, max: 3 }), (programs, depth) => {
        const mm = memoryModel('tso', depth);
        const full = ends(randomModel(programs), new DfsStrategy(), mm);
        expect(ends(randomModel(programs), new DporStrategy('optimal'), mm)).toEqual(full);
        expect(ends(randomModel(programs), new DporStrategy('source'), mm)).toEqual(full);
      }),
      { seed: 1616, numRuns: 80 },
    );
  });

  const small = SCENARIOS.filter((s) => s.name.startsWith('demo/') || s.name.startsWith('litmus/'));
  it('the small built-in scenarios (demos, litmus): the same verdict and invariant as the plain dfs', () => {
    let rows = 0;
    for (const s of small) {
      for (const [variant, v] of Object.entries(s.variants)) {
        for (const e of v.expect) {
          const def = () => s.build({ variant, cpus: e.cpus });
          const run = (strategy: () => DfsStrategy | DporStrategy) =>
            explore(new Machine(def(), { invariants: e.only ?? null, memoryModel: TSO2 }), strategy());
          const dfs = run(() => new DfsStrategy());
          for (const mode of ['optimal', 'source'] as const) {
            const dpor = run(() => new DporStrategy(mode));
            const what = `${s.name} [${variant}] ${e.cpus} CPUs ${mode}`;
            expect(`${what}: ${dpor.verdict} ${dpor.violation?.invariant ?? ''}`).toBe(
              `${what}: ${dfs.verdict} ${dfs.violation?.invariant ?? ''}`,
            );
          }
          rows++;
        }
      }
    }
    expect(rows).toBeGreaterThan(20);
  });
});
