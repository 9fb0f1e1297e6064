/**
 * Compiles an xstate machine, once, into a lookup table of its edges:
 * (state, event) → target for every event the state can take (`can()`
 * matters: an unhandled event looks like a self-loop otherwise). The model
 * checker then judges each observed change with two map lookups instead of
 * xstate's transition() per step.
 */
import { type AnyStateMachine, transition } from 'xstate';

export interface Edge {
  readonly id: number;
  readonly from: string;
  readonly event: string;
  readonly to: string;
}

export interface EdgeTable {
  readonly machine: string;
  readonly states: readonly string[];
  readonly edges: readonly Edge[];
  /** `${from}>${to}` → the edge (each pair has at most one event in our machines) */
  readonly byPair: ReadonlyMap<string, Edge>;
}

export function compileMachine(machine: AnyStateMachine): EdgeTable {
  const states = Object.keys(machine.root.states);
  const events = [...new Set(machine.events as string[])].sort();
  const edges: Edge[] = [];
  const byPair = new Map<string, Edge>();
  for (const from of states) {
    const snap = machine.resolveState({ value: from, context: {} });
    for (const event of events) {
      if (!snap.can({ type: event })) continue;
      const [next] = transition(machine, snap, { type: event });
      const to = String(next.value);
      const key = `${from}>${to}`;
      if (byPair.has(key)) throw new Error(`${machine.id}: two events lead from ${from} to ${to}`);
      const e: Edge = { id: edges.length, from, event, to };
      edges.push(e);
      byPair.set(key, e);
    }
  }
  return { machine: machine.id, states, edges, byPair };
}
