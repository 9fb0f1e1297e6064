import type { Footprint } from '../model/machine.ts';

/** One step of an execution as partial-order reduction sees it: who ran, and what it touched. */
export interface Event {
  /** the choice (CPU or interrupt source) that made the step */
  readonly proc: number;
  readonly fp: Footprint;
}

function meets(a: readonly number[], b: readonly number[]): boolean {
  for (const x of a) if (b.includes(x)) return true;
  return false;
}

/** Two footprints conflict when one writes a cell the other reads or writes. */
export function conflict(a: Footprint, b: Footprint): boolean {
  return meets(a.writes, b.writes) || meets(a.writes, b.reads) || meets(a.reads, b.writes);
}

/**
 * The dependence relation of the whole explorer: two steps are dependent
 * when the same choice makes them (program order of a CPU, the budget of an
 * interrupt source) or their footprints conflict. Independent steps commute
 * and neither enables nor disables the other (Machine.footprint says why).
 */
export function dependent(a: Event, b: Event): boolean {
  return a.proc === b.proc || conflict(a.fp, b.fp);
}
