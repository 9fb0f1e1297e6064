import { readFileSync } from 'node:fs';
import { choiceOf } from '../src/explorer/record.ts';
import { DEFAULT_MAX_STEPS, makeMachine } from '../src/explorer/run.ts';
import { parseTrace, type TraceFile, traceMemoryModelOf } from '../src/explorer/trace.ts';
import type { Machine } from '../src/model/machine.ts';
import { findScenario } from '../src/scenarios/index.ts';

/** A saved trace, the machine it was found on (built as replay builds it), and its schedule as that machine's choices. */
export function traceMachine(file: string): { t: TraceFile; m: Machine; schedule: number[] } {
  const t = parseTrace(readFileSync(file, 'utf8'), file);
  const s = findScenario(t.scenario);
  if (!s) throw new Error(`scenario ${t.scenario} is missing`);
  const m = makeMachine(s, {
    variant: t.variant,
    cpus: t.options.cpus,
    invariants: t.options.invariants,
    maxSteps: t.options.maxSteps ?? DEFAULT_MAX_STEPS,
    memoryModel: traceMemoryModelOf(t),
    // the interrupt budgets the trace was found under (a row's own)
    ...(t.options.irq !== undefined ? { irq: t.options.irq } : {}),
  });
  return { t, m, schedule: t.schedule.map((label) => choiceOf(m, label)) };
}
