import { STRATEGIES } from '../explorer/run.ts';
import { selectScenarios } from '../load/select.ts';
import { MEMORY_MODELS, type MemoryModel, memoryModel } from '../model/memory-model.ts';
import { type CheckFlags, count, namedJob, type Outcome, parseMemoryModelFlags, runJob } from './check.ts';
import { EXIT, UsageError } from './errors.ts';

export interface LitmusFlags {
  memoryModel?: string;
  storeBuffer?: number;
  outDir: string;
  json?: boolean;
}

/** herd's words for a verdict: Never (no execution ends in the outcome), Sometimes (one does). */
function answer(o: Outcome): string {
  return o.search.verdict === 'holds' ? 'Never' : o.search.verdict === 'violated' ? 'Sometimes' : 'Unknown';
}

/**
 * `ptrace-mc litmus FILE…`: each litmus test (a `.litmus` file in the C
 * format of the kernel's tools/memory-model, or a built-in litmus scenario)
 * under each memory model — Never or Sometimes, how many executions the
 * search ran, and for Sometimes the witness: a trace that replays and
 * renders like any other. Exit 0 when every search ran to its end, 3 when
 * one was cut.
 */
export async function litmusCommand(files: string[], flags: LitmusFlags): Promise<number> {
  if (files.length === 0) throw new UsageError('litmus needs a test: a .litmus file, e.g. litmus/SB.litmus');
  const sel = await selectScenarios(files);
  if (sel.table)
    throw new UsageError('litmus takes tests (.litmus files or built-in litmus scenarios), not groups or directories');
  const forced = parseMemoryModelFlags(flags);
  const models: MemoryModel[] = forced ? [forced] : MEMORY_MODELS.map((n) => memoryModel(n, flags.storeBuffer));
  const f: CheckFlags = {
    strategy: STRATEGIES[0] as string,
    invariant: [],
    seed: 1,
    runs: 1000,
    preemptions: 2,
    depth: 3,
    shrink: true,
    outDir: flags.outDir,
  };
  const out: string[] = [];
  let incomplete = false;
  for (const s of sel.scenarios) {
    if (!s.invariants.includes('forbidden-outcome')) {
      throw new UsageError(`${s.name} is not a litmus test (it has no forbidden-outcome check)`);
    }
    for (const [variant, def] of Object.entries(s.variants)) {
      const head = variant === 'test' ? s.name : `${s.name} [${variant}]`;
      if (!flags.json) out.push(`${head}: ${def.summary}`);
      for (const mm of models) {
        const o = runJob(namedJob(s, variant, s.cpus, null, {}, mm), f);
        if (o.search.verdict === 'incomplete') incomplete = true;
        if (flags.json) {
          out.push(
            JSON.stringify({
              test: s.name,
              variant,
              memoryModel: mm.name,
              ...(mm.name === 'tso' ? { storeBuffer: mm.storeBuffer } : {}),
              answer: answer(o),
              executions: o.search.executions,
              states: o.search.states ?? null,
              witness: o.tracePath,
            }),
          );
        } else {
          // a Sometimes search stops at its witness: the count is how far it went, not every execution
          const witness = o.tracePath ? `, witness ${o.tracePath}` : '';
          out.push(`  ${mm.name.padEnd(4)}${answer(o).padEnd(10)}${count(o.search.executions, 'execution')} searched${witness}`);
        }
      }
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return incomplete ? EXIT.incomplete : EXIT.holds;
}
