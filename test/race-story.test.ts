import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../src/explorer/analyze.ts';
import { renderExplain } from '../src/explorer/explain.ts';
import { type RaceStep, raceStory, STORY_LIMIT } from '../src/explorer/race-story.ts';
import { parseTrace, type TraceFile } from '../src/explorer/trace.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { traceFiles } from './helpers.ts';

/** A hand-made step: reads and writes by cell name; a write changes the value unless listed in `same`. */
function st(
  cpu: number,
  task: string,
  reads: string[],
  writes: string[],
  more: { same?: string[]; sync?: boolean; irqSwitch?: boolean; code?: string } = {},
): RaceStep {
  const same = more.same ?? [];
  return {
    cpu,
    task,
    code: more.code ?? `${task}:${reads.join(',')}>${writes.join(',')}`,
    reads,
    writes: [...writes, ...same],
    changes: writes,
    sync: more.sync ?? false,
    irqSwitch: more.irqSwitch ?? false,
  };
}
const terminal = (reads: string[]) => ({ reads, failingStep: false, blockedCpus: [] });

describe('race story on hand-made steps', () => {
  it('follows a value across CPUs, not the reader’s program order', () => {
    const steps = [
      st(1, 'P', [], ['T.injected']), // 1: the tracer writes
      st(0, 'T', ['a'], ['a']), // 2–4: T's own work, nothing to do with P
      st(0, 'T', ['a'], ['b']),
      st(0, 'T', ['b'], ['c']),
      st(0, 'T', ['T.injected'], []), // 5: T reads what P wrote
      st(0, 'T', ['c'], ['c']), // 6: more own work
      st(0, 'T', [], ['T.in_user']), // 7: the violation reads this
    ];
    const s = raceStory(steps, terminal(['T.in_user']));
    expect(s.steps).toEqual([1, 5, 7]);
    expect(s.edges).toEqual([{ from: 1, to: 5, cell: 'T.injected', kind: 'rf' }]);
  });

  it('the racing pair: a read on one CPU, then the conflicting write on the other (from-read)', () => {
    const steps = [
      st(1, 'P', ['P.x'], ['P.x']), // 1: P's own work
      st(1, 'P', ['T.state'], []), // 2: the tracer reads T.state (Running)
      st(1, 'P', ['P.y'], ['P.y']), // 3
      st(0, 'T', [], ['T.state']), // 4: T writes TracedStopped after the read
    ];
    const s = raceStory(steps, terminal(['T.state']));
    expect(s.steps).toEqual([2, 4]);
    expect(s.edges).toEqual([{ from: 2, to: 4, cell: 'T.state', kind: 'fr' }]);
  });

  it('a failed trylock reads from the other holder through its own lock traffic; its retries stay together', () => {
    const L = 'T.sig_info';
    const steps = [
      st(1, 'S', [L], [L], { sync: true }), // 1: S takes the read lock
      st(0, 'T', [L], [L], { sync: true }), // 2: T takes it too
      st(0, 'T', [L], [L], { sync: true }), // 3: and drops it
      st(0, 'T', [L], [], { code: 'try_write' }), // 4–6: three failed write trylocks
      st(0, 'T', [L], [], { code: 'try_write' }),
      st(0, 'T', [L], [], { code: 'try_write' }),
      st(0, 'T', [], ['T.in_user']), // 7: back to user mode
      st(1, 'S', [L], [L], { sync: true }), // 8: S drops its read lock
    ];
    const s = raceStory(steps, terminal(['T.in_user']));
    expect(s.steps).toEqual([1, 4, 5, 6, 7, 8]);
    expect(s.repeats).toEqual([
      { step: 5, of: 4 },
      { step: 6, of: 4 },
    ]);
    expect(s.edges).toContainEqual({ from: 1, to: 4, cell: L, kind: 'rf' });
    expect(s.edges).toContainEqual({ from: 6, to: 8, cell: L, kind: 'fr' });
    // lock and unlock steps themselves are synchronisation, not the race: T's own ones stay out
    expect(s.steps).not.toContain(2);
    expect(s.steps).not.toContain(3);
  });

  it('a lost update: a same-value store between another task’s read and write (ww)', () => {
    const F = 'T.flags';
    const steps = [
      st(0, 'T', [F], []), // 1: T reads the flags (HAS_PENDING_SIGNAL)
      st(1, 'S', [F], []), // 2: S reads them
      st(1, 'S', [], [], { same: [F] }), // 3: S writes HAS_PENDING_SIGNAL (already set)
      st(0, 'T', [], [F]), // 4: T writes its copy without the flag
    ];
    const s = raceStory(steps, terminal([F]));
    expect(s.steps).toEqual([1, 3, 4]);
    expect(s.edges).toEqual([
      { from: 1, to: 3, cell: F, kind: 'fr' },
      { from: 3, to: 4, cell: F, kind: 'ww' },
    ]);
    // a same-value store that nobody overwrites afterwards makes no read stale
    expect(raceStory(steps.slice(0, 3), terminal([])).edges).toEqual([]);
  });

  it('a read of another task’s untouched field counts (P sees T still queued)', () => {
    const steps = [
      st(0, 'T', ['T.x'], ['T.x']), // 1: T runs on CPU0 (its fields are named after it)
      st(1, 'P', ['P.a'], ['P.a']),
      st(1, 'P', ['T.on_rq'], []), // 3: T.on_rq as it was at the start
      st(1, 'P', ['P.b'], ['P.b']),
      st(1, 'P', ['rq0.nr'], ['rq0.nr']), // 5: the second enqueue
    ];
    expect(raceStory(steps, terminal(['rq0.nr'])).steps).toEqual([3, 5]);
    // a cell named after no task is nobody's field
    const renamed = steps.map((s) => ({ ...s, reads: s.reads.map((c) => c.replace('T.on_rq', 'X.on_rq')) }));
    expect(raceStory(renamed, terminal(['rq0.nr'])).steps).toEqual([5]);
  });

  it('a failing check of the irq state brings the task’s last switches of interrupts', () => {
    const steps = [
      st(0, 'T', [], [], { irqSwitch: true }), // 1: cli
      st(0, 'T', ['x'], ['x']),
      st(0, 'T', [], [], { irqSwitch: true }), // 3: sti
      st(0, 'T', ['x'], []),
      st(0, 'T', [], []), // 5: the check
    ];
    expect(raceStory(steps, { reads: [], failingStep: true, blockedCpus: [] }).steps).toEqual([1, 3, 5]);
  });

  it('a deadlock starts from the blocked CPUs’ last steps', () => {
    const steps = [st(1, 'S', [], ['pending']), st(0, 'T', ['pending'], []), st(0, 'T', ['T.x'], ['T.x'])];
    const s = raceStory(steps, { reads: ['flags'], failingStep: false, blockedCpus: [0] });
    expect(s.steps).toEqual([1, 2, 3]);
  });

  it('keeps at most the limit, nearest to the violation first', () => {
    // T reads, one after the other, 20 values P wrote; only the last few make the story
    const steps: RaceStep[] = [];
    for (let i = 0; i < 20; i++) steps.push(st(1, 'P', [], [`v${i}`]));
    for (let i = 0; i < 20; i++) steps.push(st(0, 'T', [`v${i}`], []));
    steps.push(st(0, 'T', [], ['T.done']));
    const s = raceStory(steps, terminal(['T.done']), 5);
    // 41 leads; T's reads cost their distance back (40: 1, 39: 2, 38: 3), a writer one more than its reader (20: 2)
    expect(s.steps).toEqual([20, 38, 39, 40, 41]);
    expect(raceStory(steps, terminal(['T.done']), 5)).toEqual(s);
  });
});

/** The DragonOS traces: what the story must name, as a reviewer would point at it. */
const DRAGONOS = traceFiles('traces/dragonos');
const read = (f: string): TraceFile => parseTrace(readFileSync(f, 'utf8'), f);
const story = (f: string) => {
  const t = read(f);
  const a = analyzeTrace(findScenario(t.scenario)!, t);
  return { t, a, whats: a.story.steps.map((k) => `${t.steps[k - 1]?.task}: ${t.steps[k - 1]?.what}`) };
};

describe('race stories of the DragonOS traces', () => {
  it('there are DragonOS traces', () => {
    expect(DRAGONOS.length).toBeGreaterThan(10);
  });

  for (const f of DRAGONOS) {
    it(`${f}: at most ${STORY_LIMIT} steps, with the pair that raced`, () => {
      const { t, a } = story(f);
      expect(a.story.steps.length).toBeGreaterThan(0);
      expect(a.story.steps.length).toBeLessThanOrEqual(STORY_LIMIT);
      const tasks = new Set(t.steps.map((s) => s.task));
      if (tasks.size === 1) {
        // one task alone (irq discipline): no race, the failing step and where interrupts were switched
        if (a.violationKind !== 'terminal') expect(a.story.steps).toContain(t.steps.length);
      }
      const storyTasks = new Set(a.story.steps.map((k) => t.steps[k - 1]?.task));
      if (tasks.size === 1 || (a.violationKind === 'terminal' && storyTasks.size === 1)) {
        // a bug that needs no race, caught by the end-of-execution check: the story ends at the last write that check reads
        if (a.violationKind === 'terminal') expect(a.story.steps.at(-1)).toBe(a.slice.at(-1));
        return;
      }
      // an edge between two tasks, on two CPUs whenever the trace has two
      const pair = a.story.edges.find((e) => {
        const x = t.steps[e.from - 1];
        const y = t.steps[e.to - 1];
        return x && y && x.task !== y.task && (t.options.cpus === 1 || x.cpu !== y.cpu);
      });
      expect(pair, 'a cross-task pair in the story').toBeDefined();
      const text = renderExplain(t, a);
      expect(text).toContain(`The race in ${a.story.steps.length} of the trace's ${t.steps.length} steps`);
      expect(text).toContain('Steps of the same task in between are left out');
    });
  }

  it('c1: the other CPU holds T.sig_info while T’s five write trylocks fail', () => {
    const { whats, a } = story('traces/dragonos/c1-siginfo-trylock.pr1663.cpus2.json');
    expect(whats.filter((w) => /^T: try_siginfo_mut\(5\) attempt \d: try_write$/.test(w))).toHaveLength(5);
    expect(a.story.repeats).toEqual([98, 101, 104, 107].map((step) => ({ step, of: 95 })));
    expect(whats).toContain('S: pcb.sig_info_irqsave(): read lock');
    expect(whats).toContain('S: drop(sig_info)');
    expect(whats).toContain('P: injected_signal = resume_signal');
    expect(a.story.edges).toContainEqual({ from: 67, to: 95, cell: 'T.sig_info', kind: 'rf' });
    expect(a.story.edges).toContainEqual({ from: 107, to: 118, cell: 'T.sig_info', kind: 'fr' });
  });

  it('c3: detach sees T still on rq0 and enqueues it a second time', () => {
    for (const f of ['c3-detach-wakeup.pr1663.cpus2.json', 'c3-detach-wakeup.head.cpus2.json']) {
      const { whats } = story(`traces/dragonos/${f}`);
      expect(whats).toContain('P: if se.on_rq()');
      expect(whats).toContain('P: second loop h_nr_running += 1; rq.add_nr_running(1)');
    }
    const { whats } = story('traces/dragonos/c3-detach-wakeup.head.cpus2.json');
    // and T, still on the runqueue, sees Runnable in __schedule and does not leave it
    expect(whats).toContain('P: set_state(Runnable)');
    expect(whats).toContain('T: is_mark_sleep()');
  });

  it('c4: SIGCONT from the other CPU between the stop flags and mark_stop', () => {
    const { whats, a, t } = story('traces/dragonos/c4-mark-stop-vs-sigcont.pr1663.cpus2.json');
    expect(whats).toContain('T: flags_insert(STOP_STOPPED)');
    expect(whats).toContain('S: kill(T, SIGCONT)');
    expect(whats).toContain('T: set_state(Stopped(sig))');
    const stop = a.story.steps.find((k) => t.steps[k - 1]?.what === 'set_state(Stopped(sig))');
    const sigcont = a.story.steps.find((k) => t.steps[k - 1]?.what === 'kill(T, SIGCONT)');
    const flags = a.story.steps.find((k) => t.steps[k - 1]?.what === 'flags_insert(STOP_STOPPED)');
    expect(flags! < sigcont! && sigcont! < stop!).toBe(true);
    // S read T.state before T wrote Stopped: the from-read edge of the race
    expect(a.story.edges.some((e) => e.kind === 'fr' && e.to === stop && e.cell === 'T.state')).toBe(true);
  });
});

describe('a story when what the check reads was never written', () => {
  it('linux/stop-cont continue-reported: the SIGCONT that set the flags, the job that consumed them, the shell that found nothing', () => {
    const { whats, t, a } = story('traces/linux/stop-cont.sigcont-no-stop-continued.cpus2.json');
    // the shell's ghost was never written (its wait never returned the continue): the story is not empty
    expect(a.violationReads).toContain('ghost.shell_got');
    expect(t.steps.some((s) => s.changes.some((c) => c.path[1] === 'ghost.shell_got'))).toBe(false);
    expect(whats).toContain('sender: if (signal->flags & SIGNAL_STOP_STOPPED)');
    expect(whats.some((w) => w.startsWith('sender: sig->flags = (sig->flags & ~SIGNAL_STOP_MASK) | flags'))).toBe(true);
    expect(whats).toContain('job: signal->flags &= ~SIGNAL_CLD_MASK: store');
    // and the shell's last look at the job's flags, as the job left them
    const shell = a.story.steps.filter((k) => t.steps[k - 1]?.task === 'shell');
    expect(shell.length).toBeGreaterThan(0);
    expect(a.story.edges.some((e) => shell.includes(e.to) && e.cell === 'job.signal.flags' && e.kind === 'rf')).toBe(true);
  });
});
