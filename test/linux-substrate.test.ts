import { describe, expect, it } from 'vitest';
import { load, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { TASK_DEAD, TASK_UNINTERRUPTIBLE } from '../src/kernel/linux/consts.ts';
import { __set_current_state, set_current_state } from '../src/kernel/linux/include/sched.ts';
import { registerLinuxInvariants } from '../src/kernel/linux/invariants.ts';
import { LinuxKernel } from '../src/kernel/linux/kernel.ts';
import { schedule, wake_up_process } from '../src/kernel/linux/sched/core.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';

/** sleeper and busy start on CPU0, the waker on CPU1; `probe` is an end-state question asked as an invariant. */
function model(cpus: number, probe: (mem: ArrayLike<number>, sleeper: { cpu: number; state: number }) => string | null) {
  const b = new ModelBuilder(cpus);
  const k = new LinuxKernel(b);
  const cond = b.layout.cell('cond', 0);
  const work = b.layout.cell('work', 0);
  const sleeper = k.spawn('sleeper', 0, function* (kk, _me, ctx) {
    for (;;) {
      yield* set_current_state(kk, ctx, TASK_UNINTERRUPTIBLE);
      if (yield load(cond, 'test')) break;
      yield* schedule(kk, ctx);
    }
    yield* __set_current_state(kk, ctx, 0);
  });
  k.spawn('busy', 0, function* () {
    yield store(work, 1, 'test', 'some work on CPU0');
  });
  k.spawn('waker', 1, function* (kk, _me, ctx) {
    yield store(cond, 1, 'test');
    yield* wake_up_process(kk, ctx, sleeper);
  });
  k.finish();
  registerLinuxInvariants(b, k, { sleepsFor: [{ task: sleeper, what: 'cond', holds: (m) => m[cond] === 1 }] });
  b.atEnd({ name: 'probe', check: (w) => probe(w.mem, sleeper) });
  return new Machine(b.build());
}

describe('the Linux substrate', () => {
  // (that every invariant holds here on 3 CPUs is linux/sleep-wake's 3-CPU row; with the extra task it takes minutes)
  it('migrates a woken task to an idle CPU when its own is busy, and it runs to the end there', () => {
    const m = model(3, (mem, s) => (mem[s.cpu] === 2 && mem[s.state] === TASK_DEAD ? 'sleeper ran to its end on CPU2' : null));
    const r = explore(m, new DfsStrategy());
    expect(r.violation).toEqual({ invariant: 'probe', message: 'sleeper ran to its end on CPU2' });
  });

  it('on one CPU never moves a task', () => {
    const r = explore(
      model(1, (mem, s) => (mem[s.cpu] !== 0 ? 'moved' : null)),
      new DfsStrategy(),
    );
    expect(r.verdict).toBe('holds');
  });
});
