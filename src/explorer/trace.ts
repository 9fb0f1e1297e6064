import { isAbsolute, relative, sep } from 'node:path';
import type { Patch } from 'immer';
import type { ScenarioSource } from '../model/scenario.ts';

export const TRACE_FORMAT = 'ptrace-mc/trace@1';

/** What a reader sees of the world at one moment (all values formatted). */
export interface WorldView {
  /** memory cells by name, formatted */
  cells: Record<string, string>;
  /** per CPU: the task on it and its irq / preempt state */
  cpus: Record<string, { task: string; irqs: 'on' | 'off'; preempt: number }>;
  /** per task: where it is (running on CPUn, parked, exited, not started) */
  tasks: Record<string, string>;
}

export interface TraceStep {
  /** 1-based position in the schedule */
  readonly step: number;
  /** the schedule entry: `cpuN` or `irq:<source>` */
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

/** Parses and checks a trace file's text. Throws TraceFormatError with one clear line. */
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
  for (const k of ['scenario', 'variant'] as const) {
    if (typeof raw[k] !== 'string' || raw[k] === '') throw bad(`"${k}" must be a non-empty string`);
  }
  const src = raw.source;
  if (
    src !== undefined &&
    !(
      isObject(src) &&
      typeof src.file === 'string' &&
      src.file !== '' &&
      typeof src.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(src.sha256)
    )
  ) {
    throw bad('"source" must have a "file" path and a "sha256" hash');
  }
  const o = raw.options;
  if (!isObject(o)) throw bad('"options" is missing');
  if (!isPositiveInt(o.cpus)) throw bad('"options.cpus" must be a positive integer');
  if (typeof o.strategy !== 'string') throw bad('"options.strategy" must be a string');
  if (o.seed !== null && !Number.isInteger(o.seed)) throw bad('"options.seed" must be an integer or null');
  if (o.invariants !== null && !(Array.isArray(o.invariants) && o.invariants.every((x) => typeof x === 'string'))) {
    throw bad('"options.invariants" must be a list of names or null');
  }
  if (!isPositiveInt(o.maxSteps)) throw bad('"options.maxSteps" must be a positive integer');
  if (o.irq !== undefined && !(isObject(o.irq) && Object.values(o.irq).every((b) => Number.isInteger(b) && (b as number) >= 0))) {
    throw bad('"options.irq" must map interrupt source names to whole-number budgets');
  }
  const v = raw.violation;
  if (!isObject(v) || typeof v.invariant !== 'string' || typeof v.message !== 'string') {
    throw bad('"violation" must have "invariant" and "message" strings');
  }
  if (!Array.isArray(raw.schedule) || !raw.schedule.every((c) => typeof c === 'string' && /^(cpu\d+|irq:.+)$/.test(c))) {
    throw bad('"schedule" must be a list of choices like "cpu0" or "irq:<source>"');
  }
  if (!Array.isArray(raw.steps)) throw bad('"steps" must be a list');
  if (raw.steps.length !== raw.schedule.length) {
    throw bad(`${raw.steps.length} recorded steps for a schedule of ${raw.schedule.length} choices — truncated?`);
  }
  raw.steps.forEach((s, i) => {
    if (!isObject(s)) throw bad(`step ${i + 1} is not an object`);
    for (const k of ['choice', 'task', 'kind', 'what', 'detail', 'ref'] as const) {
      if (typeof s[k] !== 'string') throw bad(`step ${i + 1}: "${k}" must be a string`);
    }
    if (s.step !== i + 1) throw bad(`step ${i + 1}: "step" is ${JSON.stringify(s.step)}`);
    if (!Number.isInteger(s.cpu)) throw bad(`step ${i + 1}: "cpu" must be an integer`);
    if (!Array.isArray(s.changes)) throw bad(`step ${i + 1}: "changes" must be a list`);
  });
  if (!isObject(raw.initial) || !isObject(raw.initial.cells)) throw bad('"initial" world view is missing');
  if (!isObject(raw.stats)) throw bad('"stats" is missing');
  return raw as unknown as TraceFile;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isPositiveInt(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) > 0;
}

/** Canonical JSON text of a trace (stable key order, newline at the end). */
export function traceToText(t: TraceFile): string {
  return `${JSON.stringify(t, null, 1)}\n`;
}
