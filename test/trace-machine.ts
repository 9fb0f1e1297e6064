import { readFileSync } from 'node:fs';
import { choiceOf } from '../src/explorer/record.ts';
import { traceMachine as machineOfTrace } from '../src/explorer/replay.ts';
import { parseTrace, type TraceFile } from '../src/explorer/trace.ts';
import type { Machine } from '../src/model/machine.ts';
import { findScenario } from '../src/scenarios/index.ts';

/** A saved trace, the machine it was found on (as replay builds it), and its schedule as that machine's choices. */
export function traceMachine(file: string): { t: TraceFile; m: Machine; schedule: number[] } {
  const t = parseTrace(readFileSync(file, 'utf8'), file);
  const s = findScenario(t.scenario);
  if (!s) throw new Error(`scenario ${t.scenario} is missing`);
  const m = machineOfTrace(s, t);
  return { t, m, schedule: t.schedule.map((label) => choiceOf(m, label)) };
}
