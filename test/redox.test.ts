import { describe, expect, it } from 'vitest';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { RandomStrategy } from '../src/explorer/random.ts';
import { Machine } from '../src/model/machine.ts';
import type { ScenarioDef } from '../src/model/scenario.ts';
import { findScenario } from '../src/scenarios/index.ts';

function scenario(name: string): ScenarioDef {
  const s = findScenario(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

function machine(name: string, variant: string, cpus: number, invariants: readonly string[]): Machine {
  return new Machine(scenario(name).build({ variant, cpus }), { invariants, maxSteps: 20_000 });
}

function dfs(name: string, variant: string, cpus: number, invariants: readonly string[]) {
  return explore(machine(name, variant, cpus, invariants), new DfsStrategy());
}

const TRACE = ['no-lost-wakeup', 'no-stuck-traced', 'deadlock', 'kernel-assert'];

describe('redox/breakpoint-cont', () => {
  it('2019 on 2 CPUs: the tracee sleeps at its stop after it was continued (W2)', () => {
    const r = dfs('redox/breakpoint-cont', '2019', 2, TRACE);
    expect(r.verdict).toBe('violated');
    expect(r.violation?.invariant).toBe('no-lost-wakeup');
  });
  for (const v of ['2019', '2020']) {
    it(`${v} on 1 CPU holds: no window opens without a second CPU`, () => {
      expect(dfs('redox/breakpoint-cont', v, 1, TRACE).verdict).toBe('holds');
    });
  }
  // The exhaustive 2-CPU run of 2020 holds (131515 states, about a minute): it
  // belongs in the bench. Here a seeded random search that finds the 2019 bug
  // finds nothing in 2020.
  it('2020 on 2 CPUs: the random search that finds the 2019 lost wakeup finds nothing', () => {
    const buggy = explore(machine('redox/breakpoint-cont', '2019', 2, TRACE), new RandomStrategy(3, 400));
    expect(buggy.verdict).toBe('violated');
    const fixed = explore(machine('redox/breakpoint-cont', '2020', 2, TRACE), new RandomStrategy(3, 400));
    expect(fixed.verdict).not.toBe('violated');
  });
});

describe('redox/clone-event', () => {
  const INV = ['child-runs-after-event'];
  for (const v of ['2019', '2020']) {
    it(`${v} on 2 CPUs: the child runs before the tracer has read EVENT_CLONE`, () => {
      const r = dfs('redox/clone-event', v, 2, INV);
      expect(r.verdict).toBe('violated');
      expect(r.violation?.invariant).toBe('child-runs-after-event');
    });
    it(`${v} on 1 CPU holds (the parent reaches the freeze before any switch)`, () => {
      expect(dfs('redox/clone-event', v, 1, INV).verdict).toBe('holds');
    });
  }
});

describe('redox/clone-traced', () => {
  const INV = ['child-runs-after-event', 'traced-child-frozen', 'lock-discipline'];
  for (const v of ['2019', '2020']) {
    it(`${v} on 1 CPU: closing the parent's handle leaves the child its own tracer traces frozen`, () => {
      expect(dfs('redox/clone-traced', v, 1, INV).verdict).toBe('holds');
    });
    it(`${v} on 2 CPUs: the child can still run before its freeze (as in clone-event)`, () => {
      expect(dfs('redox/clone-traced', v, 2, INV).violation?.invariant).toBe('child-runs-after-event');
    });
  }
});

describe('redox/tracee-exit', () => {
  for (const v of ['2019', '2020']) {
    it(`${v} on 2 CPUs: the tracer sleeps on although the tracee exited`, () => {
      const r = dfs('redox/tracee-exit', v, 2, TRACE);
      expect(r.verdict).toBe('violated');
      expect(r.violation?.invariant).toBe('no-lost-wakeup');
      expect(r.violation?.message).toContain('has exited');
    });
    it(`${v} on 1 CPU holds`, () => {
      expect(dfs('redox/tracee-exit', v, 1, TRACE).verdict).toBe('holds');
    });
  }
});

describe('redox/wait-again', () => {
  it('2019 on 1 CPU: PTRACE_FLAG_WAIT while the tracee is still stopped returns at once', () => {
    const r = dfs('redox/wait-again', '2019', 1, TRACE);
    expect(r.verdict).toBe('holds');
  });
  it('2020 on 1 CPU: a read after the session is gone returns at once', () => {
    expect(dfs('redox/wait-again', '2020', 1, TRACE).verdict).toBe('holds');
  });
  it('on 2 CPUs each version loses a wake-up first (W1/W2 at cf0a7620, W5 at cbb17327)', () => {
    const r19 = dfs('redox/wait-again', '2019', 2, TRACE);
    expect(r19.violation?.invariant).toBe('no-lost-wakeup');
    const r20 = dfs('redox/wait-again', '2020', 2, TRACE);
    expect(r20.violation?.message).toContain('session is closed');
  });
});

describe('redox/kill-self', () => {
  const INV = ['signal-delivered'];
  for (const v of ['2019', '2020']) {
    it(`${v}: kill(self) returns after the handler ran, with another runnable context below and above`, () => {
      expect(dfs('redox/kill-self', v, 1, INV).verdict).toBe('holds');
    });
  }
  it('kill() without its switch (before c912f428) returns with the signal still queued', () => {
    const r = dfs('redox/kill-self', '2019-kill-no-switch', 1, INV);
    expect(r.verdict).toBe('violated');
    expect(r.violation?.invariant).toBe('signal-delivered');
  });
});

describe('redox/yield-round-robin', () => {
  const INV = ['yielded'];
  for (const v of ['2019', '2020']) {
    it(`${v}: sched_yield returns after the other runnable context of the CPU ran (switch() scans ids above first)`, () => {
      expect(dfs('redox/yield-round-robin', v, 1, INV).verdict).toBe('holds');
    });
  }
  it('sched_yield without its switch returns before the other context ran', () => {
    const r = dfs('redox/yield-round-robin', 'yield-no-switch', 1, INV);
    expect(r.verdict).toBe('violated');
    expect(r.violation?.invariant).toBe('yielded');
  });
});

describe('redox/syscall-pairing', () => {
  const INV = ['syscall-pairing'];
  for (const v of ['2019', '2020']) {
    it(`${v} on 1 CPU: POST kill is paired with PRE sigreturn`, () => {
      const r = dfs('redox/syscall-pairing', v, 1, INV);
      expect(r.verdict).toBe('violated');
      expect(r.violation?.message).toContain('POST stop of kill with the PRE stop of sigreturn');
    });
  }
});
