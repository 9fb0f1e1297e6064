import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PickRunner, runPicks } from '../src/explorer/pick-runs.ts';
import { picksOf } from '../src/explorer/shrink.ts';
import { traceMachine } from './trace-machine.ts';

/** How a shrinker changes a pick list: drop a run of picks, set one, or cut the list. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), pick: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function applyEdit(picks: readonly number[], e: Edit): number[] {
  const p = picks.slice();
  const at = e.at % (p.length + 1);
  if (e.kind === 'drop') p.splice(at, e.n);
  else if (e.kind === 'set') p[at] = e.pick;
  else p.length = at;
  return p;
}

/**
 * Kernel rows with long schedules (their frames' histories are rewritten
 * when a run leaves the base path), a one-CPU row with ticks, and a TSO row
 * (store buffers in the snapshots).
 */
const TRACES = [
  'traces/linux/kill-traced.unfreeze-ignores-sigkill.cpus2.json',
  'traces/linux/resume-vs-wait.pre-fix.cpus1.tick.json',
  'traces/linux/sleep-wake.no-barrier.cpus2.tso.json',
];

describe('runs that start from a saved point of the base run', () => {
  for (const file of TRACES) {
    it(`give the outcome a run from the initial state gives: ${file}`, () => {
      const { m, schedule } = traceMachine(file);
      const fresh = traceMachine(file).m;
      const base = picksOf(m, schedule);
      fc.assert(
        fc.property(fc.array(fc.tuple(edit, fc.boolean()), { minLength: 1, maxLength: 12 }), (edits) => {
          const runner = new PickRunner(m);
          runner.rebase(base);
          let current = base;
          for (const [e, makeBase] of edits) {
            const p = applyEdit(current, e);
            expect(runner.run(p)).toEqual(runPicks(fresh, p));
            // as shrinking does: an accepted candidate becomes the base the next ones are edits of
            if (makeBase) {
              expect(runner.rebase(p)).toEqual(runPicks(fresh, p));
              current = p;
            }
          }
        }),
        { numRuns: 25, seed: 7 },
      );
    });
  }

  it('a run cut because it cannot beat the best ends without a violation, at the step where it fell behind', () => {
    const { m, schedule } = traceMachine(TRACES[0] as string);
    const runner = new PickRunner(m);
    const best = runner.rebase(picksOf(m, schedule));
    expect(best.invariant).not.toBeNull();
    // the completion policy alone takes no preemption and runs longer than the counterexample
    const cut = runner.run([], { ...best, preemptions: 0 });
    expect(cut.invariant).toBeNull();
    expect(cut.schedule.length).toBe(best.schedule.length);
    expect(runPicks(m, []).schedule.length).toBeGreaterThan(best.schedule.length);
  });
});
