import { defaultStrategy } from '../../src/cli/check.ts';
import { loadBuiltins } from '../../src/scenarios/registry.ts';

/** One expectation row of the table, as the mutation runs repeat it. */
export interface Row {
  /** `scenario [variant] N CPUs (irq …) (only …) (memory model)`: unique in the table */
  readonly id: string;
  readonly scenario: string;
  readonly variant: string;
  readonly cpus: number;
  readonly irq: Readonly<Record<string, number>> | null;
  readonly only: readonly string[] | null;
  readonly strategy: string;
  readonly preemptions: number;
  readonly expected: 'holds' | 'violated';
  readonly invariant: string | null;
  readonly long: boolean;
  /** the memory model the row states (its own, else its scenario's); null: sequentially consistent */
  readonly memoryModel: string | null;
  readonly storeBuffer: number | null;
  /** the search is cut after this many executions (set per run: a multiple of the row's unmutated search) */
  readonly maxExecutions?: number;
}

/** Every row of the expectation table, with the search the table gives it. */
export async function tableRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const s of await loadBuiltins()) {
    for (const [variant, def] of Object.entries(s.variants)) {
      for (const e of def.expect) {
        const irq = e.irq && Object.keys(e.irq).length > 0 ? e.irq : null;
        const memoryModel = e.memoryModel ?? s.memoryModel ?? null;
        const storeBuffer = e.storeBuffer ?? s.storeBuffer ?? null;
        // the memory model is part of the name: a scenario states most of its 2-CPU rows both under
        // sequential consistency and under x86-TSO, and each is its own row (its coverage, its budget)
        const mm = memoryModel === null ? '' : ` ${memoryModel}${storeBuffer === null ? '' : `/${storeBuffer}`}`;
        rows.push({
          id: `${s.name} [${variant}] ${e.cpus} CPU${e.cpus > 1 ? 's' : ''}${irq ? ` irq ${JSON.stringify(irq)}` : ''}${e.only ? ` only ${e.only.join('+')}` : ''}${mm}`,
          scenario: s.name,
          variant,
          cpus: e.cpus,
          irq,
          only: e.only ?? null,
          strategy: e.search?.strategy ?? defaultStrategy(true),
          preemptions: e.search?.preemptions ?? 2,
          expected: e.verdict,
          invariant: e.verdict === 'violated' ? (e.invariant ?? null) : null,
          long: e.long === true,
          memoryModel,
          storeBuffer,
        });
      }
    }
  }
  return rows;
}
