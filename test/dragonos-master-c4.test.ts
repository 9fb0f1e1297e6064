import { describe, expect, it } from 'vitest';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { DEFAULT_MAX_STEPS, runScenario } from '../src/explorer/run.ts';
import { Machine } from '../src/model/machine.ts';
import c4 from '../src/scenarios/dragonos/c4-mark-stop-vs-sigcont.ts';

const ONLY = ['no-lost-wakeup'];

function check(variant: string, cpus: number, invariants: string[] = ONLY, irq?: Record<string, number>) {
  const { search } = runScenario(c4, {
    variant,
    cpus,
    strategy: 'dfs',
    seed: 1,
    runs: 1,
    invariants,
    maxSteps: DEFAULT_MAX_STEPS,
    ...(irq ? { irq } : {}),
    cache: true,
    shrink: false,
    budget: {},
  });
  return { verdict: search.verdict, invariant: search.violation?.invariant ?? null };
}

/** Every end state of the one-CPU master search: T's state, the last job-control event and the group flags. */
function endStates(): Set<string> {
  const def = c4.build({ variant: 'master', cpus: 1 });
  const L = def.layout;
  const seen = new Set<string>();
  const cells = ['T.state', 'ghost.last_job_control_event', 'sighand.flags'].map((n) => L.addr(n));
  const record = {
    name: 'record',
    check: (w: { mem: ArrayLike<number> }) => {
      seen.add(cells.map((a) => L.format(a, w.mem[a] as number)).join(' / '));
      return null;
    },
  };
  const m = new Machine({ ...def, terminal: [...def.terminal, record] }, { invariants: [...ONLY, 'record'], maxSteps: 20_000 });
  expect(explore(m, new DfsStrategy({ cache: false })).verdict).toBe('holds');
  return seen;
}

describe('dragonos/c4-mark-stop-vs-sigcont on master (transition_group_stop / _continue)', () => {
  it('the search reaches the stop, and a SIGCONT that finds the published stop wakes T', () => {
    const ends = endStates();
    // T stopped by sig_stop, with the group stop published and no SIGCONT after it
    expect(ends).toContain('Stopped / stop published / CLD_STOPPED|STOP_STOPPED');
    // S's transition_group_continue found STOP_STOPPED: wakeup_stop made T Runnable
    expect(ends).toContain('Runnable / SIGCONT / CLD_CONTINUED|STOP_CONTINUED');
    // never: Stopped after a SIGCONT that came after the published stop
    expect([...ends].filter((e) => e.startsWith('Stopped / SIGCONT'))).toEqual([]);
  });

  it('holds on one CPU where pr1663 and head lose the SIGCONT (same search, same invariant)', () => {
    expect(check('master', 1).verdict).toBe('holds');
    expect(check('pr1663', 1)).toEqual({ verdict: 'violated', invariant: 'no-lost-wakeup' });
    expect(check('head', 1)).toEqual({ verdict: 'violated', invariant: 'no-lost-wakeup' });
  });

  it('loses a SIGCONT that lands between the dequeue of SIGTSTP and transition_group_stop (a tick opens it on one CPU)', () => {
    const AFTER = ['no-stop-after-sigcont'];
    expect(check('master', 1, AFTER)).toEqual({ verdict: 'violated', invariant: 'no-stop-after-sigcont' });
    expect(check('master', 1, AFTER, { 'timer@cpu0': 0 }).verdict).toBe('holds');
  });
});
