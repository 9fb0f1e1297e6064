import { defaultStrategy } from '../../src/cli/check.ts';
import { loadBuiltins } from '../../src/scenarios/registry.ts';

/** One expectation row of the table, as the mutation runs repeat it. */
export interface Row {
  /** `scenario [variant] N CPUs (irq …) (only …)` */
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
        rows.push({
          id: `${s.name} [${variant}] ${e.cpus} CPU${e.cpus > 1 ? 's' : ''}${irq ? ` irq ${JSON.stringify(irq)}` : ''}${e.only ? ` only ${e.only.join('+')}` : ''}`,
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
          memoryModel: e.memoryModel ?? s.memoryModel ?? null,
          storeBuffer: e.storeBuffer ?? s.storeBuffer ?? null,
        });
      }
    }
  }
  return rows;
}
