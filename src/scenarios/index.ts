import type { ScenarioDef } from '../model/scenario.ts';
import abbaDeadlock from './demo/abba-deadlock.ts';
import lostWakeup from './demo/lost-wakeup.ts';
import c1SiginfoTrylock from './dragonos/c1-siginfo-trylock.ts';
import c2IrqEnable from './dragonos/c2-irq-enable.ts';
import c3DetachWakeup from './dragonos/c3-detach-wakeup.ts';
import c4MarkStopVsSigcont from './dragonos/c4-mark-stop-vs-sigcont.ts';

/** Every built-in scenario, in the order `list` and `check` show them. */
export const SCENARIOS: readonly ScenarioDef[] = [
  lostWakeup,
  abbaDeadlock,
  c1SiginfoTrylock,
  c2IrqEnable,
  c3DetachWakeup,
  c4MarkStopVsSigcont,
];

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
