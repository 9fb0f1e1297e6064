import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioDef } from '../src/model/scenario.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { scenarioModelLines } from './model-lines.ts';

/**
 * Each kernel piece a reviewer reaches for has a scenario written the way a
 * reviewer would write it: the code as it is holds, a variant with a bug of
 * our own design (an override of one function, or of the few lines the
 * piece is about) is violated — in at most 30 lines of model code (imports,
 * comments, the scenario's name, summary and bounds, and its expectation
 * rows not counted: scenarioModelLines).
 */
interface Piece {
  readonly piece: string;
  readonly scenario: string;
  /** the variant running the code as it is, with a holds row on 1 and on 2 CPUs */
  readonly holds: string;
  /** the variant with the invented bug, with a violated row */
  readonly violated: string;
}

const PIECES: readonly Piece[] = [
  { piece: 'overriding a kernel function', scenario: 'linux/task-work', holds: 'linux-6.6', violated: 'no-notify-test' },
  {
    piece: 'thread groups: a process-directed signal',
    scenario: 'linux/thread-signal',
    holds: 'linux-6.6',
    violated: 'no-retarget',
  },
  { piece: 'thread groups: group stop', scenario: 'linux/group-stop', holds: 'linux-6.6', violated: 'count-tested-first' },
  {
    piece: 'thread groups: a tracer that is not the leader, __WNOTHREAD',
    scenario: 'linux/thread-tracer',
    holds: 'linux-6.6',
    violated: 'wnothread-always',
  },
  {
    piece: 'thread groups: zap_other_threads in de_thread',
    scenario: 'linux/exec-zap',
    holds: 'linux-6.6',
    violated: 'zap-without-wake',
  },
  { piece: 'sleeping mutex', scenario: 'linux/mutex', holds: 'linux-6.6', violated: 'waiters-flag-lost' },
  {
    piece: 'ordered, exclusive wait queues',
    scenario: 'linux/exclusive-order',
    holds: 'linux-6.6',
    violated: 'exclusive-at-head',
  },
  { piece: 'wait_on_bit / wake_up_bit', scenario: 'linux/wait-on-bit', holds: 'linux-6.6', violated: 'test-then-queue' },
  { piece: 'wait_event on the Linux model', scenario: 'linux/wait-event', holds: 'linux-6.6', violated: 'test-before-queue' },
  { piece: 'generic sleep/wake helper, toy tick', scenario: 'demo/foreign-lock', holds: 'fixed', violated: 'wake-before-clear' },
  { piece: 'ttwu wake list', scenario: 'linux/wake-list', holds: 'linux-6.6', violated: 'del-all-in-two-steps' },
  { piece: 'sigprocmask', scenario: 'linux/sigprocmask', holds: 'linux-6.6', violated: 'no-recalc' },
  { piece: 'task_work, TIF_NOTIFY_SIGNAL', scenario: 'linux/task-work', holds: 'linux-6.6', violated: 'no-notify-test' },
  { piece: 'per-version constants', scenario: 'linux/kill-exec-stop', holds: 'linux-5.18', violated: 'wakekill-on-6.6-traced' },
  { piece: 'deterministic prologue', scenario: 'linux/kill-exec-stop', holds: 'linux-6.6', violated: 'wakekill-on-6.6-traced' },
  { piece: 'raw tasks sharing a CPU', scenario: 'demo/publish', holds: 'ordered', violated: 'flag-first' },
  { piece: 'ghost snapshots', scenario: 'demo/publish', holds: 'ordered', violated: 'flag-first' },
];

function fileOf(name: string): string {
  return `src/scenarios/${name}.ts`;
}

describe('each piece has a short concern', () => {
  for (const p of PIECES) {
    it(`${p.piece}: ${p.scenario} [${p.holds} holds, ${p.violated} violated] in at most 30 lines`, () => {
      const s = findScenario(p.scenario) as ScenarioDef;
      expect(s, p.scenario).toBeDefined();
      const rows = (v: string) => s.variants[v]?.expect ?? [];
      expect(
        rows(p.holds)
          .filter((r) => r.verdict === 'holds')
          .map((r) => r.cpus),
      ).toEqual(expect.arrayContaining([1, 2]));
      expect(rows(p.violated).some((r) => r.verdict === 'violated')).toBe(true);
      expect(scenarioModelLines(readFileSync(fileOf(p.scenario), 'utf8'))).toBeLessThanOrEqual(30);
    });
  }

  it('the count leaves out imports, comments, the frame and the claims, and counts the rest', () => {
    const src = [
      "import { x } from 'y';",
      '/** a comment */',
      'const A = 1;',
      'export default defineScenario({',
      "  name: 'n',",
      '  variants: { v: { expect: [] } },',
      '  build({ variant, cpus }) {',
      '    // why',
      '    const b = 1;',
      '',
      '    return b;',
      '  },',
      '});',
      'function helper() {',
      '  return A;',
      '}',
    ].join('\n');
    expect(scenarioModelLines(src)).toBe(6);
  });
});
