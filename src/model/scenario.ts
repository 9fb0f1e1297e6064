import { memoryModelProblem, type StatesMemoryModel } from './memory-model.ts';
import { ENGINE_INVARIANTS, type ModelDef } from './types.ts';

export type Verdict = 'holds' | 'violated' | 'incomplete';

/**
 * What a scenario's author (a reviewer) claims for one variant on one CPU
 * count, under one memory model (`memoryModel`: the row's own, else the
 * scenario's, else sequentially consistent; `storeBuffer`: the x86-TSO
 * store-buffer depth).
 */
export interface Expectation extends StatesMemoryModel {
  readonly cpus: number;
  /**
   * interrupt budgets this row is stated under, replacing the scenario's
   * own by source name (as `--irq`), e.g. `{ 'timer@cpu0': 0 }`; only
   * budgets that differ from the scenario's
   */
  readonly irq?: Readonly<Record<string, number>>;
  readonly verdict: 'holds' | 'violated';
  /** the invariant expected to break, when violated */
  readonly invariant?: string;
  /** check only these invariants (as `--invariant`) for this row */
  readonly only?: readonly string[];
  /** why, in one line (shown by `list`) */
  readonly why?: string;
  /**
   * The search that settles this row in the expectation table and in
   * `--compare` when no --strategy is named (default: the table's stateful
   * dfs). For a violated row: a deterministic bug-finding search, e.g.
   * preemption-bounded with bound 1, where dfs — which varies the end of an
   * execution first — needs minutes to reach a race early in a long path.
   * A violation is a violation whatever search found it; a `holds` row
   * must name an exhaustive search.
   */
  readonly search?: RowSearch;
  /**
   * The search is long (tens of seconds or more alone; say how long in `why`): the expectation
   * table runs the row only with `check --all`, and says how many it left
   * out; `check NAME --variant V --cpus N` and the bench run it as any row.
   */
  readonly long?: boolean;
}

/** A strategy name of `check --strategy` and, for `bounded`, its preemption bound. */
export interface RowSearch {
  readonly strategy: string;
  readonly preemptions?: number;
}

export interface VariantDef {
  readonly summary: string;
  /** `<system>@<commit>` or a description of the code this variant models */
  readonly source?: string;
  /**
   * The deterministic start this variant's model runs before the search
   * (ModelBuilder.prologue), in words: stated with every verdict, since
   * its steps run in one order and are not searched.
   */
  readonly prologue?: string;
  readonly expect: readonly Expectation[];
}

export interface BuildOptions {
  readonly variant: string;
  readonly cpus: number;
}

/** A scenario may state the memory model its rows run under by default (`memoryModel`, `storeBuffer`). */
export interface ScenarioDef extends StatesMemoryModel {
  readonly name: string;
  readonly summary: string;
  /** default number of CPUs */
  readonly cpus: number;
  readonly variants: Readonly<Record<string, VariantDef>>;
  /** the invariants this scenario is about (all registered ones are checked unless --invariant narrows them) */
  readonly invariants: readonly string[];
  /** bound on one execution's length; reaching it is a `livelock` violation */
  readonly maxSteps?: number;
  /** interrupt and other bounds that "holds" is relative to, stated in the output */
  readonly bounds?: string;
  build(opts: BuildOptions): ModelDef;
}

/** A scenario, checked for shape (a file's default export is one of these). */
export function defineScenario(def: ScenarioDef): ScenarioDef {
  const problem = scenarioProblem(def);
  if (problem !== null) throw new Error(`defineScenario: ${problem}`);
  return def;
}

/**
 * Where a scenario came from: a built-in, by name, or a file a user named
 * (its absolute path and the SHA-256 of its text when it was loaded). Plain
 * data: it crosses into worker threads, shard files and traces, and the
 * loader (src/load/) turns it back into the scenario.
 */
export type ScenarioSource =
  | { readonly builtin: string }
  | {
      readonly file: string;
      readonly sha256: string;
      /** the path a trace or shard file records (default: `file` from the working directory) */
      readonly recordAs?: string;
    };

const NAME = /^[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/;

/**
 * Why `x` is not a scenario (null when it is one): what a file's default
 * export must be. Checked by shape, not by identity, so a scenario built
 * with another copy of this package is still one.
 */
export function scenarioProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'is not a scenario (export default defineScenario({ … }))';
  const s = x as Partial<Record<keyof ScenarioDef, unknown>>;
  if (typeof s.name !== 'string' || !NAME.test(s.name) || s.name.split('/').some((p) => p === '.' || p === '..')) {
    return `has no usable name (a name such as 'review/sigcont-vs-stop': letters, digits, . _ + - and /)`;
  }
  if (typeof s.build !== 'function') return `scenario ${s.name} has no build({ variant, cpus }) function`;
  if (typeof s.variants !== 'object' || s.variants === null || Object.keys(s.variants).length === 0) {
    return `scenario ${s.name} has no variants`;
  }
  if (!Number.isInteger(s.cpus) || (s.cpus as number) < 1) return `scenario ${s.name} has no CPU count (cpus: 2)`;
  if (!Array.isArray(s.invariants)) return `scenario ${s.name} has no invariants list`;
  const mm = memoryModelProblem(s as StatesMemoryModel);
  if (mm !== null) return `scenario ${s.name}: ${mm}`;
  for (const [v, d] of Object.entries(s.variants as Record<string, Partial<VariantDef>>)) {
    if (!Array.isArray(d?.expect)) return `scenario ${s.name}, variant ${v}: no expect list`;
    for (const e of d.expect as unknown[]) {
      const p = typeof e === 'object' && e !== null ? memoryModelProblem(e as StatesMemoryModel) : null;
      if (p !== null) return `scenario ${s.name}, variant ${v}: ${p}`;
    }
  }
  return null;
}

/**
 * Every invariant a scenario can report, sorted: the ones it is about, the
 * ones its model registers (built for `variant` on `cpus` CPUs, by default
 * its first variant on its own CPU count), and the engine's own (deadlock,
 * livelock, lock discipline, …).
 */
export function invariantNames(s: ScenarioDef, variant?: string, cpus?: number): string[] {
  const names = new Set<string>(s.invariants);
  const def = s.build({ variant: variant ?? (Object.keys(s.variants)[0] as string), cpus: cpus ?? s.cpus });
  for (const i of def.safety) names.add(i.name);
  for (const i of def.terminal) names.add(i.name);
  for (const i of def.transitions ?? []) names.add(i.name);
  for (const g of def.guards ?? []) names.add(g.invariant ?? ENGINE_INVARIANTS.lockDiscipline);
  for (const i of Object.values(ENGINE_INVARIANTS)) names.add(i);
  return [...names].sort();
}
