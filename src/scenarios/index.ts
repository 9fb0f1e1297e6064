import type { ScenarioDef } from '../model/scenario.ts';
import benchLockedCounter from './bench/locked-counter.ts';
import benchSleepWake from './bench/sleep-wake.ts';
import abbaDeadlock from './demo/abba-deadlock.ts';
import lostWakeup from './demo/lost-wakeup.ts';
import c1SiginfoTrylock from './dragonos/c1-siginfo-trylock.ts';
import c2IrqEnable from './dragonos/c2-irq-enable.ts';
import c3DetachWakeup from './dragonos/c3-detach-wakeup.ts';
import c4MarkStopVsSigcont from './dragonos/c4-mark-stop-vs-sigcont.ts';
import linuxAttachDetach from './linux/attach-detach.ts';
import linuxGdbTraceme from './linux/gdb-traceme.ts';
import linuxKillSleeping from './linux/kill-sleeping.ts';
import linuxKillTraced from './linux/kill-traced.ts';
import linuxResumeVsWait from './linux/resume-vs-wait.ts';
import linuxSeizeDetach from './linux/seize-detach.ts';
import linuxSeizeInterruptListen from './linux/seize-interrupt-listen.ts';
import linuxSleepWake from './linux/sleep-wake.ts';
import linuxStopCont from './linux/stop-cont.ts';
import linuxTracerExit from './linux/tracer-exit.ts';
import redoxBreakpointCont, { breakpointCont2Rounds } from './redox/breakpoint-cont.ts';
import redoxCloneEvent from './redox/clone-event.ts';
import redoxSyscallPairing from './redox/syscall-pairing.ts';
import redoxTraceeExit from './redox/tracee-exit.ts';
import selfptraceParentExit from './selfptrace/parent-exit.ts';
import selfptraceSelfOff from './selfptrace/self-off.ts';
import selfptraceSignalBetween from './selfptrace/signal-between.ts';

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
  linuxSeizeDetach,
  linuxTracerExit,
  linuxResumeVsWait,
  linuxKillTraced,
  c1SiginfoTrylock,
  c2IrqEnable,
  c3DetachWakeup,
  c4MarkStopVsSigcont,
  redoxSyscallPairing,
  redoxBreakpointCont,
  breakpointCont2Rounds,
  redoxCloneEvent,
  redoxTraceeExit,
  selfptraceParentExit,
  selfptraceSignalBetween,
  selfptraceSelfOff,
  benchLockedCounter,
  benchSleepWake,
];

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
