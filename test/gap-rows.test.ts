import { describe, expect, it } from 'vitest';
import { explore } from '../src/explorer/explore.ts';
import { DEFAULT_MAX_STEPS, makeMachine } from '../src/explorer/make-machine.ts';
import { ReducedDfs } from '../src/explorer/reduced-dfs.ts';
import { findScenario } from '../src/scenarios/index.ts';

/**
 * The rows that close coverage gaps hold on the kernel's code (their 1-CPU
 * rows run in linux-scenarios.test.ts, their 2-CPU rows in the table); here
 * the same exhaustive search on 2 CPUs finds each bug when it is put back,
 * with the invariant that mirrors the kernel's guarantee and its message.
 */
const KNOWN_BUGS = [
  [
    'linux/exec-kills-threads',
    'killed-in-exec-no-force-sig',
    'no-return-from-failed-exec',
    /^L is back in user mode from an execve that failed \(-11\) past its point of no return/,
  ],
  [
    'linux/exec-kills-threads',
    'killed-in-exec-unlocked-clear',
    'kernel-assert',
    /^wake_up_process\(NULL\): T's __exit_signal took notify_count to 0 with no group_exec_task/,
  ],
  [
    'linux/exec-kills-threads',
    'thread-kills-unlocked-clear',
    'kernel-assert',
    /^wake_up_process\(NULL\): T's __exit_signal took notify_count to 0 with no group_exec_task/,
  ],
  ['linux/two-reapers', 'reap-test-then-set', 'reaped-once', /^waitpid\(C\) returned C and C: C must be reaped by exactly one/],
] as const;

describe('coverage-gap rows: the bug put back is found on 2 CPUs', () => {
  for (const [name, variant, invariant, message] of KNOWN_BUGS) {
    it(`${name} [${variant}]: ${invariant}`, () => {
      const m = makeMachine(findScenario(name)!, { variant, cpus: 2, invariants: null, maxSteps: DEFAULT_MAX_STEPS });
      const r = explore(m, new ReducedDfs());
      expect(r.verdict).toBe('violated');
      expect(r.violation?.invariant).toBe(invariant);
      expect(r.violation?.message).toMatch(message);
    });
  }

  it('linux/two-reapers holds on 2 CPUs: the exit_state cmpxchg lets one waiter reap', () => {
    const m = makeMachine(findScenario('linux/two-reapers')!, {
      variant: 'linux-6.6',
      cpus: 2,
      invariants: null,
      maxSteps: DEFAULT_MAX_STEPS,
    });
    expect(explore(m, new ReducedDfs()).verdict).toBe('holds');
  });
});
