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

export function parseShard(text: string, source: string): ShardFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ShardFormatError(`${source}: not valid JSON — truncated or not a shard result?`);
  }
  const r = raw as Partial<ShardFile> | null;
  if (typeof r !== 'object' || r === null || r.format !== SHARD_FORMAT) {
    throw new ShardFormatError(`${source}: not a shard result (missing "format": "${SHARD_FORMAT}")`);
  }
  if (typeof r.scenario !== 'string' || typeof r.variant !== 'string' || !Number.isInteger(r.cpus)) {
    throw new ShardFormatError(`${source}: "scenario", "variant" and "cpus" must be given`);
  }
  if (typeof r.options !== 'object' || r.options === null || typeof r.options.strategy !== 'string') {
    throw new ShardFormatError(`${source}: "options" is missing`);
  }
  if (!Number.isInteger(r.slices) || !r.shard || !Number.isInteger(r.shard.index) || !Number.isInteger(r.shard.count)) {
    throw new ShardFormatError(`${source}: "slices" and "shard" must be given`);
  }
  if (!Array.isArray(r.results) || !r.results.every((x) => Number.isInteger(x?.index) && typeof x?.verdict === 'string')) {
    throw new ShardFormatError(`${source}: "results" must be a list of slice results`);
  }
  return r as ShardFile;
}

/** The part of a shard file every shard of the same search shares. */
export function searchIdentity(f: ShardFile): string {
  return JSON.stringify([f.scenario, f.source?.sha256 ?? null, f.variant, f.cpus, f.options, f.slices, f.shard.count]);
}

export function shardToText(f: ShardFile): string {
  return `${JSON.stringify(f, null, 1)}\n`;
}
