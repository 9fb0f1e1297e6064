import { describe, expect, it } from 'vitest';
import { spinLock, switchTo } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import { sleeperCycle } from '../src/model/wait-graph.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import { runFirst } from './helpers.ts';

describe('sleeper cycles', () => {
  it('finds the cycle among wait edges, in order, and nothing when a chain ends', () => {
    const e = (task: number, holder: number, on: string) => ({ task, holder, on });
    expect(sleeperCycle([e(0, 1, 'M2'), e(1, 0, 'M1')])).toEqual([e(0, 1, 'M2'), e(1, 0, 'M1')]);
    expect(sleeperCycle([e(3, 0, 'X'), e(0, 1, 'M2'), e(1, 2, 'M3'), e(2, 0, 'M1')])).toEqual([
      e(0, 1, 'M2'),
      e(1, 2, 'M3'),
      e(2, 0, 'M1'),
    ]);
    expect(sleeperCycle([e(0, 1, 'M2'), e(1, 2, 'M3')])).toBeNull();
    expect(sleeperCycle([])).toBeNull();
  });

  it('the engine reports a cycle of sleeping mutex waiters as a deadlock, naming each link', () => {
    const s = SCENARIOS.find((x) => x.name === 'linux/mutex');
    const r = explore(new Machine(s!.build({ variant: 'abba', cpus: 1 })), new DfsStrategy());
    expect(r.violation?.invariant).toBe('deadlock');
    expect(r.violation?.message).toMatch(/tasks sleep in a cycle.*A waits for M2, held by B; B waits for M1, held by A/);
    // the same two mutexes taken in the same order: no cycle, no deadlock
    expect(explore(new Machine(s!.build({ variant: 'linux-6.6', cpus: 1 })), new DfsStrategy()).verdict).toBe('holds');
  });

  it('a spin on a lock taken by a task that left the CPU does not say the spinner holds it', () => {
    const b = new ModelBuilder(1);
    const L = b.layout.spinlock('L');
    b.task({
      name: 'A',
      startCpu: 0,
      program: function* () {
        yield spinLock(L, 'test A', 'spin_lock(&L)');
        yield switchTo(1, 'test A', -1, 'sleeps holding L');
      },
    });
    b.task({
      name: 'B',
      startCpu: -1,
      program: function* () {
        yield spinLock(L, 'test B', 'spin_lock(&L)');
      },
    });
    const m = runFirst(new Machine(b.build(), { invariants: ['deadlock'] }));
    expect(m.violation?.message).toBe(
      'every live CPU is blocked: CPU0 (B) spins on L (taken on this CPU by A, which left the CPU holding it)',
    );
  });
});
