import type { ScenarioDef } from '../model/scenario.ts';
import abbaDeadlock from './demo/abba-deadlock.ts';
import lostWakeup from './demo/lost-wakeup.ts';
import linuxSleepWake from './linux/sleep-wake.ts';

/** Every built-in scenario, in the order `list` and `check` show them. */
export const SCENARIOS: readonly ScenarioDef[] = [lostWakeup, abbaDeadlock, linuxSleepWake];

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
