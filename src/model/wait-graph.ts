/**
 * Deadlock among sleepers: tasks asleep, each waiting for something another
 * of them holds (a sleeping mutex), in a cycle — nobody is left to wake any
 * of them. Spinning CPUs are the engine's own deadlock check; this one sees
 * tasks that left their CPUs to sleep, which a kernel model describes with
 * wait edges (`ModelBuilder.waitsFor`).
 */

/** One sleeping task and what it waits for. */
export interface WaitEdge {
  /** the sleeping task */
  readonly task: number;
  /** the task that holds what it waits for */
  readonly holder: number;
  /** what it waits for, in words (`M1`, `cred_guard_mutex`) */
  readonly on: string;
}

/** The edges of one cycle, in order (each edge's holder is the next edge's task), or null. */
export function sleeperCycle(edges: readonly WaitEdge[]): WaitEdge[] | null {
  const out = new Map<number, WaitEdge>();
  for (const e of edges) if (!out.has(e.task)) out.set(e.task, e);
  for (const start of [...out.keys()].sort((a, b) => a - b)) {
    const path: WaitEdge[] = [];
    const seen = new Set<number>();
    let t = start;
    while (out.has(t) && !seen.has(t)) {
      seen.add(t);
      const e = out.get(t) as WaitEdge;
      path.push(e);
      t = e.holder;
    }
    if (seen.has(t)) {
      const from = path.findIndex((e) => e.task === t);
      return path.slice(from);
    }
  }
  return null;
}
