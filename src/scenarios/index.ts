import type { ScenarioDef } from '../model/scenario.ts';
import abbaDeadlock from './demo/abba-deadlock.ts';
import lostWakeup from './demo/lost-wakeup.ts';
import linuxAttachDetach from './linux/attach-detach.ts';
import linuxGdbTraceme from './linux/gdb-traceme.ts';
import linuxKillSleeping from './linux/kill-sleeping.ts';
import linuxKillTraced from './linux/kill-traced.ts';
import linuxResumeVsWait from './linux/resume-vs-wait.ts';
import linuxSeizeInterruptListen from './linux/seize-interrupt-listen.ts';
import linuxSleepWake from './linux/sleep-wake.ts';
import linuxStopCont from './linux/stop-cont.ts';
import linuxTracerExit from './linux/tracer-exit.ts';

/** Every built-in scenario, in the order `list` and `check` show them. */
export const SCENARIOS: readonly ScenarioDef[] = [
  lostWakeup,
  abbaDeadlock,
  linuxSleepWake,
  linuxStopCont,
  linuxKillSleeping,
  linuxGdbTraceme,
  linuxAttachDetach,
  linuxSeizeInterruptListen,
  linuxTracerExit,
  linuxResumeVsWait,
  linuxKillTraced,
];

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
