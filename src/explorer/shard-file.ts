import { type MemoryModel, memoryModel, SC } from '../model/memory-model.ts';
import { schemaError } from './schemas.ts';
import type { SliceResult } from './slices.ts';
import type { RecordedFile } from './trace.ts';

export const SHARD_FORMAT = 'ptrace-mc/shard@1';

/** The options a shard was searched with: every shard of one search, and its merge, must agree on them. */
export interface ShardOptions {
  readonly strategy: string;
  readonly invariants: readonly string[] | null;
  readonly maxSteps: number;
  readonly cache: boolean;
  readonly preemptions: number;
  readonly shrink: boolean;
  readonly maxExecutions: number | null;
  /** interrupt budgets that replaced the scenario's (absent: its own) */
  readonly irq?: Readonly<Record<string, number>>;
  /** the memory model when it is x86-TSO (absent: sequentially consistent), with its store-buffer depth */
  readonly memoryModel?: 'tso';
  readonly storeBuffer?: number;
}

/** The memory model a shard file or a checkpoint records. */
export function searchMemoryModel(o: ShardOptions): MemoryModel {
  return o.memoryModel === 'tso' ? memoryModel('tso', o.storeBuffer) : SC;
}

/** What `check --shard i/n` writes and `merge` reads. */
export interface ShardFile {
  readonly format: typeof SHARD_FORMAT;
  readonly scenario: string;
  /** the scenario file (path from where `check` ran, SHA-256 of its text); absent for a built-in */
  readonly source?: RecordedFile;
  readonly variant: string;
  readonly cpus: number;
  readonly options: ShardOptions;
  /** how many slices the whole search has */
  readonly slices: number;
  readonly shard: { readonly index: number; readonly count: number };
  readonly results: readonly SliceResult[];
}

/** A shard file that cannot be used; the message names what is wrong. */
export class ShardFormatError extends Error {}

/**
 * Parses a shard file and checks it: its structure against the published
 * schema (schema/shard-1.schema.json), and each slice result on its own
 * (sliceResultError) and as part of its shard (the shard's own slices, in
 * order, with none skipped before the one where it stopped). Whether the
 * slices are the model's and a violating schedule replays is merge's check
 * (verifyShards in shard-verify.ts), which needs the model.
 */
export function parseShard(text: string, source: string): ShardFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ShardFormatError(`${source}: not valid JSON — truncated or not a shard result?`);
  }
  const bad = (what: string) => new ShardFormatError(`${source}: ${what}`);
  const r = raw as Partial<ShardFile> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r) || r.format !== SHARD_FORMAT) {
    throw bad(`not a shard result (missing "format": "${SHARD_FORMAT}")`);
  }
  const wrong = schemaError('shard-1', raw);
  if (wrong !== null) throw bad(wrong);
  const f = raw as ShardFile;
  if (f.shard.index > f.shard.count) throw bad(`shard.index ${f.shard.index} is past shard.count ${f.shard.count}`);
  const mine = Array.from(
    { length: Math.ceil((f.slices - (f.shard.index - 1)) / f.shard.count) },
    (_, k) => f.shard.index - 1 + k * f.shard.count,
  );
  let executions = 0;
  f.results.forEach((x, i) => {
    if (x.index !== mine[i]) {
      throw bad(
        `results[${i}] is slice ${x.index}, expected slice ${mine[i] ?? 'none'} (shard ${f.shard.index} of ${f.shard.count} searches slices ${f.shard.index - 1}, ${f.shard.index - 1 + f.shard.count}, … of ${f.slices}, in order)`,
      );
    }
    const e = sliceResultError(x, f.options);
    if (e !== null) throw bad(`results[${i}] (slice ${x.index}): ${e}`);
    executions += x.executions;
  });
  if (f.results.length < mine.length) {
    // a shard stops early only at a violation, a limit, or past --max-executions in total
    const last = f.results[f.results.length - 1];
    const stopped =
      last !== undefined &&
      (last.verdict === 'violated' ||
        (last.stoppedBy !== null && last.stoppedBy !== 'not-exhaustive') ||
        (f.options.maxExecutions !== null && executions > f.options.maxExecutions));
    if (!stopped) {
      throw bad(
        `results has ${f.results.length} of the shard's ${mine.length} slices, and nothing stopped the shard before slice ${mine[f.results.length]}`,
      );
    }
  }
  return f;
}

/**
 * What is wrong with one slice's result on its own, or null: a verdict with
 * the fields it implies, and totals that fit together (steps are the sum of
 * the executions' lengths, none longer than maxDepth, none longer than the
 * step bound).
 */
export function sliceResultError(r: SliceResult, o: ShardOptions): string | null {
  switch (r.verdict) {
    case 'violated':
      if (r.violation === null || r.schedule === null) return 'verdict "violated" without a violation and its schedule';
      if (r.stoppedBy !== null) return `verdict "violated" with stoppedBy "${r.stoppedBy}"`;
      if (r.schedule.length > r.maxDepth) return `the schedule has ${r.schedule.length} steps, more than maxDepth ${r.maxDepth}`;
      if (r.executions < 1) return 'verdict "violated" after 0 executions';
      break;
    case 'holds':
      if (o.strategy !== 'dfs' && o.strategy !== 'auto') {
        return `verdict "holds" from strategy ${o.strategy}, which is not exhaustive`;
      }
      if (r.violation !== null || r.schedule !== null || r.stoppedBy !== null)
        return 'verdict "holds" with a violation, schedule or stoppedBy';
      break;
    case 'incomplete':
      if (r.violation !== null || r.schedule !== null) return 'verdict "incomplete" with a violation or schedule';
      if (r.stoppedBy === null) return 'verdict "incomplete" without stoppedBy';
      if (r.stoppedBy === 'not-exhaustive' && o.strategy !== 'bounded')
        return `${o.strategy} is exhaustive: "not-exhaustive" cannot stop it`;
      break;
  }
  if (r.maxDepth > o.maxSteps) return `maxDepth ${r.maxDepth} is past maxSteps ${o.maxSteps}`;
  // a search that replays executions takes at most maxDepth steps in each; the snapshot dfs (auto, dfs) also
  // takes steps it starts over (when it learns a cell is not protected), but never ends two executions without a step
  if (o.strategy === 'bounded' && r.steps > r.executions * r.maxDepth) {
    return `${r.steps} steps in ${r.executions} executions of at most ${r.maxDepth} steps each`;
  }
  if (r.executions > r.steps + 1) return `${r.executions} executions in only ${r.steps} steps`;
  if (r.executions > 0 && r.maxDepth > r.steps) return `maxDepth ${r.maxDepth} is more than all ${r.steps} steps`;
  if (o.maxExecutions !== null && r.executions > o.maxExecutions) {
    return `${r.executions} executions, more than maxExecutions ${o.maxExecutions}`;
  }
  if ((r.states === null) === o.cache)
    return o.cache ? 'no state count from a search that remembers states' : 'a state count from a search without a visited set';
  return null;
}

/** The part of a shard file every shard of the same search shares. */
export function searchIdentity(f: ShardFile): string {
  return JSON.stringify([f.scenario, f.source?.sha256 ?? null, f.variant, f.cpus, f.options, f.slices, f.shard.count]);
}

export function shardToText(f: ShardFile): string {
  return `${JSON.stringify(f, null, 1)}\n`;
}
