import type { ScenarioDef } from '../model/scenario.ts';
import abbaDeadlock from './demo/abba-deadlock.ts';
import lostWakeup from './demo/lost-wakeup.ts';
import linuxKillSleeping from './linux/kill-sleeping.ts';
import linuxSleepWake from './linux/sleep-wake.ts';
import linuxStopCont from './linux/stop-cont.ts';

/** Every built-in scenario, in the order `list` and `check` show them. */
export const SCENARIOS: readonly ScenarioDef[] = [lostWakeup, abbaDeadlock, linuxSleepWake, linuxStopCont, linuxKillSleeping];

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
