/**
 * The race story of a violation: the few steps a reviewer points at, not
 * every step the violation depends on.
 *
 * The happens-before slice (analyze.ts) closes over program order: every
 * earlier step of a task in the slice joins it, so on a kernel path it keeps
 * most of the trace. The story follows values across tasks instead:
 *
 * - it starts from the violation: the failing step, the last step that
 *   changed each cell the violation reads, the last step of each CPU stuck in
 *   a deadlock; when a cell it reads was never changed (a wait that never
 *   returned leaves its ghost unwritten), the last step where each task the
 *   violation's message names, and that wrote none of those cells, read a
 *   value another task wrote;
 * - reads-from across tasks: a story step read a value another task wrote
 *   (through the reader's own read-modify-writes of the same cell, so a
 *   reader that takes and drops a lock still reads from the other holder);
 * - from-read across tasks: a story step read a value that another task then
 *   overwrote, or a story step overwrote a value another task had just read
 *   — the racing pair (the tracer reads `T.state`, then T writes
 *   `TracedStopped`); a store of the value already there counts only when
 *   the reader's task writes the cell again (its update is then lost);
 * - write-write across tasks: a story step overwrote what another task wrote
 *   without reading it (the lost update);
 * - from each step that starts the story, the task's own earlier steps that
 *   took part in such a cross-task edge (or read another task's field as it
 *   was at the start: P reads `T.on_rq`), nearest first. Program order is not
 *   followed from there on: the task's other steps in between are left out.
 *
 * A task's reads of one value add one edge, at its first read; its reads
 * before another task overwrites the value add one, at its last read (the
 * stale one it acted on). Lock words order tasks but are rarely the race
 * itself: a lock or unlock that changed its lock word reads nothing for the
 * story; a trylock that failed (it changed nothing) does read the holder's
 * acquire.
 *
 * Candidates are ranked by distance from the violation — each hop along an
 * edge costs one (a lost update's two writes rank together), the n-th earlier
 * step of a task costs n, a task's older writers of what the violation reads
 * and the writers of ghost cells start one behind — then by lateness, and the
 * story keeps at most `limit` steps. A step that repeats a story step (same
 * task, same code, same values from the same writers, e.g. the rounds of a
 * bounded trylock loop) joins it at the same rank.
 */

/** One step as the story sees it; cells by name, CPU-local state and task contexts left out. */
export interface RaceStep {
  readonly cpu: number;
  readonly task: string;
  /** the code it runs (repeats of a step have the same one) */
  readonly code: string;
  /** cells whose value it read */
  readonly reads: readonly string[];
  /** cells it wrote, a store of the value already there included (it can still be lost) */
  readonly writes: readonly string[];
  /** the cells among `writes` whose value it changed (a reader reads from these) */
  readonly changes: readonly string[];
  /** a lock or unlock that changed its lock word: its accesses order tasks, they are not what raced */
  readonly sync: boolean;
  /** it switched its CPU's interrupts on or off outright (not a save/restore) */
  readonly irqSwitch: boolean;
}

export interface RaceViolation {
  /** cells the violation looks at */
  readonly reads: readonly string[];
  /** the last step is the one that failed (an assertion, lock discipline, …) */
  readonly failingStep: boolean;
  /** CPUs stuck in a deadlock */
  readonly blockedCpus: readonly number[];
  /** ghost cells (bookkeeping the invariants keep; no program reads them): never a lost update */
  readonly ghosts?: readonly string[];
  /**
   * The tasks the violation's message is about (`B is TASK_WAKING but …`):
   * an end-of-execution check reads every task's cells, and the writers of
   * the others' come behind (what the check says about them is fine).
   */
  readonly subjects?: readonly string[];
}

/** A cross-task edge between two story steps (1-based step numbers, from before to). */
export interface RaceEdge {
  readonly from: number;
  readonly to: number;
  readonly cell: string;
  /**
   * `rf`: `to` read the value `from` wrote; `fr`: `from` read a value `to`
   * then overwrote; `ww`: `to` overwrote what `from` wrote without reading it
   */
  readonly kind: 'rf' | 'fr' | 'ww';
}

export interface RaceStory {
  /** step numbers, ascending */
  readonly steps: readonly number[];
  /** the cross-task edges between story steps, by `from` then `to` */
  readonly edges: readonly RaceEdge[];
  /** story steps that repeat an earlier story step (a retry loop's rounds), by `step` */
  readonly repeats: readonly { readonly step: number; readonly of: number }[];
}

export const STORY_LIMIT = 10;

const GHOST = /^ghost\./;

export function raceStory(steps: readonly RaceStep[], v: RaceViolation, limit = STORY_LIMIT): RaceStory {
  const ghosts = new Set(v.ghosts ?? []);
  const isGhost = (c: string) => ghosts.has(c) || GHOST.test(c);
  const g = new EdgeIndex(steps, isGhost);
  const n = steps.length;
  const cost = new Map<number, number>();
  const offer = (i: number, c: number) => {
    if (i >= 0 && i < n && c < (cost.get(i) ?? Number.POSITIVE_INFINITY)) cost.set(i, c);
  };
  const starts: number[] = [];
  if (v.failingStep && n > 0) {
    starts.push(n - 1);
    offer(n - 1, 0);
    // a failing check of the CPU's interrupt state: where the task last switched interrupts on or off
    const last = steps[n - 1] as RaceStep;
    let k = 1;
    for (let i = n - 2; i >= 0 && k <= 2; i--) {
      const s = steps[i] as RaceStep;
      if (s.task === last.task && s.cpu === last.cpu && s.irqSwitch) offer(i, k++);
    }
  }
  // The writers of what the violation reads; a task's latest such write leads, its older ones and
  // ghost cells (bookkeeping the invariants keep) come one step behind.
  const writers = v.reads
    .map((c) => ({ c, w: g.lastChange(c, n) }))
    .filter((x) => x.w >= 0)
    .sort((a, b) => b.w - a.w);
  const leads = new Set<string>();
  const subjects = new Set(v.subjects ?? []);
  for (const { c, w } of writers) {
    const task = (steps[w] as RaceStep).task;
    const ghost = isGhost(c);
    const aside = !ghost && subjects.size > 0 && !subjects.has(c.slice(0, c.indexOf('.'))) ? 3 : 0;
    starts.push(w);
    offer(w, (ghost ? 1 : 0) + (leads.has(task) ? 1 : 0) + aside);
    if (!ghost) leads.add(task);
  }
  // A cell the violation reads that no step changed (a ghost a task never got to write: the wait that
  // never returned): the story starts from the last value each task the message names read from
  // another task — what it last saw is why it never wrote the cell.
  if (v.reads.some((c) => g.lastChange(c, n) < 0)) {
    const writing = new Set(writers.map(({ w }) => (steps[w] as RaceStep).task));
    for (const name of subjects) {
      if (writing.has(name)) continue; // it wrote what the check reads: it starts the story already
      const i = findLastIndex(steps, (s, j) => s.task === name && g.edgesOf(j).some((e) => e.to === j && e.kind === 'rf'));
      if (i < 0) continue;
      starts.push(i);
      offer(i, 1);
    }
  }
  for (const cpu of v.blockedCpus) {
    const i = findLastIndex(steps, (s) => s.cpu === cpu);
    if (i < 0) continue;
    starts.push(i);
    offer(i, 0);
  }
  // From each start, the task's own earlier steps that meet another task, nearest first; a read of
  // another task's untouched field ranks one behind the cross-task edge at the same distance.
  // Its later steps too, when they race (a read another task then overwrites, a write lost to
  // another's): the step that matters may come after the write the violation reads.
  for (const s of starts) {
    const start = cost.get(s) ?? 0;
    let k = 1;
    for (let i = s - 1; i >= 0; i--) {
      if (steps[i]?.task !== steps[s]?.task) continue;
      if (g.edgesOf(i).length > 0) offer(i, start + k++);
      else if (g.readsInitial(i)) offer(i, start + k + 1);
    }
    k = 1;
    for (let i = s + 1; i < n; i++) {
      if (steps[i]?.task !== steps[s]?.task) continue;
      const raced = g.edgesOf(i).filter((e) => e.from === i && e.kind !== 'rf' && steps[e.to]?.cpu !== steps[i]?.cpu);
      if (raced.some((e) => e.kind === 'ww'))
        offer(i, start + 1); // its write was lost
      else if (raced.length > 0) offer(i, start + 1 + k++); // what it read went stale
    }
  }
  // Cheapest first (a settled step offers its edge partners one hop further).
  const settled = new Set<number>();
  for (;;) {
    let best = -1;
    for (const [i, c] of cost) {
      if (settled.has(i)) continue;
      const b = cost.get(best) ?? Number.POSITIVE_INFINITY;
      if (best < 0 || c < b || (c === b && i > best)) best = i;
    }
    if (best < 0) break;
    settled.add(best);
    // a lost update is the race itself: its two writes rank together; tasks that met on one CPU (a
    // context switch between them) did not race, and come one behind
    for (const e of g.edgesOf(best)) {
      const other = e.from === best ? e.to : e.from;
      const oneCpu = steps[other]?.cpu === steps[best]?.cpu ? 1 : 0;
      offer(other, (cost.get(best) ?? 0) + (e.kind === 'ww' ? 0 : 1) + oneCpu);
    }
  }
  // Rank, keep repeats with the step they repeat, stop at the limit.
  const ranked = [...cost].sort((a, b) => a[1] - b[1] || b[0] - a[0]).map(([i]) => i);
  const chosen = new Set<number>();
  const repeats: { step: number; of: number }[] = [];
  for (const i of ranked) {
    if (chosen.has(i)) continue;
    const group = [i, ...g.repeatsOf(i)].filter((j) => !chosen.has(j));
    if (chosen.size + group.length > limit) {
      if (chosen.size + 1 > limit) break;
      group.length = 1;
    }
    for (const j of group) chosen.add(j);
    const first = Math.min(...group);
    for (const j of group) if (j !== first) repeats.push({ step: j + 1, of: first + 1 });
  }
  const out = [...chosen].sort((a, b) => a - b);
  const edges: RaceEdge[] = [];
  const seen = new Set<string>();
  for (const i of out) {
    for (const e of g.edgesOf(i)) {
      const key = `${e.from} ${e.to} ${e.cell} ${e.kind}`;
      if (chosen.has(e.from) && chosen.has(e.to) && !seen.has(key)) {
        seen.add(key);
        edges.push(e);
      }
    }
  }
  edges.sort((a, b) => a.from - b.from || a.to - b.to || (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : 0));
  return {
    steps: out.map((i) => i + 1),
    edges: edges.map((e) => ({ ...e, from: e.from + 1, to: e.to + 1 })),
    repeats: repeats.sort((a, b) => a.step - b.step),
  };
}

/** The cross-task reads-from, from-read and write-write edges of every step (0-based inside). */
class EdgeIndex {
  private readonly edges: RaceEdge[][];
  /** steps that read another task's field (`T.on_rq` read by P) still holding its initial value */
  private readonly initial = new Set<number>();
  /** per cell, the steps that changed its value, ascending */
  private readonly changes = new Map<string, number[]>();
  /** per cell, the steps that wrote it, ascending */
  private readonly writes = new Map<string, number[]>();

  constructor(
    private readonly steps: readonly RaceStep[],
    isGhost: (c: string) => boolean,
  ) {
    steps.forEach((s, i) => {
      for (const c of s.changes) append(this.changes, c, i);
      for (const c of s.writes) append(this.writes, c, i);
    });
    this.edges = steps.map(() => []);
    const tasks = new Set(steps.map((s) => s.task));
    const firstRead = new Set<string>();
    const lastRead = new Map<string, RaceEdge>();
    steps.forEach((s, i) => {
      if (s.sync) return;
      for (const c of s.reads) {
        const src = this.source(c, i);
        // only the task's first read of that value: later reads of it add nothing
        const key = `${s.task} ${src} ${c}`;
        if (src >= 0 && !firstRead.has(key)) this.add({ from: src, to: i, cell: c, kind: 'rf' });
        firstRead.add(key);
        if (src < 0 && last(this.changes.get(c), i) < 0 && ownedByOther(c, s.task, tasks)) this.initial.add(i);
        // only the task's last read before the other task's write: the stale one it acted on
        const next = this.overwrite(c, i);
        if (next >= 0) lastRead.set(`${s.task} ${next} ${c}`, { from: i, to: next, cell: c, kind: 'fr' });
      }
      for (const c of s.writes) {
        if (isGhost(c)) continue; // bookkeeping: nothing reads it, nothing of it is lost
        const prev = last(this.writes.get(c), i);
        const p = steps[prev];
        if (p === undefined || p.task === s.task || p.sync) continue;
        const readBetween = steps.slice(prev + 1, i + 1).some((o) => o.task === s.task && o.reads.includes(c));
        if (!readBetween) this.add({ from: prev, to: i, cell: c, kind: 'ww' });
      }
    });
    for (const e of lastRead.values()) this.add(e);
  }

  private add(e: RaceEdge): void {
    this.edges[e.from]?.push(e);
    this.edges[e.to]?.push(e);
  }

  edgesOf(i: number): readonly RaceEdge[] {
    return this.edges[i] ?? [];
  }

  /**
   * The next write of cell c after step i when another task makes it: the
   * write that made i's read stale. A store of the same value makes nothing
   * stale, unless i's task writes c again later (then that store is lost: a
   * read-modify-write split by another task's update).
   */
  private overwrite(c: string, i: number): number {
    const task = this.steps[i]?.task;
    const next = (this.writes.get(c) ?? []).find((j) => j > i) ?? -1;
    const w = this.steps[next];
    if (w === undefined || w.task === task) return -1;
    if (w.changes.includes(c)) return next;
    return (this.writes.get(c) ?? []).some((j) => j > next && this.steps[j]?.task === task) ? next : -1;
  }

  /** Step i read another task's field as it was at the start (P reads `T.on_rq`, nobody wrote it). */
  readsInitial(i: number): boolean {
    return this.initial.has(i);
  }

  /** The last step before `before` that changed cell c's value, or −1. */
  lastChange(c: string, before: number): number {
    return last(this.changes.get(c), before);
  }

  /**
   * Which other task's write the value step i read from cell c goes back to:
   * the reader's own read-modify-writes of c are looked through (its lock
   * count went up and down, the holder it met is still the other task).
   */
  private source(c: string, i: number): number {
    const task = this.steps[i]?.task;
    let w = last(this.changes.get(c), i);
    while (w >= 0) {
      const s = this.steps[w] as RaceStep;
      if (s.task !== task) return w;
      if (!s.reads.includes(c)) return -1;
      w = last(this.changes.get(c), w);
    }
    return -1;
  }

  /** The other steps of i's task that run the same code with the same partners (a retry loop). */
  repeatsOf(i: number): number[] {
    const sig = this.signature(i);
    if (sig === '') return [];
    const s = this.steps[i] as RaceStep;
    const out: number[] = [];
    this.steps.forEach((o, j) => {
      if (j !== i && o.task === s.task && o.code === s.code && this.signature(j) === sig) out.push(j);
    });
    return out;
  }

  /** What step i read and from whom, and who overwrote it next: equal for the rounds of a retry loop. */
  private signature(i: number): string {
    const s = this.steps[i] as RaceStep;
    if (s.sync) return '';
    const parts: string[] = [];
    for (const c of s.reads) {
      const src = this.source(c, i);
      const other = this.overwrite(c, i);
      if (src >= 0 || other >= 0) parts.push(`${c} ${src} ${other}`);
    }
    return parts.sort().join('|');
  }
}

function append(m: Map<string, number[]>, key: string, i: number): void {
  const xs = m.get(key);
  if (xs) xs.push(i);
  else m.set(key, [i]);
}

/** The last entry of an ascending list below `before`, or −1. */
function last(xs: readonly number[] | undefined, before: number): number {
  if (xs === undefined) return -1;
  for (let k = xs.length - 1; k >= 0; k--) if ((xs[k] as number) < before) return xs[k] as number;
  return -1;
}

/** Cells named after a task (`T.state`) are that task's fields. */
function ownedByOther(c: string, task: string, tasks: ReadonlySet<string>): boolean {
  const owner = c.slice(0, c.indexOf('.'));
  return owner !== task && tasks.has(owner);
}

function findLastIndex<T>(xs: readonly T[], p: (x: T, i: number) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (p(xs[i] as T, i)) return i;
  return -1;
}
