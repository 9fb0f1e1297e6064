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
  [
    'linux/wait-options',
    'stop-without-wuntraced',
    'wait-reports-asked',
    /^P's waitpid\(C, &status, 0\) returned C stopped by signal 20 \(status 0x147f\)/,
  ],
  [
    'linux/wait-options',
    'continued-without-wcontinued',
    'wait-reports-asked',
    /^P's waitpid\(C, &status, 0\) returned C continued \(status 0xffff\)/,
  ],
  [
    'linux/wait-two-continued',
    'continued-unlocked',
    'continued-once',
    /^the waitpid\(C, WCONTINUED\) calls returned P: C continued \(status 0xffff\), P2: C continued \(status 0xffff\)/,
  ],
  [
    'linux/wait-signal',
    'wait-uninterruptible',
    'signal-taken',
    /^P's waitpid\(C, &status, 0\) returned nothing \(it never returned\) and SIGUSR1 is still pending for P/,
  ],
  [
    'linux/wait-threads',
    'own-children-only',
    'wait-result',
    /^P's wait4\(-1, &status, 0\) returned -ECHILD; it must return C's exit/,
  ],
  [
    'linux/wait-threads',
    'wnothread-ignored',
    'wait-result',
    /^(P's waitpid\(C, &status, __WNOTHREAD\) returned -ECHILD|T's wait4\(-1, &status, __WNOTHREAD\) returned C's exit)/,
  ],
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

  for (const [name, variant] of [
    ['linux/wait-signal', 'linux-6.6'],
    ['linux/wait-threads', 'linux-6.6'],
    ['linux/wait-threads', 'own-child'],
    ['linux/wait-threads', 'wnothread'],
  ] as const) {
    it(`${name} [${variant}] holds on 2 CPUs`, () => {
      const m = makeMachine(findScenario(name)!, { variant, cpus: 2, invariants: null, maxSteps: DEFAULT_MAX_STEPS });
      expect(explore(m, new ReducedDfs()).verdict).toBe('holds');
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
