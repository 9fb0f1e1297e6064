import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isLimitStop } from '../explorer/limits.ts';
import { finishSliced, type RunOptions, type StrategyName, searchSlices } from '../explorer/run.ts';
import {
  parseShard,
  SHARD_FORMAT,
  type ShardFile,
  ShardFormatError,
  type ShardOptions,
  searchIdentity,
  searchMemoryModel,
  shardToText,
} from '../explorer/shard-file.ts';
import { ShardMismatch, verifyShards } from '../explorer/shard-verify.ts';
import { MergeError, SLICEABLE, type SliceResult } from '../explorer/slices.ts';
import { recordedFile } from '../explorer/trace.ts';
import { recordedScenario } from '../load/from-source.ts';
import { type CheckFlags, checkpointerFor, type Job, namedJob, outcomeOf, printOutcomes, runOptions } from './check.ts';
import { type Checkpointer, searchOptionsOf } from './checkpoint.ts';
import { EXIT, readUserFile, UsageError } from './errors.ts';

/** `--shard i/n` → { index: i, count: n }, 1 ≤ i ≤ n. */
export function parseShardOption(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard takes i/n with 1 ≤ i ≤ n, e.g. 1/4 (got '${v}')`);
  }
  return { index, count };
}

/** --workers and --shard split the search into slices: only some strategies can be split, and a shard is one job. */
export function checkSlicing(f: CheckFlags, jobs: readonly Job[]): void {
  if (f.workers === undefined && f.shard === undefined && f.checkpoint === undefined) return;
  const what = f.shard !== undefined ? '--shard' : f.checkpoint !== undefined ? '--checkpoint' : '--workers';
  if (!(SLICEABLE as readonly string[]).includes(f.strategy)) {
    throw new UsageError(
      `${what} works with --strategy ${SLICEABLE.slice(0, -1).join(', ')} or ${SLICEABLE[SLICEABLE.length - 1]} (not ${f.strategy})`,
    );
  }
  if (f.shard !== undefined) parseShardOption(f.shard);
  if ((f.shard !== undefined || f.checkpoint !== undefined) && jobs.length !== 1) {
    throw new UsageError(`${what} needs exactly one scenario, variant and CPU count`);
  }
}

/** `check … --shard i/n`: searches this shard's slices and writes them to a shard file for `merge`. */
export function runShard(j: Job, f: CheckFlags, done: readonly SliceResult[] = []): number {
  const cp = checkpointerFor(j, f, done) as Checkpointer;
  const o = cp.hook(runOptions(j, f, null));
  const shard = o.shard as { index: number; count: number };
  const run = searchSlices(j.scenario, o);
  const cut = run.results.find((r) => isLimitStop(r.stoppedBy))?.stoppedBy ?? null;
  const note = cp.finish(o, cut);
  if (note !== null) {
    // stopped early: no shard file (merge would take the cut slices for finished ones), the checkpoint instead
    process.stderr.write(`ptrace-mc: ${note}\n`);
    const executions = run.results.reduce((n, r) => n + r.executions, 0);
    process.stdout.write(
      `${j.scenario.name} [${j.variant}] on ${j.cpus} CPUs, shard ${shard.index}/${shard.count}: incomplete (${cut}) after ${executions} executions\n`,
    );
    return EXIT.incomplete;
  }
  const file: ShardFile = {
    format: SHARD_FORMAT,
    scenario: j.scenario.name,
    ...(recordedFile(o.source) ? { source: recordedFile(o.source) } : {}),
    variant: j.variant,
    cpus: j.cpus,
    options: searchOptionsOf(j, o, f),
    slices: run.slices,
    shard,
    results: run.results,
  };
  const path = f.shardOut ?? join(f.outDir, `shard-${shard.index}-of-${shard.count}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, shardToText(file));
  const hit = run.results.find((r) => r.verdict === 'violated');
  const executions = run.results.reduce((n, r) => n + r.executions, 0);
  const line = `${j.scenario.name} [${j.variant}] on ${j.cpus} CPUs, shard ${shard.index}/${shard.count}: ${run.results.length} of ${run.slices} slices, ${executions} executions${hit ? `, ${hit.violation?.invariant} violated in slice ${hit.index}` : ', no violation'}; written to ${path} (combine all shards with: ptrace-mc merge FILES…)`;
  if (f.json) {
    process.stdout.write(
      `${JSON.stringify({ shard: `${shard.index}/${shard.count}`, file: path, slices: run.results.length, executions, violated: hit !== undefined })}\n`,
    );
  } else {
    process.stdout.write(`${line}\n`);
  }
  return hit ? EXIT.violated : EXIT.incomplete;
}

/** The flags that repeat the search a shard file or a checkpoint records. */
export function searchFlags(o: ShardOptions): Omit<CheckFlags, 'outDir'> {
  return {
    invariant: o.invariants ? [...o.invariants] : [],
    strategy: o.strategy,
    seed: 1,
    runs: 1,
    preemptions: o.preemptions,
    depth: 1,
    shrink: o.shrink,
    maxSteps: o.maxSteps,
    ...(o.maxExecutions !== null ? { maxExecutions: o.maxExecutions } : {}),
    ...(o.cache ? {} : { stateless: true }),
  };
}

export interface MergeFlags {
  json?: boolean;
  report?: string;
  timing?: boolean;
  traceOut?: string;
  outDir: string;
}

function readShard(file: string): ShardFile {
  return readUserFile(file, parseShard, ShardFormatError);
}

/** `ptrace-mc merge FILES…`: the result one search gives, from the shard files of all its shards. */
export async function mergeCommand(files: string[], mf: MergeFlags): Promise<number> {
  const shards = files.map(readShard);
  const first = shards[0] as ShardFile;
  const id = searchIdentity(first);
  shards.forEach((s, i) => {
    if (searchIdentity(s) !== id) {
      throw new UsageError(`${files[i]} is a shard of another search than ${files[0]} (scenario, options or shard count differ)`);
    }
  });
  const results = new Map<number, { file: string; result: ShardFile['results'][number] }>();
  shards.forEach((s, i) => {
    const file = files[i] as string;
    for (const r of s.results) {
      const had = results.get(r.index);
      if (had !== undefined && JSON.stringify(had.result) !== JSON.stringify(r)) {
        throw new UsageError(`${file} and ${had.file} give different results for slice ${r.index}`);
      }
      results.set(r.index, { file, result: r });
    }
  });
  const scenario = await recordedScenario(first.scenario, first.source, files[0] as string, 'shard file');
  try {
    verifyShards(scenario, first, [...results.values()]);
  } catch (e) {
    if (e instanceof ShardMismatch) throw new UsageError(e.message);
    throw e;
  }
  const o = first.options;
  const f: CheckFlags = {
    ...searchFlags(o),
    outDir: mf.outDir,
    ...(mf.traceOut !== undefined ? { traceOut: mf.traceOut } : {}),
    ...(mf.json ? { json: true } : {}),
    ...(mf.timing ? { timing: true } : {}),
    ...(mf.report !== undefined ? { report: mf.report } : {}),
  };
  const job = namedJob(scenario, first.variant, first.cpus, o.invariants, o.irq ?? {}, searchMemoryModel(o));
  const opts: RunOptions = { ...runOptions(job, f, null), strategy: o.strategy as StrategyName };
  try {
    const merged = finishSliced(scenario, opts, {
      slices: first.slices,
      results: [...results.values()].map((r) => r.result),
      elapsedMs: 0,
    });
    return printOutcomes([outcomeOf(job, f, merged)], f, false);
  } catch (e) {
    if (e instanceof MergeError) {
      const have = [...new Set(shards.map((s) => s.shard.index))].sort((a, b) => a - b).join(', ');
      throw new UsageError(`${e.message}: give the files of every shard 1…${first.shard.count} (have ${have})`);
    }
    throw e;
  }
}
