import type { ModelDef } from './types.ts';

export type Verdict = 'holds' | 'violated' | 'incomplete';

/** What a scenario's author (a reviewer) claims for one variant on one CPU count. */
export interface Expectation {
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
  readonly expect: readonly Expectation[];
}

export interface BuildOptions {
  readonly variant: string;
  readonly cpus: number;
}

export interface ScenarioDef {
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

export function defineScenario(def: ScenarioDef): ScenarioDef {
  if (Object.keys(def.variants).length === 0) throw new Error(`scenario ${def.name} has no variants`);
  return def;
}
