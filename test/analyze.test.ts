import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, happensBeforeSlice, parkedWakes } from '../src/explorer/analyze.ts';
import { renderExplain } from '../src/explorer/explain.ts';
import { parseTrace } from '../src/explorer/trace.ts';
import abba from '../src/scenarios/demo/abba-deadlock.ts';
import lostWakeup from '../src/scenarios/demo/lost-wakeup.ts';
import { firstViolation, handoffModel, sliceModel, traceOf, wakeModel } from './analysis-fixtures.ts';

const LOST = 'traces/demo/lost-wakeup.buggy.cpus2.json';
const ABBA = 'traces/demo/abba-deadlock.buggy.cpus2.json';
const read = (f: string) => parseTrace(readFileSync(f, 'utf8'), f);

describe('happens-before slice', () => {
  it('keeps the steps ordered before the violation and drops independent ones', () => {
    const st = (cpu: number, task: string, reads: number[], writes: number[]) => ({ cpu, task, reads, writes });
    // 1: CPU0 writes c0; 2: CPU1 writes c1; 3: CPU1 reads c0; 4: CPU0 writes c2 (after 1, unrelated to the end)
    const steps = [st(0, 'a', [], [0]), st(1, 'b', [], [1]), st(1, 'b', [0], []), st(0, 'a', [], [2])];
    // the violation reads c1: step 2 wrote it; step 3 comes later on CPU1 and is not needed
    expect(happensBeforeSlice(steps, { reads: [1], cpus: [], includeLast: false })).toEqual([2]);
    // a failing last step on CPU0 needs all of CPU0's earlier steps, nothing of CPU1's
    expect(happensBeforeSlice(steps, { reads: [], cpus: [], includeLast: true })).toEqual([1, 4]);
    // reading c0 at the end: its writer, and CPU1's read of c0 (read before write is ordered too)
    const more = [...steps, st(2, 'c', [], [0])];
    expect(happensBeforeSlice(more, { reads: [0], cpus: [], includeLast: false })).toEqual([1, 2, 3, 5]);
  });

  it('on a small model: the assertion depends on the write it reads, not on the other CPU or the later store', () => {
    const t = traceOf(sliceModel, [0, 1, 0, 1, 2, 2]);
    const a = analyzeTrace(sliceModel, t);
    expect(t.violation.invariant).toBe('x-is-zero');
    expect(a.violationKind).toBe('step');
    expect(a.slice).toEqual([1, 5, 6]);
    // every step of a CPU also touches that CPU's irq/preempt state (an injection there would reorder with it)
    expect(a.footprints[0]).toEqual({ reads: ['CPU0 irq/preempt state'], writes: ['x', 'CPU0 irq/preempt state'] });
    expect(a.footprints[4]).toEqual({ reads: ['x', 'CPU2 irq/preempt state'], writes: ['CPU2 irq/preempt state'] });
    // the race story reads memory only: the CPU-local pseudo cells every step touches bring in nothing
    expect(a.story).toEqual({ steps: [1, 5, 6], edges: [{ from: 1, to: 5, cell: 'x', kind: 'rf' }], repeats: [] });
    const story = renderExplain(t, a, { full: true });
    expect(story).toContain("depends on 3 of the trace's 6 steps");
    expect(story).toMatch(/1\. First CPU0 runs w: x = 1 \(x ← 1\) — test fixture/);
    expect(story).not.toMatch(/y = 2|a = 5/);
  });

  it('a terminal invariant depends on the cells it reads (recorded through an instrumented memory view)', () => {
    const t = read(LOST);
    const a = analyzeTrace(lostWakeup, t);
    expect(a.violationKind).toBe('terminal');
    expect(a.violationReads).toEqual(['cond', 'sleeper.state', 'sleeper.on_rq']);
    // the sleeper's test, the waker's store and its racy read, then (after the waker has ended) the sleeper up to on_rq = 0
    expect(a.slice).toEqual([1, 2, 3, 14, 15, 16, 17, 18]);
    const story = renderExplain(t, a, { full: true });
    expect(story).toContain("depends on 8 of the trace's 23 steps");
    expect(story).toMatch(/3\. Then CPU1 runs waker: if \(sleeper->state == TASK_UNINTERRUPTIBLE\)/);
    expect(story).not.toContain('TASK_DEAD');
    // the race: the sleeper tests cond before the waker sets it, the waker tests the state before the sleeper sets it
    expect(a.story.steps).toEqual([1, 2, 3, 14, 18]);
    expect(a.story.edges).toEqual([
      { from: 1, to: 2, cell: 'cond', kind: 'fr' },
      { from: 3, to: 14, cell: 'sleeper.state', kind: 'fr' },
    ]);
    const race = renderExplain(t, a);
    expect(race).toContain("The race in 5 of the trace's 23 steps");
    expect(race).toContain('↳ step 14 (sleeper on CPU0) then writes sleeper.state over the value read here');
  });

  it('a deadlock depends on the cells the blocked CPUs wait on', () => {
    const a = analyzeTrace(abba, read(ABBA));
    expect(a.violationKind).toBe('deadlock');
    expect(a.violationReads).toEqual(['A', 'B']);
    expect(a.violationCpus).toEqual([0, 1]);
    expect(a.slice).toEqual([1, 2]);
  });
});

describe('wake edges', () => {
  it('an unlock unblocks the CPU spinning on the lock', () => {
    const a = analyzeTrace(handoffModel, traceOf(handoffModel, [0, 0, 1, 1]));
    expect(a.wakes).toEqual([{ from: 2, to: 3, task: 'spinner', kind: 'unblock' }]);
  });

  it('a wakeup that enqueues a parked task points at the step where it next runs', () => {
    const t = firstViolation(wakeModel);
    const wakes = parkedWakes(t);
    expect(wakes).toHaveLength(1);
    const w = wakes[0]!;
    expect(t.steps[w.from - 1]).toMatchObject({ task: 'waker', what: 'activate_task: enqueue' });
    expect(t.steps[w.to - 1]?.task).toBe('sleeper');
    expect(t.steps.slice(w.from, w.to - 1).every((s) => s.task !== 'sleeper')).toBe(true);
    expect(analyzeTrace(wakeModel, t).wakes).toContainEqual({ ...w, kind: 'wake' });
  });

  it('no wake edge where nobody wakes anybody (the lost wakeup)', () => {
    expect(parkedWakes(read(LOST))).toEqual([]);
  });
});
