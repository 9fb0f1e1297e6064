import type { ScenarioDef } from '../model/scenario.ts';
import abbaDeadlock from './demo/abba-deadlock.ts';
import lostWakeup from './demo/lost-wakeup.ts';
import redoxBreakpointCont from './redox/breakpoint-cont.ts';

/** Every built-in scenario, in the order `list` and `check` show them. */
export const SCENARIOS: readonly ScenarioDef[] = [lostWakeup, abbaDeadlock, redoxBreakpointCont];

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
