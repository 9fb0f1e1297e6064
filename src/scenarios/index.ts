import type { ScenarioDef } from '../model/scenario.ts';
import { loadBuiltins } from './registry.ts';

/**
 * Every built-in scenario, loaded, in the order `list` and `check` show
 * them (for the tests and the bench; the command loads only what it runs,
 * through registry.ts).
 */
export const SCENARIOS: readonly ScenarioDef[] = await loadBuiltins();

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
