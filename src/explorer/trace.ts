import { isAbsolute, relative, sep } from 'node:path';
import type { Patch } from 'immer';
import { type MemoryModel, type MemoryModelName, memoryModel } from '../model/memory-model.ts';
import type { ScenarioSource } from '../model/scenario.ts';
import { schemaError } from './schemas.ts';

export const TRACE_FORMAT = 'ptrace-mc/trace@1';

/** What a reader sees of the world at one moment (all values formatted). */
export interface WorldView {
  /** memory cells by name, formatted */
  cells: Record<string, string>;
  /** per CPU: the task on it, its irq / preempt state and (x86-TSO only) its store buffer, oldest entry first */
  cpus: Record<string, { task: string; irqs: 'on' | 'off'; preempt: number; buffer?: string }>;
  /** per task: where it is (running on CPUn, parked, exited, not started) */
  tasks: Record<string, string>;
}

export interface TraceStep {
  /** 1-based position in the schedule */
  readonly step: number;
  /** the schedule entry: `cpuN`, `irq:<source>` or `drain:cpuN` */
  readonly choice: string;
  readonly cpu: number;
  readonly task: string;
  /** operation kind (`load`, `spin_lock`, …) or `irq` */
  readonly kind: string;
  /** what the step does, in the words of the modelled source */
  readonly what: string;
  /** the values involved (`cond → 0`, `T.__state ← TASK_TRACED`) */
  readonly detail: string;
  /** source reference */
  readonly ref: string;
  /** what changed in the world view (immer patches) */
  readonly changes: readonly Patch[];
}

export interface TraceOptions {
  readonly cpus: number;
  readonly strategy: string;
  readonly seed: number | null;
  readonly invariants: readonly string[] | null;
  readonly maxSteps: number;
  /** interrupt budgets that replaced the scenario's (absent: the scenario's own) */
  readonly irq?: Readonly<Record<string, number>>;
  /** the memory model (absent in traces written before there was a choice: sequentially consistent) */
  readonly memoryModel?: MemoryModelName;
  /** x86-TSO: the store-buffer depth per CPU */
  readonly storeBuffer?: number;
}

export interface TraceFile {
  readonly format: typeof TRACE_FORMAT;
  readonly scenario: string;
  /**
   * The scenario file, for a scenario loaded from one (absent for a
   * built-in): its path from the directory `check` ran in, and the SHA-256
   * of its text; replay refuses the trace when the file has changed.
   */
  readonly source?: RecordedFile;
  readonly variant: string;
  readonly options: TraceOptions;
  readonly violation: { readonly invariant: string; readonly message: string };
  readonly schedule: readonly string[];
  readonly stats: { readonly steps: number; readonly contextSwitches: number; readonly preemptions: number };
  readonly initial: WorldView;
  readonly steps: readonly TraceStep[];
}

/** How a trace or shard file records its scenario's file: the path from where `check` ran, and the text's hash. */
export interface RecordedFile {
  readonly file: string;
  readonly sha256: string;
}

/** The source as a file records it (undefined for a built-in): the path relative to the working directory, / separated. */
export function recordedFile(src: ScenarioSource | null | undefined): RecordedFile | undefined {
  if (!src || 'builtin' in src) return undefined;
  if (src.recordAs !== undefined) return { file: src.recordAs, sha256: src.sha256 };
  const rel = relative(process.cwd(), src.file);
  const path = isAbsolute(rel) ? src.file : rel;
  return { file: path.split(sep).join('/'), sha256: src.sha256 };
}

/** A trace file that cannot be used; the message names what is wrong. */
export class TraceFormatError extends Error {}

/**
 * Parses a trace file's text and checks its structure against the published
 * schema (schema/trace-1.schema.json) and its parts against each other.
 * Throws TraceFormatError with one line naming the field. Whether the
 * values are what the model does is replay's business (replay.ts).
 */
export function parseTrace(text: string, source: string): TraceFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TraceFormatError(`${source}: not valid JSON (${(e as Error).message.split('\n')[0]}) — truncated or not a trace?`);
  }
  const bad = (what: string) => new TraceFormatError(`${source}: ${what}`);
  if (!isObject(raw)) throw bad('not a trace object');
  if (raw.format !== TRACE_FORMAT) {
    throw bad(
      typeof raw.format === 'string'
        ? `format '${raw.format}' is not supported (this version reads '${TRACE_FORMAT}')`
        : `missing "format": "${TRACE_FORMAT}"`,
    );
  }
  const wrong = schemaError('trace-1', raw);
  if (wrong !== null) throw bad(wrong);
  const t = raw as unknown as TraceFile;
  if (t.steps.length !== t.schedule.length) {
    throw bad(`${t.steps.length} recorded steps for a schedule of ${t.schedule.length} choices — truncated?`);
  }
  t.steps.forEach((s, i) => {
    if (s.step !== i + 1) throw bad(`steps[${i}].step is ${s.step}, expected ${i + 1}`);
    if (s.choice !== t.schedule[i]) throw bad(`steps[${i}].choice is ${s.choice}, but schedule[${i}] is ${t.schedule[i]}`);
  });
  if (t.stats.steps !== t.steps.length) throw bad(`stats.steps is ${t.stats.steps} for ${t.steps.length} recorded steps`);
  if (Object.keys(t.initial.cpus).length !== t.options.cpus) {
    throw bad(`options.cpus is ${t.options.cpus} but the initial world has ${Object.keys(t.initial.cpus).length} CPUs`);
  }
  if (t.options.storeBuffer !== undefined && t.options.memoryModel !== 'tso') {
    throw bad('options.storeBuffer is the x86-TSO store-buffer depth, but options.memoryModel is not tso');
  }
  if (t.options.memoryModel === 'tso' && t.options.storeBuffer === undefined) {
    throw bad('options.memoryModel is tso but options.storeBuffer (the store-buffer depth) is missing');
  }
  return t;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The memory model a trace was recorded under (sequential consistency when it names none). */
export function traceMemoryModelOf(t: TraceFile): MemoryModel {
  return memoryModel(t.options.memoryModel ?? 'sc', t.options.storeBuffer);
}

/** Canonical JSON text of a trace (stable key order, newline at the end). */
export function traceToText(t: TraceFile): string {
  return `${JSON.stringify(t, null, 1)}\n`;
}
