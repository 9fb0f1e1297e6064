import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StopReason } from '../explorer/explore.ts';
import { isLimitStop } from '../explorer/limits.ts';
import type { RunOptions } from '../explorer/run.ts';
import { schemaError } from '../explorer/schemas.ts';
import { type ShardOptions, searchMemoryModel, sliceResultError } from '../explorer/shard-file.ts';
import { ShardMismatch, verifyShards } from '../explorer/shard-verify.ts';
import type { SliceResult } from '../explorer/slices.ts';
import { type RecordedFile, recordedFile } from '../explorer/trace.ts';
import { recordedScenario } from '../load/from-source.ts';
import { type CheckFlags, type CheckInput, type Job, namedJob, printOutcomes, runJob } from './check.ts';
import { readUserFile, UsageError } from './errors.ts';
import { runShard, searchFlags } from './shard.ts';

export const CHECKPOINT_FORMAT = 'ptrace-mc/checkpoint@1';

/**
 * A resumable search: the job, the options that shape its result, where
 * its output was to go, and the slices finished so far. Slices are the
 * unit: a slice interrupted half-way is searched again from its start, so
 * a resumed search gives exactly the verdict, counts and counterexample of
 * an uninterrupted one (every slice's search is deterministic).
 */
export interface CheckpointFile {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly scenario: string;
  readonly source?: RecordedFile;
  readonly variant: string;
  readonly cpus: number;
  readonly options: ShardOptions;
  readonly shard?: { readonly index: number; readonly count: number };
  readonly output: { readonly outDir: string; readonly traceOut?: string; readonly shardOut?: string };
  readonly slices: number;
  readonly results: readonly SliceResult[];
}

/** The options a checkpoint or a shard file records: those that decide the result. */
export function searchOptionsOf(j: Job, o: RunOptions, f: CheckFlags): ShardOptions {
  return {
    strategy: o.strategy,
    invariants: o.invariants,
    maxSteps: o.maxSteps,
    cache: o.cache,
    preemptions: f.preemptions,
    shrink: f.shrink,
    maxExecutions: o.budget.maxExecutions ?? null,
    ...(Object.keys(j.irq).length > 0 ? { irq: j.irq } : {}),
    ...(j.memoryModel.name === 'tso' ? { memoryModel: 'tso', storeBuffer: j.memoryModel.storeBuffer } : {}),
  };
}

/**
 * Keeps a sliced search's checkpoint: `hook()` gives the options with the
 * finished slices and the per-slice callback; every finished slice is
 * saved at once when --checkpoint was given; `stopped()` saves it when the
 * search was interrupted or ran out of time or memory, and says how to go on.
 */
export class Checkpointer {
  private readonly results: SliceResult[];
  private slices = 0;

  constructor(
    private readonly j: Job,
    private readonly f: CheckFlags,
    private readonly path: string,
    /** save after every slice (--checkpoint), not only when the search stops early */
    private readonly everySlice: boolean,
    done: readonly SliceResult[],
  ) {
    this.results = [...done];
  }

  hook(o: RunOptions): RunOptions {
    return {
      ...o,
      resumable: {
        done: this.results.slice(),
        onSlice: (r) => {
          // a slice cut by time, memory or an interrupt is searched again on resume
          if (isLimitStop(r.stoppedBy)) return;
          this.results.push(r);
          if (this.everySlice) this.save(o);
        },
        onSlices: (slices) => {
          this.slices = slices;
        },
      },
    };
  }

  /** After the search: saves the checkpoint when it stopped early (or always, with --checkpoint); returns a note for stderr. */
  finish(o: RunOptions, stoppedBy: StopReason | null): string | null {
    const early = isLimitStop(stoppedBy);
    if (early || this.everySlice) this.save(o);
    if (!early) return null;
    const done = new Set(this.results.map((r) => r.index)).size;
    return `checkpoint: ${this.path} (${done} of ${this.slices} slices done); go on with: ptrace-mc check --resume ${this.path}`;
  }

  private save(o: RunOptions): void {
    const file: CheckpointFile = {
      format: CHECKPOINT_FORMAT,
      scenario: this.j.scenario.name,
      ...(recordedFile(o.source) ? { source: recordedFile(o.source) } : {}),
      variant: this.j.variant,
      cpus: this.j.cpus,
      options: searchOptionsOf(this.j, o, this.f),
      ...(o.shard !== undefined ? { shard: o.shard } : {}),
      output: {
        outDir: this.f.outDir,
        ...(this.f.traceOut !== undefined ? { traceOut: this.f.traceOut } : {}),
        ...(this.f.shardOut !== undefined ? { shardOut: this.f.shardOut } : {}),
      },
      slices: this.slices,
      results: [...this.results].sort((a, b) => a.index - b.index),
    };
    mkdirSync(dirname(this.path), { recursive: true });
    // write and rename: a process killed while writing leaves the previous checkpoint whole
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(file, null, 1)}\n`);
    renameSync(tmp, this.path);
  }
}

/** A checkpoint file that cannot be used; the message names what is wrong. */
class CheckpointFormatError extends Error {}

function parseCheckpoint(text: string, source: string): CheckpointFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CheckpointFormatError(`${source}: not valid JSON — truncated or not a checkpoint?`);
  }
  const bad = (what: string) => new CheckpointFormatError(`${source}: ${what}`);
  if (typeof raw !== 'object' || raw === null || (raw as { format?: unknown }).format !== CHECKPOINT_FORMAT) {
    throw bad(`not a checkpoint (missing "format": "${CHECKPOINT_FORMAT}")`);
  }
  const wrong = schemaError('checkpoint-1', raw);
  if (wrong !== null) throw bad(wrong);
  const c = raw as CheckpointFile;
  const seen = new Set<number>();
  c.results.forEach((r, i) => {
    if (r.index >= c.slices) throw bad(`results[${i}] is slice ${r.index}, but the search has ${c.slices}`);
    if (seen.has(r.index)) throw bad(`results[${i}]: slice ${r.index} is there twice`);
    seen.add(r.index);
    if (c.shard !== undefined && r.index % c.shard.count !== c.shard.index - 1) {
      throw bad(`results[${i}]: slice ${r.index} is not one of shard ${c.shard.index}/${c.shard.count}'s`);
    }
    if (isLimitStop(r.stoppedBy)) throw bad(`results[${i}]: slice ${r.index} was cut (${r.stoppedBy}): it is not finished`);
    const e = sliceResultError(r, c.options);
    if (e !== null) throw bad(`results[${i}] (slice ${r.index}): ${e}`);
  });
  if (c.shard !== undefined && c.shard.index > c.shard.count) {
    throw bad(`shard.index ${c.shard.index} is past shard.count ${c.shard.count}`);
  }
  return c;
}

/** Reads a checkpoint and checks it against the model, as merge checks shard files. */
export async function readCheckpoint(file: string): Promise<{ c: CheckpointFile; scenario: Job['scenario'] }> {
  const c = readUserFile(file, parseCheckpoint, CheckpointFormatError);
  const scenario = await recordedScenario(c.scenario, c.source, file, 'checkpoint');
  try {
    verifyShards(
      scenario,
      c,
      c.results.map((result) => ({ file, result })),
    );
  } catch (e) {
    if (e instanceof ShardMismatch) throw new UsageError(e.message);
    throw e;
  }
  return { c, scenario };
}

/** Options that would change the search a checkpoint holds: not allowed with --resume. */
const FIXED_BY_CHECKPOINT = [
  'variant',
  'cpus',
  'invariant',
  'irq',
  'memoryModel',
  'storeBuffer',
  'strategy',
  'preemptions',
  'depth',
  'seed',
  'runs',
  'shrink',
  'maxExecutions',
  'maxSteps',
  'stateless',
  'por',
  'shard',
  'compare',
  'all',
] as const;

/**
 * `check --resume FILE`: goes on with the search a checkpoint holds. The
 * finished slices are checked as merge checks shard files (their totals,
 * and every violating schedule replayed), the others are searched, and the
 * output is what the uninterrupted run gives (its trace path too). Progress
 * goes on being saved to FILE, or to --checkpoint.
 */
export async function resumeCommand(names: readonly string[], flags: CheckInput): Promise<number> {
  const file = flags.resume as string;
  if (names.length > 0) throw new UsageError(`--resume takes the search from ${file}: name no scenario`);
  const given = new Set(flags.given ?? []);
  const fixed = FIXED_BY_CHECKPOINT.find((k) => given.has(k));
  if (fixed !== undefined) {
    const flag = `--${fixed.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(`--resume takes the search from ${file}: ${flag} cannot change it`);
  }
  const { c, scenario } = await readCheckpoint(file);
  const o = c.options;
  const f: CheckFlags = {
    ...searchFlags(o),
    ...(c.shard !== undefined ? { shard: `${c.shard.index}/${c.shard.count}` } : {}),
    outDir: given.has('outDir') ? flags.outDir : c.output.outDir,
    ...pick(given.has('traceOut') ? flags.traceOut : c.output.traceOut, 'traceOut'),
    ...pick(given.has('shardOut') ? flags.shardOut : c.output.shardOut, 'shardOut'),
    ...pick(flags.json, 'json'),
    ...pick(flags.timing, 'timing'),
    ...pick(flags.workers, 'workers'),
    ...pick(flags.maxTime, 'maxTime'),
    ...pick(flags.maxMemory, 'maxMemory'),
    checkpoint: flags.checkpoint ?? file,
  };
  const job = namedJob(scenario, c.variant, c.cpus, o.invariants, o.irq ?? {}, searchMemoryModel(o));
  if (c.shard !== undefined) return runShard(job, f, c.results);
  return printOutcomes([runJob(job, f, undefined, c.results)], f, false);
}

function pick<K extends string, V>(v: V | undefined, k: K): { [key in K]?: V } {
  return v === undefined ? {} : ({ [k]: v } as { [key in K]?: V });
}
