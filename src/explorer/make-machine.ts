import { applyIrqBounds, type IrqBounds } from '../model/irq-bounds.ts';
import { Machine } from '../model/machine.ts';
import type { MemoryModel } from '../model/memory-model.ts';
import type { ScenarioDef } from '../model/scenario.ts';

export const DEFAULT_MAX_STEPS = 20_000;

/** What a machine for a scenario depends on. */
export interface MachineOptions {
  readonly variant: string;
  readonly cpus: number;
  readonly invariants: readonly string[] | null;
  readonly maxSteps: number;
  /** interrupt budgets that replace the scenario's (by source name) */
  readonly irq?: IrqBounds;
  /** the memory model (default: the model's own, else sequentially consistent) */
  readonly memoryModel?: MemoryModel;
  /** how many history points the machine keeps (Machine; tests set it to compare with none kept) */
  readonly historyBudget?: number;
}

/** The machine of a scenario variant (its own module, so that worker threads load little). */
export function makeMachine(s: ScenarioDef, o: MachineOptions): Machine {
  const def = applyIrqBounds(s.build({ variant: o.variant, cpus: o.cpus }), o.irq);
  if (def.prologue && !s.variants[o.variant]?.prologue) {
    // the output states a prologue from the variant: a model's prologue must be stated there
    throw new Error(
      `${s.name} [${o.variant}]: the model runs a prologue (${def.prologue.what}) the variant does not state (prologue: '…')`,
    );
  }
  return new Machine(def, {
    invariants: o.invariants,
    maxSteps: o.maxSteps,
    ...(o.memoryModel !== undefined ? { memoryModel: o.memoryModel } : {}),
    ...(o.historyBudget !== undefined ? { historyBudget: o.historyBudget } : {}),
  });
}
