import { explore } from '../explorer/explore.ts';
import { DEFAULT_MAX_STEPS, makeMachine } from '../explorer/make-machine.ts';
import { ReducedDfs } from '../explorer/reduced-dfs.ts';
import { STRATEGIES } from '../explorer/run.ts';
import { selectScenarios } from '../load/select.ts';
import { MEMORY_MODELS, type MemoryModel, memoryModel } from '../model/memory-model.ts';
import type { ScenarioDef } from '../model/scenario.ts';
import type { TerminalInvariant } from '../model/types.ts';
import { FORBIDDEN_OUTCOME, REQUIRED_OUTCOME } from '../scenarios/litmus/shape.ts';
import { type CheckFlags, count, namedJob, type Outcome, parseMemoryModelFlags, runJob } from './check.ts';
import { EXIT, UsageError } from './errors.ts';

export interface LitmusFlags {
  memoryModel?: string;
  storeBuffer?: number;
  outDir: string;
  json?: boolean;
}

/**
 * The test with its outcome check turned round: it breaks when an
 * execution ends where the test's own check is content. Its search tells
 * Always from Sometimes for an `exists` test, Sometimes from Never for a
 * `forall` one.
 */
function turnedRound(s: ScenarioDef): ScenarioDef {
  const turn = (inv: TerminalInvariant): TerminalInvariant => ({
    name: inv.name,
    check: (w) =>
      inv.check(w) === null ? `the execution ends ${inv.name === REQUIRED_OUTCOME ? 'in' : 'outside'} the outcome` : null,
  });
  return {
    ...s,
    build: (o) => {
      const def = s.build(o);
      return { ...def, terminal: def.terminal.map(turn) };
    },
  };
}

/** The test's outcome invariant: `required-outcome` for a `forall`, else `forbidden-outcome`. */
function outcomeCheck(s: ScenarioDef): string {
  return s.invariants.includes(REQUIRED_OUTCOME) ? REQUIRED_OUTCOME : FORBIDDEN_OUTCOME;
}

/** herd's word for a test under one memory model, and what the searches for it explored. */
interface Answer {
  readonly word: 'Never' | 'Sometimes' | 'Always' | 'Unknown';
  readonly executions: number;
  readonly states: number | null;
}

/**
 * herd's words for what the executions end in — Never (none ends in the
 * outcome), Always (every one does), Sometimes — from the search of the
 * test's own check and, where that leaves it open, of the check turned
 * round; with the executions both searched.
 */
function answer(s: ScenarioDef, variant: string, mm: MemoryModel, o: Outcome): Answer {
  const mine = { executions: o.search.executions, states: o.search.states ?? null };
  if (o.search.verdict === 'incomplete') return { word: 'Unknown', ...mine };
  const required = outcomeCheck(s) === REQUIRED_OUTCOME;
  // exists: a counterexample is an execution in the outcome; forall: one outside it
  const found = o.search.verdict === 'violated';
  if (!found) return { word: required ? 'Always' : 'Never', ...mine };
  const m = makeMachine(turnedRound(s), {
    variant,
    cpus: s.cpus,
    invariants: [outcomeCheck(s)],
    maxSteps: DEFAULT_MAX_STEPS,
    memoryModel: mm,
  });
  const other = explore(m, new ReducedDfs());
  const both = {
    executions: mine.executions + other.executions,
    states: mine.states !== null && other.states !== null ? mine.states + other.states : null,
  };
  if (other.verdict === 'incomplete') return { word: 'Unknown', ...both };
  return { word: other.verdict === 'violated' ? 'Sometimes' : required ? 'Never' : 'Always', ...both };
}

/**
 * `ptrace-mc litmus FILE…`: each litmus test (a `.litmus` file in the C
 * format of the kernel's tools/memory-model, or a built-in litmus scenario)
 * under each memory model — Never, Sometimes or Always, how many executions
 * the searches ran, and the witness when the test's own check found one (an
 * execution in the outcome of an `exists`, outside that of a `forall`): a
 * trace that replays and renders like any other. Exit 0 when every search
 * ran to its end, 3 when one was cut.
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
    if (!s.invariants.includes(FORBIDDEN_OUTCOME) && !s.invariants.includes(REQUIRED_OUTCOME)) {
      throw new UsageError(`${s.name} is not a litmus test (it has no ${FORBIDDEN_OUTCOME} or ${REQUIRED_OUTCOME} check)`);
    }
    for (const [variant, def] of Object.entries(s.variants)) {
      const head = variant === 'test' ? s.name : `${s.name} [${variant}]`;
      if (!flags.json) out.push(`${head}: ${def.summary}`);
      for (const mm of models) {
        // the outcome check alone: an execution that never ends (a deadlock) has no outcome, as in herd
        const o = runJob(namedJob(s, variant, s.cpus, [outcomeCheck(s)], {}, mm), f);
        const a = answer(s, variant, mm, o);
        if (a.word === 'Unknown') incomplete = true;
        if (flags.json) {
          out.push(
            JSON.stringify({
              test: s.name,
              variant,
              memoryModel: mm.name,
              ...(mm.name === 'tso' ? { storeBuffer: mm.storeBuffer } : {}),
              answer: a.word,
              executions: a.executions,
              states: a.states,
              witness: o.tracePath,
            }),
          );
        } else {
          // a search stops at its first counterexample: the count is how far the searches went, not every execution
          const witness = o.tracePath ? `, witness ${o.tracePath}` : '';
          out.push(`  ${mm.name.padEnd(4)}${a.word.padEnd(10)}${count(a.executions, 'execution')} searched${witness}`);
        }
      }
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return incomplete ? EXIT.incomplete : EXIT.holds;
}
