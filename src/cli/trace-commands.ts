import { writeFileSync } from 'node:fs';
import { analyzeTrace, type TraceAnalysis } from '../explorer/analyze.ts';
import { renderExplain } from '../explorer/explain.ts';
import { makeMachine } from '../explorer/make-machine.ts';
import { choiceOf } from '../explorer/record.ts';
import { renderHtml } from '../explorer/render-html.ts';
import { renderMermaid, renderMermaidStory } from '../explorer/render-mermaid.ts';
import { renderPerfetto } from '../explorer/render-perfetto.ts';
import { renderText } from '../explorer/render-text.ts';
import { checkTraceOptions, type Replayed, ReplayMismatch, replayTrace } from '../explorer/replay.ts';
import { recordTrace, type StrategyName } from '../explorer/run.ts';
import { shrinkSchedule } from '../explorer/shrink.ts';
import {
  parseTrace,
  type TraceFile,
  TraceFormatError,
  type TraceStep,
  traceMemoryModelOf,
  traceToText,
} from '../explorer/trace.ts';
import { recordedScenario } from '../load/from-source.ts';
import { rememberSource, sourceOf } from '../load/source.ts';
import { applyIrqBounds, IrqBoundError } from '../model/irq-bounds.ts';
import { hasOwn } from '../model/own.ts';
import type { ScenarioDef } from '../model/scenario.ts';
import { FORMATS } from './defaults.ts';
import { EXIT, readUserFile, UsageError } from './errors.ts';

export function readTrace(file: string): TraceFile {
  return readUserFile(file, parseTrace, TraceFormatError);
}

/**
 * The trace's scenario, with the interrupt budgets (its options.irq) and the
 * memory model (options.memoryModel) the trace was recorded under built in,
 * so every command that re-runs the trace gets the same model (applying
 * them again from the options changes nothing); a budget for a source the
 * model lacks is bad input.
 */
async function traceScenario(file: string, t: TraceFile): Promise<ScenarioDef> {
  const s = withMemoryModel(await recordedScenario(t.scenario, t.source, file, 'trace'), t);
  const irq = t.options.irq;
  if (irq === undefined) return s;
  if (hasOwn(s.variants, t.variant)) {
    try {
      applyIrqBounds(s.build({ variant: t.variant, cpus: t.options.cpus }), irq);
    } catch (e) {
      if (e instanceof IrqBoundError) throw new UsageError(`${file}: options.irq: ${e.message}`);
      throw e;
    }
  }
  const withBudgets: ScenarioDef = { ...s, build: (b) => applyIrqBounds(s.build(b), irq) };
  const src = sourceOf(s);
  return src ? rememberSource(withBudgets, src) : withBudgets;
}

/** The scenario with the trace's memory model as its models' own (explain and the renderers build machines from it). */
function withMemoryModel(s: ScenarioDef, t: TraceFile): ScenarioDef {
  if (t.options.memoryModel === undefined) return s;
  const mm = traceMemoryModelOf(t);
  const out: ScenarioDef = { ...s, build: (b) => ({ ...s.build(b), memoryModel: mm }) };
  const src = sourceOf(s);
  return src ? rememberSource(out, src) : out;
}

/**
 * Reads a trace and replays it on the model (replay.ts checks the whole
 * file); a file that does not match is bad input, one line, exit 2. Every
 * command that shows a trace goes through here, so none shows values the
 * model does not produce.
 */
async function verifiedTrace(file: string): Promise<{ t: TraceFile; s: ScenarioDef; v: Replayed }> {
  const t = readTrace(file);
  const s = await traceScenario(file, t);
  try {
    return { t, s, v: replayTrace(s, t) };
  } catch (e) {
    if (e instanceof ReplayMismatch) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** `ptrace-mc replay FILE`: 1 when the recorded violation reproduces, 2 when it does not or the file is bad. */
export async function replayCommand(file: string, opts: { json?: boolean }): Promise<number> {
  const { t, v } = await verifiedTrace(file);
  const n = t.steps.length;
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ trace: file, scenario: t.scenario, variant: t.variant, cpus: t.options.cpus, reproduced: true, verdict: 'violated', invariant: v.invariant, message: v.message, steps: n, at: v.at })}\n`,
    );
  } else {
    const when = v.at === 'step' ? `broken by step ${n}` : `checked when nothing can run after step ${n}`;
    process.stdout.write(
      `${file}: reproduces ${v.invariant} in ${n} steps, every step as recorded (${t.scenario} [${t.variant}] on ${t.options.cpus} CPU${t.options.cpus === 1 ? '' : 's'}; ${when})\n  ${v.message}\n`,
    );
  }
  return EXIT.violated;
}

export { FORMATS };

type Format = (typeof FORMATS)[number];

/** Renderers that need the model's view of each step (footprints, slice, wakeups) replay the trace first. */
const RENDERERS: Record<Format, (t: TraceFile, a: () => TraceAnalysis) => string> = {
  text: (t) => renderText(t),
  mermaid: (t, a) => renderMermaid(t, a()),
  perfetto: (t, a) => renderPerfetto(t, a()),
  html: (t, a) => renderHtml(t, a()),
};

/** A variant that starts with a prologue (ModelBuilder.prologue): its trace's step 1 comes after it; say so under the title. */
function withPrologue(text: string, s: ScenarioDef, t: TraceFile): string {
  const p = hasOwn(s.variants, t.variant) ? s.variants[t.variant]?.prologue : undefined;
  if (!p) return text;
  const nl = text.indexOf('\n');
  return `${text.slice(0, nl + 1)}  step 1 comes after the prologue, run in one order and not recorded: ${p}\n${text.slice(nl + 1)}`;
}

export async function renderCommand(file: string, opts: { format: string; story?: boolean }): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`unknown format '${opts.format}' (one of: ${FORMATS.join(', ')})`);
  }
  if (opts.story && opts.format !== 'mermaid') throw new UsageError('--story goes with --format mermaid');
  // every format, text too, shows the trace only once replay has checked it against the model
  const { t, s } = await verifiedTrace(file);
  const a = opts.story || opts.format !== 'text' ? analyze(file, t, s) : null;
  if (opts.story) process.stdout.write(renderMermaidStory(t, a as TraceAnalysis));
  else if (opts.format === 'text') process.stdout.write(withPrologue(renderText(t), s, t));
  else process.stdout.write(RENDERERS[opts.format as Format](t, () => a as TraceAnalysis));
  return 0;
}

/** `ptrace-mc explain FILE`: the race story of the violation (or, with --full, its happens-before slice). */
export async function explainCommand(file: string, opts: { json?: boolean; full?: boolean }): Promise<number> {
  const { t, s } = await verifiedTrace(file);
  const a = analyze(file, t, s);
  if (!opts.json) {
    process.stdout.write(withPrologue(renderExplain(t, a, { full: opts.full }), s, t));
    return 0;
  }
  const steps = (nums: readonly number[]) =>
    nums.map((k) => {
      const s = t.steps[k - 1] as TraceStep;
      return { step: s.step, cpu: s.cpu, task: s.task, what: s.what, detail: s.detail, ref: s.ref };
    });
  const j = {
    trace: file,
    scenario: t.scenario,
    variant: t.variant,
    cpus: t.options.cpus,
    invariant: t.violation.invariant,
    message: t.violation.message,
    violationKind: a.violationKind,
    violationReads: a.violationReads,
    traceSteps: t.steps.length,
    story: steps(a.story.steps),
    storyEdges: a.story.edges,
    storyRepeats: a.story.repeats,
    slice: steps(a.slice),
  };
  process.stdout.write(`${JSON.stringify(j)}\n`);
  return 0;
}

function analyze(file: string, t: TraceFile, s: ScenarioDef): TraceAnalysis {
  try {
    return analyzeTrace(s, t);
  } catch (e) {
    if (e instanceof ReplayMismatch) throw new UsageError(`${file}: ${e.message} (replay it with the model it was recorded on)`);
    throw e;
  }
}

/**
 * `ptrace-mc shrink FILE`: re-minimizes a saved trace (fewest preemptions,
 * then fewest steps, same invariant) and rewrites it, or writes `--out`.
 * For traces saved before the model or the shrinker changed.
 */
export async function shrinkCommand(file: string, opts: { out?: string }): Promise<number> {
  const t = readTrace(file);
  const s = await traceScenario(file, t);
  // not replayed exactly: shrink is for traces saved before the model changed, as long as the schedule still violates
  try {
    checkTraceOptions(s, t);
  } catch (e) {
    if (e instanceof ReplayMismatch) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
  const o = {
    variant: t.variant,
    cpus: t.options.cpus,
    strategy: t.options.strategy as StrategyName,
    seed: t.options.seed ?? 1,
    runs: 1,
    invariants: t.options.invariants,
    maxSteps: t.options.maxSteps,
    ...(t.options.irq !== undefined ? { irq: t.options.irq } : {}),
    memoryModel: traceMemoryModelOf(t),
    cache: true,
    // the rewritten trace names the same scenario file (the one just checked unchanged)
    source: sourceOf(s) ?? null,
  };
  const m = makeMachine(s, o);
  const schedule = t.schedule.map((label, i) => {
    const c = choiceOf(m, label);
    if (c < 0) throw new UsageError(`${file}: step ${i + 1} names a choice the model does not have (${label})`);
    return c;
  });
  let shrunk: ReturnType<typeof shrinkSchedule>;
  try {
    shrunk = shrinkSchedule(m, schedule, t.violation.invariant);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
  const next = recordTrace(s, o, shrunk.schedule);
  const out = opts.out ?? file;
  writeFileSync(out, traceToText(next));
  process.stdout.write(
    `${out}: ${t.stats.steps} steps / ${t.stats.preemptions} preemptions -> ${next.stats.steps} steps / ${next.stats.preemptions} preemptions (${t.violation.invariant})\n`,
  );
  return 0;
}
