/**
 * Which oracle edges executions exercised, and which they did not. The edge
 * list comes from xstate/graph (toDirectedGraph), independently of the
 * compiled table the checker uses, so the report also cross-checks the two.
 */
import type { AnyStateMachine } from 'xstate';
import { type DirectedGraphNode, toDirectedGraph } from 'xstate/graph';
import { coveredEdges, PTRACE_LINK_TABLE, TASK_STATE_TABLE } from './check.ts';
import { ptraceLinkMachine, taskStateMachine } from './machines.ts';
import type { EdgeTable } from './table.ts';

export interface GraphEdge {
  readonly from: string;
  readonly event: string;
  readonly to: string;
}

/** Every transition of a machine, as xstate/graph lists them, in a stable order. */
export function graphEdges(machine: AnyStateMachine): GraphEdge[] {
  const out: GraphEdge[] = [];
  const walk = (n: DirectedGraphNode) => {
    for (const e of n.edges) out.push({ from: e.source.key, event: e.label.text, to: e.target.key });
    for (const c of n.children) walk(c);
  };
  walk(toDirectedGraph(machine));
  return out.sort((a, b) => `${a.from} ${a.event}`.localeCompare(`${b.from} ${b.event}`));
}

export interface MachineCoverage {
  readonly machine: string;
  readonly edges: number;
  readonly covered: readonly GraphEdge[];
  readonly uncovered: readonly GraphEdge[];
}

function coverageOf(machine: AnyStateMachine, table: EdgeTable): MachineCoverage {
  const hit = coveredEdges(table);
  const covered: GraphEdge[] = [];
  const uncovered: GraphEdge[] = [];
  for (const e of graphEdges(machine)) {
    const t = table.byPair.get(`${e.from}>${e.to}`);
    if (!t || t.event !== e.event)
      throw new Error(`${table.machine}: the graph edge ${e.from} -${e.event}-> ${e.to} is not in the compiled table`);
    (hit.has(t.id) ? covered : uncovered).push(e);
  }
  return { machine: table.machine, edges: covered.length + uncovered.length, covered, uncovered };
}

/** Coverage of both oracle machines by the executions run since resetCoverage(). */
export function oracleCoverage(): MachineCoverage[] {
  return [coverageOf(taskStateMachine, TASK_STATE_TABLE), coverageOf(ptraceLinkMachine, PTRACE_LINK_TABLE)];
}
