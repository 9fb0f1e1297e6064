import { Machine } from '../model/machine.ts';
import type { ScenarioDef } from '../model/scenario.ts';

export const DEFAULT_MAX_STEPS = 20_000;

/** What a machine for a scenario depends on. */
export interface MachineOptions {
  readonly variant: string;
  readonly cpus: number;
  readonly invariants: readonly string[] | null;
  readonly maxSteps: number;
}

/** The machine of a scenario variant (its own module, so that worker threads load little). */
export function makeMachine(s: ScenarioDef, o: MachineOptions): Machine {
  return new Machine(s.build({ variant: o.variant, cpus: o.cpus }), { invariants: o.invariants, maxSteps: o.maxSteps });
}
