import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import type { LinuxBug } from '../src/kernel/linux/known-bugs.ts';
import { buildWorkload, type Workload, workloadArb } from '../src/kernel/linux/workload.ts';
import { Machine } from '../src/model/machine.ts';

/** Every interleaving of the workload, every invariant: the violation, or null. */
function violationOf(w: Workload, bugs: readonly LinuxBug[] = []) {
  const r = explore(new Machine(buildWorkload(w, bugs)), new DfsStrategy());
  expect(r.verdict).not.toBe('incomplete');
  return r.violation;
}

test.prop([workloadArb()], { numRuns: 12, seed: 20261123 })(
  'every invariant holds on every interleaving of small sleep/wake/kill/stop workloads (Linux 6.6)',
  (w) => {
    expect(violationOf(w)).toBeNull();
  },
);

// stale-prev-state is found too, but shrinking it explores many 3-task candidates (minutes): linux/sleep-wake shows it.
for (const bug of ['ttwu-no-on-rq-check'] as const) {
  test(`the same property fails with ${bug} put back, and shrinks to a small workload`, () => {
    const r = fc.check(
      fc.property(workloadArb(2), (w) => violationOf(w, [bug]) === null),
      { numRuns: 40, seed: 7 },
    );
    expect(r.failed).toBe(true);
    const [w] = r.counterexample as [Workload];
    // shrunk: two tasks on at most two CPUs, one of them waking the other
    expect(w.tasks.length).toBe(2);
    expect(w.cpus).toBeLessThanOrEqual(2);
    expect(w.tasks.some((t) => t.action.kind === 'wake')).toBe(true);
    expect(violationOf(w, [bug])).not.toBeNull();
    expect(violationOf(w)).toBeNull();
  });
}
