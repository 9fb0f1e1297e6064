/**
 * `ptrace-mc/vitest`: matchers for the results of `check` (import this
 * module once, e.g. in a test file or a setup file):
 *
 *   expect(await check(scenario, { variant: 'fixed', cpus: 2 })).toHold();
 *   expect(await check(scenario, { variant: 'buggy', cpus: 2 })).toBeViolated('no-lost-wakeup');
 *
 * A failure says what the search found: the verdict and its counts, and for
 * a violation the `explain` story of the counterexample and its trace file.
 */
import { expect } from 'vitest';
import { type CheckResult, storyOf } from './check.ts';

function isResult(x: unknown): x is CheckResult {
  return typeof x === 'object' && x !== null && 'verdict' in x && 'scenario' in x && 'variant' in x;
}

function row(r: CheckResult): string {
  return `${r.scenario} [${r.variant}] on ${r.cpus} CPU${r.cpus === 1 ? '' : 's'} (${r.strategy})`;
}

/** What the search found, in a few lines: the verdict and counts; a violation's story and trace. */
export function describeResult(r: CheckResult): string {
  const counts = `${r.executions} executions${r.states !== null ? `, ${r.states} states` : ''}`;
  if (r.verdict === 'holds') return `${row(r)}: holds — every interleaving explored (${counts})`;
  if (r.verdict === 'incomplete') {
    return `${row(r)}: incomplete — stopped by ${r.stoppedBy ?? 'its budget'} after ${counts}; not a proof`;
  }
  const story = storyOf(r);
  return [
    `${row(r)}: violated ${r.invariant} — ${r.message}`,
    `found after ${counts}`,
    ...(story ? ['', story.trimEnd(), ''] : []),
    ...(r.trace ? [`trace: ${r.trace} (replay it: npx ptrace-mc replay ${r.trace})`] : []),
  ].join('\n');
}

expect.extend({
  toHold(received: unknown) {
    if (!isResult(received)) return { pass: false, message: () => 'expected the result of check(…) from ptrace-mc' };
    const pass = received.verdict === 'holds';
    return {
      pass,
      message: () =>
        pass ? `expected a violation, but ${describeResult(received)}` : `expected it to hold, but:\n${describeResult(received)}`,
    };
  },
  toBeViolated(received: unknown, invariant?: string) {
    if (!isResult(received)) return { pass: false, message: () => 'expected the result of check(…) from ptrace-mc' };
    const pass = received.verdict === 'violated' && (invariant === undefined || received.invariant === invariant);
    const want = invariant === undefined ? 'a violation' : `${invariant} violated`;
    return {
      pass,
      message: () =>
        pass ? `expected no ${want}, but:\n${describeResult(received)}` : `expected ${want}, but:\n${describeResult(received)}`,
    };
  },
});

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: the type parameter must match vitest's own declaration
  interface Matchers<T = any> {
    /** every interleaving within the stated bounds was explored and no invariant broke */
    toHold(): void;
    /** the search found a violation (of this invariant, when named) */
    toBeViolated(invariant?: string): void;
  }
}
