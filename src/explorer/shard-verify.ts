import { hasOwn } from '../model/own.ts';
import { invariantNames, type ScenarioDef } from '../model/scenario.ts';
import { makeMachine } from './make-machine.ts';
import { ReplayMismatch, replaySchedule } from './replay.ts';
import { type ShardFile, searchMemoryModel } from './shard-file.ts';
import { computeSlices, SLICE_TARGET, type SliceResult } from './slices.ts';

/** The shards do not fit the model: the message names the file and the slice. */
export class ShardMismatch extends Error {}

/**
 * What merge checks against the model before it trusts the shard files of
 * one search: the variant and invariants exist, the slices are the ones
 * the model gives (their number, and each violating schedule starts with
 * its slice's prefix), and every violating schedule replays to its
 * violation exactly as a trace would (see replay.ts). A "holds" slice
 * cannot be checked short of searching it again.
 */
export function verifyShards(
  s: ScenarioDef,
  shard: Pick<ShardFile, 'variant' | 'cpus' | 'options' | 'slices'>,
  results: readonly { file: string; result: SliceResult }[],
): void {
  const o = shard.options;
  if (!hasOwn(s.variants, shard.variant)) {
    throw new ShardMismatch(
      `scenario ${s.name} has no variant '${shard.variant}' (it has: ${Object.keys(s.variants).join(', ')})`,
    );
  }
  if (o.invariants !== null) {
    const known = invariantNames(s, shard.variant, shard.cpus);
    const unknown = o.invariants.find((n) => !known.includes(n));
    if (unknown !== undefined) throw new ShardMismatch(`options.invariants names '${unknown}', which ${s.name} does not check`);
  }
  const mo = {
    variant: shard.variant,
    cpus: shard.cpus,
    invariants: o.invariants,
    maxSteps: o.maxSteps,
    ...(o.irq !== undefined ? { irq: o.irq } : {}),
    memoryModel: searchMemoryModel(o),
  };
  const dedup = !o.cache ? 'none' : o.strategy === 'bounded' ? 'bounded' : 'state';
  const slices = computeSlices(makeMachine(s, mo), SLICE_TARGET, dedup);
  if (slices.length !== shard.slices) {
    throw new ShardMismatch(`the shards say the search has ${shard.slices} slices; the model gives ${slices.length}`);
  }
  const m = makeMachine(s, mo);
  for (const { file, result: r } of results) {
    if (r.index >= slices.length)
      throw new ShardMismatch(`${file}: slice ${r.index} does not exist (the search has ${slices.length})`);
    if (r.verdict !== 'violated' || r.schedule === null || r.violation === null) continue;
    const prefix = (slices[r.index] as { prefix: readonly number[] }).prefix;
    if (prefix.some((c, i) => r.schedule?.[i] !== c)) {
      throw new ShardMismatch(
        `${file}: the schedule of slice ${r.index} does not start with the slice's prefix [${prefix.join(', ')}]`,
      );
    }
    try {
      replaySchedule(m, r.schedule, r.violation);
    } catch (e) {
      if (e instanceof ReplayMismatch) throw new ShardMismatch(`${file}: the violation of slice ${r.index} ${e.message}`);
      throw e;
    }
  }
}
