/**
 * Judges observed state changes against the compiled oracle tables, and
 * records which edges executions exercised (for the coverage report).
 */
import type { MachineView } from '../../../model/types.ts';
import { JOBCTL_PTRACE_FROZEN, LINUX_6_6, type LinuxConsts, PT_PTRACED, PT_SEIZED } from '../consts.ts';
import type { LinuxTask } from '../objects.ts';
import { ptraceLinkMachine, taskStateMachine } from './machines.ts';
import { compileMachine, type Edge, type EdgeTable } from './table.ts';

export const TASK_STATE_TABLE: EdgeTable = compileMachine(taskStateMachine);
export const PTRACE_LINK_TABLE: EdgeTable = compileMachine(ptraceLinkMachine);

/** The oracle's name for a __state value (undefined: not a state the model knows), by 6.6's values. */
export function taskStateName(v: number): string | undefined {
  return LINUX_6_6.oracleState(v);
}

/** The oracle's name for a ptrace link (p->ptrace, p->jobctl). */
export function ptraceLinkName(ptrace: number, jobctl: number): string {
  const frozen = (jobctl & JOBCTL_PTRACE_FROZEN) !== 0;
  if (!(ptrace & PT_PTRACED)) return frozen ? 'UNLINKED_FROZEN' : 'UNTRACED';
  const base = ptrace & PT_SEIZED ? 'SEIZED' : 'ATTACHED';
  return frozen ? `${base}_FROZEN` : base;
}

/** Edges exercised since the last reset, per table (the coverage report reads them). */
const covered = new Map<EdgeTable, Set<number>>([
  [TASK_STATE_TABLE, new Set()],
  [PTRACE_LINK_TABLE, new Set()],
]);

export function coveredEdges(table: EdgeTable): ReadonlySet<number> {
  return covered.get(table) ?? new Set();
}
export function resetCoverage(): void {
  for (const s of covered.values()) s.clear();
}

function lookup(table: EdgeTable, from: string, to: string): Edge | undefined {
  const e = table.byPair.get(`${from}>${to}`);
  if (e) (covered.get(table) as Set<number>).add(e.id);
  return e;
}

export function taskStateEdge(
  task: string,
  from: number,
  to: number,
  _w: MachineView,
  c: LinuxConsts = LINUX_6_6,
): string | null {
  const f = c.oracleState(from);
  const t = c.oracleState(to);
  // two values of one oracle state (5.18's freeze: TASK_TRACED → __TASK_TRACED) are no transition
  if (f !== undefined && (f === t || (t !== undefined && lookup(TASK_STATE_TABLE, f, t)))) return null;
  return `${task}->__state: ${c.stateFormatter(from)} → ${c.stateFormatter(to)} is not an edge of the task-state machine`;
}

export function ptraceLinkEdge(task: LinuxTask, addr: number, from: number, to: number, w: MachineView): string | null {
  const ptrace = w.mem[task.ptrace] as number;
  const jobctl = w.mem[task.jobctl] as number;
  const before = addr === task.ptrace ? ptraceLinkName(from, jobctl) : ptraceLinkName(ptrace, from);
  const after = ptraceLinkName(ptrace, addr === task.jobctl ? to : jobctl);
  if (before === after || lookup(PTRACE_LINK_TABLE, before, after)) return null;
  return `${task.name}: ptrace link ${before} → ${after} is not an edge of the ptrace-link machine`;
}
