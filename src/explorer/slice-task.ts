import type { IrqBounds } from '../model/irq-bounds.ts';
import type { Machine } from '../model/machine.ts';
import type { MemoryModel } from '../model/memory-model.ts';
import type { ScenarioDef, ScenarioSource } from '../model/scenario.ts';
import { makeMachine } from './make-machine.ts';
import { type Slice, type SliceResult, type SliceStrategyOptions, searchSlice } from './slices.ts';

/** One slice to search, as plain data (it crosses into worker threads). */
export interface SliceTask {
  /** where a worker thread finds the scenario (through the same loader as the command) */
  readonly scenario: ScenarioSource;
  readonly variant: string;
  readonly cpus: number;
  readonly invariants: readonly string[] | null;
  readonly maxSteps: number;
  readonly irq?: IrqBounds;
  readonly memoryModel?: MemoryModel;
  readonly search: SliceStrategyOptions;
  readonly slice: Slice;
  readonly maxExecutions?: number;
  /** absolute time (performance.timeOrigin + performance.now()) after which to stop */
  readonly deadline?: number;
  /** stop when the process's resident memory passes this many MiB */
  readonly maxMemoryMb?: number;
}

export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Machines built so far in this thread, by scenario, variant, CPUs and options. */
const machines = new Map<string, Machine>();

/** Searches one slice of the scenario `s` (the one `t.scenario` names). */
export function runSliceTask(t: SliceTask, s: ScenarioDef): SliceResult {
  const key = JSON.stringify([t.scenario, t.variant, t.cpus, t.invariants, t.maxSteps, t.irq ?? null, t.memoryModel ?? null]);
  let m = machines.get(key);
  if (m === undefined) {
    m = makeMachine(s, t);
    machines.set(key, m);
  }
  return searchSlice(m, t.search, t.slice, {
    ...(t.maxExecutions !== undefined ? { maxExecutions: t.maxExecutions } : {}),
    ...(t.deadline !== undefined ? { maxTimeMs: Math.max(0, t.deadline - now()) } : {}),
    ...(t.maxMemoryMb !== undefined ? { maxMemoryMb: t.maxMemoryMb } : {}),
  });
}
