import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mermaid from 'mermaid';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, type TraceAnalysis } from '../src/explorer/analyze.ts';
import { renderExplain } from '../src/explorer/explain.ts';
import { renderHtml } from '../src/explorer/render-html.ts';
import { keptSteps, renderMermaid, renderMermaidStory } from '../src/explorer/render-mermaid.ts';
import { renderPerfetto, STEP_US, TASK_TID_BASE, type TraceEvent } from '../src/explorer/render-perfetto.ts';
import { renderText } from '../src/explorer/render-text.ts';
import { parseTrace, type TraceFile } from '../src/explorer/trace.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { firstViolation, wakeModel } from './analysis-fixtures.ts';
import { traceFiles } from './helpers.ts';
import { mermaidProblems } from './mermaid-check.ts';

const BIN = resolve('bin/ptrace-mc.js');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** Mermaid's own parser (it runs headless in Node): throws on a syntax error. */
async function mermaidParses(src: string): Promise<string> {
  const r = await mermaid.parse(src);
  return r ? r.diagramType : 'not parsed';
}

async function checkMermaid(t: TraceFile, a: TraceAnalysis): Promise<void> {
  const src = renderMermaid(t, a);
  expect(await mermaidParses(src)).toBe('sequence');
  expect(mermaidProblems(src)).toEqual([]);
  const lines = src.trimEnd().split('\n');
  for (let c = 0; c < t.options.cpus; c++) expect(lines).toContain(`  participant CPU${c}`);
  // Every step is either its own message (numbered, with its task) or inside a folded note of its CPU.
  const kept = keptSteps(t, a);
  for (const s of t.steps) {
    if (kept.has(s.step)) {
      expect(lines.some((l) => l.startsWith(`  CPU${s.cpu}->>CPU${s.cpu}: ${s.step} ${s.task}: `))).toBe(true);
    } else {
      const folded = lines.some((l) => {
        const m = new RegExp(`^  Note over CPU${s.cpu}: (\\d+)(?:–(\\d+))? `).exec(l);
        return m !== null && Number(m[1]) <= s.step && s.step <= Number(m[2] ?? m[1]);
      });
      expect(folded, `step ${s.step} is shown or folded`).toBe(true);
    }
  }
  // Every step that touches a cell another CPU touches is kept.
  const cpusOf = new Map<string, Set<number>>();
  t.steps.forEach((s, i) => {
    for (const c of [...(a.footprints[i]?.reads ?? []), ...(a.footprints[i]?.writes ?? [])]) {
      cpusOf.set(c, (cpusOf.get(c) ?? new Set()).add(s.cpu));
    }
  });
  t.steps.forEach((s, i) => {
    const f = a.footprints[i];
    if ([...(f?.reads ?? []), ...(f?.writes ?? [])].some((c) => (cpusOf.get(c)?.size ?? 0) > 1))
      expect(kept.has(s.step)).toBe(true);
  });
  expect(lines[lines.length - 1]).toMatch(new RegExp(`^  Note over CPU0(,CPU\\d+)?: VIOLATED ${t.violation.invariant}: `));
  // The steps of the race story are kept and starred, and only they.
  const starred = lines.filter((l) => l.endsWith(' ★')).map((l) => Number(/: (\d+) /.exec(l)?.[1]));
  expect(starred).toEqual(a.story.steps);
}

/** The story-only diagram: the story's steps in order, an arrow per cross-task edge, notes for the rest. */
async function checkMermaidStory(t: TraceFile, a: TraceAnalysis): Promise<void> {
  const src = renderMermaidStory(t, a);
  expect(await mermaidParses(src)).toBe('sequence');
  expect(mermaidProblems(src)).toEqual([]);
  const lines = src.trimEnd().split('\n');
  const shown = lines.flatMap((l) => {
    const m = /^ {2}CPU(\d+)->>CPU(\d+): (\d+) /.exec(l);
    return m ? [Number(m[3])] : [];
  });
  expect(shown).toEqual(a.story.steps);
  expect(lines.filter((l) => / {2}CPU\d+-->>CPU\d+: /.test(l))).toHaveLength(a.story.edges.length);
  // every step is shown or counted in a note
  const left = lines.reduce((n, l) => n + Number(/: (\d+) steps? left out/.exec(l)?.[1] ?? 0), 0);
  expect(left + shown.length).toBe(t.steps.length);
  // the header, its comment, one line per participant, a note of what is left out at the end and the verdict's
  // note; then each story step with at most a note before and after it, and an arrow per edge
  const participants = lines.filter((l) => /^ {2}participant /.test(l)).length;
  expect(lines.length).toBeLessThanOrEqual(4 + participants + 3 * a.story.steps.length + a.story.edges.length);
}

function checkPerfetto(t: TraceFile, a: TraceAnalysis): TraceEvent[] {
  const doc = JSON.parse(renderPerfetto(t, a));
  expect(doc.displayTimeUnit).toBe('ns');
  expect(doc.otherData).toMatchObject({ scenario: t.scenario, variant: t.variant, schedule: t.schedule.join(' ') });
  const ev = doc.traceEvents as TraceEvent[];
  const named = (pid: number) =>
    ev.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid).map((e) => e.args?.name);
  expect(named(1)).toEqual(Array.from({ length: t.options.cpus }, (_, c) => `CPU${c}`));
  expect(named(2)).toEqual(Object.keys(t.initial.tasks));
  // One complete slice per step on its CPU's track, at logical time step × 10 µs.
  const slices = ev.filter((e) => e.ph === 'X' && e.pid === 1);
  expect(slices).toHaveLength(t.steps.length);
  t.steps.forEach((s, i) => {
    expect(slices[i]).toMatchObject({
      tid: s.cpu,
      ts: s.step * STEP_US,
      dur: STEP_US,
      name: s.what,
      args: { task: s.task, ref: s.ref },
    });
  });
  // Task tracks: per task, slices that tile the time without overlap.
  const tasks = ev.filter((e) => e.ph === 'X' && e.pid === 2);
  for (let i = 0; i < Object.keys(t.initial.tasks).length; i++) {
    const mine = tasks.filter((e) => e.tid === TASK_TID_BASE + i).sort((x, y) => (x.ts ?? 0) - (y.ts ?? 0));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]?.ts).toBe(STEP_US);
    for (let k = 1; k < mine.length; k++) expect(mine[k]?.ts).toBe((mine[k - 1]?.ts ?? 0) + (mine[k - 1]?.dur ?? 0));
  }
  // the steps of the race story carry `race` in their args, and only they
  expect(slices.filter((e) => (e.args as { race?: boolean } | undefined)?.race).map((e) => e.args?.step)).toEqual(a.story.steps);
  const inst = ev.filter((e) => e.ph === 'i');
  expect(inst).toEqual([
    expect.objectContaining({ s: 'g', name: `VIOLATED ${t.violation.invariant}`, ts: (t.steps.length + 1) * STEP_US }),
  ]);
  // Flow arrows come in s/f pairs, each end inside the slice of its step.
  const starts = ev.filter((e) => e.ph === 's');
  const ends = ev.filter((e) => e.ph === 'f');
  expect(starts.length).toBe(a.wakes.length);
  expect(ends.length).toBe(a.wakes.length);
  a.wakes.forEach((w, i) => {
    const s = starts[i] as TraceEvent;
    const f = ends.find((e) => e.id === s.id) as TraceEvent;
    expect(f.bp).toBe('e');
    const inSlice = (e: TraceEvent, step: number) =>
      slices.some(
        (x) => x.tid === e.tid && (x.ts ?? 0) <= (e.ts ?? 0) && (e.ts ?? 0) < (x.ts ?? 0) + STEP_US && x.ts === step * STEP_US,
      );
    expect(inSlice(s, w.from)).toBe(true);
    expect(inSlice(f, w.to)).toBe(true);
  });
  return ev;
}

function checkHtml(t: TraceFile, a: TraceAnalysis): void {
  const html = renderHtml(t, a);
  expect(html.startsWith('<!doctype html>')).toBe(true);
  // self-contained: nothing fetched from anywhere
  expect(html).not.toMatch(/https?:\/\//);
  expect(html).not.toMatch(/<link|<img|<iframe|\ssrc=|@import|url\(/i);
  const data = /<script type="application\/json" id="trace-data">(.*?)<\/script>/s.exec(html);
  expect(data).not.toBeNull();
  const parsed = JSON.parse(data?.[1] as string);
  expect(parsed.steps).toEqual(JSON.parse(JSON.stringify(t.steps)));
  expect(parsed.slice).toEqual(a.slice);
  expect(parsed.story).toEqual(a.story.steps);
  expect(html).toContain(`VIOLATED ${t.violation.invariant}`);
}

describe('the Mermaid structure check', () => {
  it("Mermaid's parser rejects a broken diagram (so it can fail)", async () => {
    await expect(mermaidParses('sequenceDiagram\n  participant A\n  A->>A: x\n')).resolves.toBe('sequence');
    await expect(mermaidParses('sequenceDiagram\n  A->>A: a; b #\n  A-->>: \n')).rejects.toThrow(/Parse error/);
  });

  it('rejects what would break a diagram', () => {
    const p = (body: string) => mermaidProblems(`sequenceDiagram\n  participant CPU0\n${body}\n`);
    expect(p('  CPU0->>CPU0: fine [a → b], c: d')).toEqual([]);
    expect(p('  CPU0->>CPU1: x')).toEqual(['line 3: undeclared participant CPU1']);
    expect(p('  CPU0->>CPU0: a; b')).toEqual(['line 3: ";" or "#" in text would end the statement']);
    expect(p('  Note over CPU0: a <b>')).toEqual(['line 3: "<" in text may be read as HTML']);
    expect(p('  CPU0 does things')).toEqual(['line 3: not a statement:   CPU0 does things']);
    expect(mermaidProblems('graph TD\n')).toContain('line 1 must be "sequenceDiagram", got "graph TD"');
  });
});

describe('every trace under traces/ renders in every format', () => {
  const files = traceFiles('traces');
  it('there are traces', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(f, async () => {
      const t = parseTrace(readFileSync(f, 'utf8'), f);
      const s = findScenario(t.scenario);
      expect(s).toBeDefined();
      const a = analyzeTrace(s!, t);
      expect(renderText(t)).toContain(t.violation.message);
      await checkMermaid(t, a);
      await checkMermaidStory(t, a);
      checkPerfetto(t, a);
      checkHtml(t, a);
      const full = renderExplain(t, a, { full: true });
      expect(full).toContain(`depends on ${a.slice.length} of the trace's ${t.steps.length} steps`);
      for (const k of a.slice) expect(full).toContain(`${String(k).padStart(4)}. `);
      const story = renderExplain(t, a);
      expect(story).toContain(`The race in ${a.story.steps.length} of the trace's ${t.steps.length} steps`);
      const listed = [...story.matchAll(/^ {0,3}(\d+)\. /gm)].map((m) => Number(m[1]));
      expect(listed).toEqual(a.story.steps);
    });
  }
  it('a trace with a wakeup gets a flow arrow from the waker to the woken task', async () => {
    const t = firstViolation(wakeModel);
    const a = analyzeTrace(wakeModel, t);
    const ev = checkPerfetto(t, a);
    expect(ev.filter((e) => e.ph === 's').map((e) => e.name)).toContain('wake sleeper');
    await checkMermaid(t, a);
    checkHtml(t, a);
  });
});

describe('ptrace-mc render / explain', () => {
  const T = 'traces/demo/lost-wakeup.buggy.cpus2.json';
  it('prints each format', () => {
    const m = run(['render', T, '--format', 'mermaid']);
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/^sequenceDiagram\n/);
    expect(m.out).toContain('CPU1->>CPU1: 3 waker: if (sleeper->state == TASK_UNINTERRUPTIBLE) [sleeper.state → TASK_RUNNING]');
    const p = run(['render', T, '--format', 'perfetto']);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out).traceEvents.length).toBeGreaterThan(23);
    const h = run(['render', T, '--format', 'html']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('<title>demo/lost-wakeup [buggy] on 2 CPUs — no-lost-wakeup</title>');
    expect(run(['render', T, '--format', 'text']).out).toBe(run(['render', T]).out);
    const s = run(['render', T, '--format', 'mermaid', '--story']);
    expect(s.code).toBe(0);
    expect(s.out).toContain('  CPU0-->>CPU1: cond: read at 1, overwritten at 2\n  CPU1->>CPU1: 2 waker: cond = 1 [cond ← 1]');
  });

  it('explains the lost wakeup in its 5-step race, and in its 8 causal steps with --full', () => {
    const r = run(['explain', T]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("The race in 5 of the trace's 23 steps");
    expect(r.out).toContain('↳ step 2 (waker on CPU1) then writes cond over the value read here');
    const f = run(['explain', T, '--full']);
    expect(f.code).toBe(0);
    expect(f.out).toContain("depends on 8 of the trace's 23 steps");
    expect(f.out).toContain('2. Then CPU1 runs waker: cond = 1 (cond ← 1) — demo lost-wakeup waker.');
    expect(f.out).not.toContain('TASK_DEAD');
  });

  it('explain --json gives the slice with CPU, task and source of each step', () => {
    const r = run(['explain', T, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ invariant: 'no-lost-wakeup', violationKind: 'terminal', traceSteps: 23 });
    expect(j.slice.map((s: { step: number }) => s.step)).toEqual([1, 2, 3, 14, 15, 16, 17, 18]);
    expect(j.story.map((s: { step: number }) => s.step)).toEqual([1, 2, 3, 14, 18]);
    expect(j.storyEdges).toContainEqual({ from: 3, to: 14, cell: 'sleeper.state', kind: 'fr' });
    expect(j.slice[2]).toEqual({
      step: 3,
      cpu: 1,
      task: 'waker',
      what: 'if (sleeper->state == TASK_UNINTERRUPTIBLE)',
      detail: 'sleeper.state → TASK_RUNNING',
      ref: 'demo lost-wakeup waker',
    });
  });

  it('is byte-identical run to run', () => {
    for (const fmt of ['mermaid', 'perfetto', 'html'])
      expect(run(['render', T, '--format', fmt]).out).toBe(run(['render', T, '--format', fmt]).out);
    const D = 'traces/dragonos/c1-siginfo-trylock.pr1663.cpus2.json';
    expect(run(['explain', D]).out).toBe(run(['explain', D]).out);
  });

  const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-render-'));
  const stale = join(dir, 'stale.json');
  const good = JSON.parse(readFileSync(T, 'utf8'));
  good.steps[2].detail = 'sleeper.state → TASK_DEAD';
  writeFileSync(stale, JSON.stringify(good));
  const cases: [string, string[], RegExp][] = [
    ['unknown format', ['render', T, '--format', 'svg'], /unknown format 'svg' \(one of: text, mermaid, perfetto, html\)/],
    ['--story without mermaid', ['render', T, '--format', 'html', '--story'], /--story goes with --format mermaid/],
    ['missing file', ['render', join(dir, 'none.json'), '--format', 'html'], /cannot read .*none\.json: ENOENT/],
    ['missing file (explain)', ['explain', join(dir, 'none.json')], /cannot read .*none\.json: ENOENT/],
    ['trace that no longer replays', ['render', stale, '--format', 'mermaid'], /stale\.json: does not reproduce at step 3/],
    ['trace that no longer replays (explain)', ['explain', stale], /stale\.json: does not reproduce at step 3/],
  ];
  for (const [name, args, msg] of cases) {
    it(`${name}: one line, exit 2`, () => {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(msg);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    });
  }
});
