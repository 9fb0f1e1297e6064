import { isBlocking, K, type MemView } from '../cpu/ops.ts';
import type { Machine, StepInfo, StepObserver } from '../model/machine.ts';
import type { ScenarioDef } from '../model/scenario.ts';
import { ENGINE_INVARIANTS, type MachineView } from '../model/types.ts';
import { type RaceStep, type RaceStory, raceStory } from './race-story.ts';
import { choiceOf } from './record.ts';
import { replayTrace, traceMachine } from './replay.ts';
import type { TraceFile } from './trace.ts';

/** What one step touched, by cell name (CPU-local state and task contexts have names of their own). */
export interface StepFootprint {
  readonly reads: readonly string[];
  readonly writes: readonly string[];
}

/** A step that made a blocked or parked task able to go on, and the step where that task next ran. */
export interface WakeEdge {
  readonly from: number;
  readonly to: number;
  readonly task: string;
  /** `wake`: a parked task made runnable; `unblock`: a blocked wait (spin, await) made able to complete */
  readonly kind: 'wake' | 'unblock';
}

/** How the violation came about: at a step (assertion, lock discipline, …) or when the execution ended. */
export type ViolationKind = 'step' | 'terminal' | 'deadlock';

export interface TraceAnalysis {
  /** per step (index = step − 1) */
  readonly footprints: readonly StepFootprint[];
  readonly wakes: readonly WakeEdge[];
  readonly violationKind: ViolationKind;
  /** the cells the violation looks at */
  readonly violationReads: readonly string[];
  /** CPUs whose own history the violation depends on (the failing step's CPU, the CPUs stuck in a deadlock) */
  readonly violationCpus: readonly number[];
  /** step numbers of the happens-before slice of the violation, ascending */
  readonly slice: readonly number[];
  /** the few steps that tell how the violation came about (race-story.ts) */
  readonly story: RaceStory;
  /** the ghost cells: bookkeeping the invariants keep, which no program reads */
  readonly ghosts: readonly string[];
}

/**
 * Replays a trace on the model (it must reproduce exactly, see replayTrace)
 * and works out what each step touched and which steps the violation
 * depends on. Used by `explain` and by the renderers; never in a search.
 */
export function analyzeTrace(s: ScenarioDef, t: TraceFile): TraceAnalysis {
  replayTrace(s, t);
  // the machine replay checked the trace on (its interrupt budgets included)
  const m = traceMachine(s, t);
  const obs = new FootprintObserver(m);
  m.observer = obs;
  for (const label of t.schedule) m.step(choiceOf(m, label));
  const stepViolation = m.violation;
  if (stepViolation === null) m.finish();
  const v = m.violation;
  if (v === null) throw new Error('analysis: the trace no longer ends in a violation');

  const reads = new Set<number>();
  const cpus = new Set<number>();
  let kind: ViolationKind;
  const last = t.steps[t.steps.length - 1];
  if (stepViolation !== null) {
    kind = 'step';
    if (last) cpus.add(last.cpu);
    const inv = m.def.safety.find((i) => i.name === v.invariant);
    if (inv) for (const a of readsOf(m, inv.check)) reads.add(a);
  } else if (v.invariant === ENGINE_INVARIANTS.deadlock && !m.def.terminal.some((i) => i.name === v.invariant)) {
    kind = 'deadlock';
    for (const cpu of m.cpus) {
      if (cpu.current < 0) continue;
      const op = m.pendingOf(cpu.current);
      if (op === null || !isBlocking(op.k) || op.tag === 'quiescent') continue;
      cpus.add(cpu.id);
      if (op.k === K.AWAIT) for (const a of op.addrs ?? []) reads.add(a);
      else reads.add(op.a);
    }
    // every CPU idles: a cycle of sleepers, found from what the wait-for edges read (a lock's owner and waiters)
    if (cpus.size === 0) {
      const edges = (w: MachineView) => {
        for (const f of m.def.waitsFor ?? []) f(w);
        return null;
      };
      for (const a of readsOf(m, edges)) reads.add(a);
    }
  } else {
    kind = 'terminal';
    const inv = m.def.terminal.find((i) => i.name === v.invariant);
    if (inv) for (const a of readsOf(m, inv.check)) reads.add(a);
  }
  const ghosts: string[] = [];
  for (let a = 0; a < m.layout.size; a++) if (m.layout.info(a).ghost) ghosts.push(m.layout.name(a));
  const footprints = obs.footprints.map((f) => ({
    reads: f.reads.map((a) => cellName(m, a)),
    writes: f.writes.map((a) => cellName(m, a)),
  }));
  const slice = happensBeforeSlice(
    t.steps.map((st, i) => ({ cpu: st.cpu, task: st.task, ...(obs.footprints[i] as RawFootprint) })),
    { reads: [...reads], cpus: [...cpus], includeLast: kind === 'step' },
  );
  return {
    footprints,
    wakes: [...obs.blockedWakes(t), ...parkedWakes(t)].sort((a, b) => a.to - b.to || a.from - b.from),
    violationKind: kind,
    violationReads: [...reads].sort((a, b) => a - b).map((a) => cellName(m, a)),
    violationCpus: [...cpus].sort((a, b) => a - b),
    slice,
    story: raceStory(storySteps(m, t, obs.footprints), {
      reads: [...reads].filter((a) => a < m.layout.size).map((a) => cellName(m, a)),
      failingStep: kind === 'step',
      blockedCpus: kind === 'deadlock' ? [...cpus].sort((a, b) => a - b) : [],
      ghosts,
      subjects: Array.from({ length: m.taskCount }, (_, i) => m.taskName(i)).filter((name) =>
        new RegExp(`(^|[^\\w.])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).test(v.message),
      ),
    }),
    ghosts,
  };
}

interface RawFootprint {
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

export interface SliceStep extends RawFootprint {
  readonly cpu: number;
  readonly task: string;
}

/**
 * The steps the violation depends on: a step is in the slice when it comes
 * before a step of the slice (or the violation itself) and the two are
 * ordered — same CPU, same task, or conflicting accesses to a cell (one of
 * them writes it). That is the happens-before relation of the execution,
 * restricted to what leads to the violation; every other step could be
 * reordered or dropped without changing what the violation sees.
 */
export function happensBeforeSlice(
  steps: readonly SliceStep[],
  violation: { reads: readonly number[]; cpus: readonly number[]; includeLast: boolean },
): number[] {
  const n = steps.length;
  const inSlice = new Array<boolean>(n).fill(false);
  const vReads = new Set(violation.reads);
  const vCpus = new Set(violation.cpus);
  if (violation.includeLast && n > 0) inSlice[n - 1] = true;
  for (let i = n - 1; i >= 0; i--) {
    if (inSlice[i]) continue;
    const a = steps[i] as SliceStep;
    if (vCpus.has(a.cpu) || a.writes.some((c) => vReads.has(c))) {
      inSlice[i] = true;
      continue;
    }
    for (let j = i + 1; j < n; j++) {
      if (inSlice[j] && ordered(a, steps[j] as SliceStep)) {
        inSlice[i] = true;
        break;
      }
    }
  }
  const out: number[] = [];
  inSlice.forEach((x, i) => {
    if (x) out.push(i + 1);
  });
  return out;
}

function ordered(a: SliceStep, b: SliceStep): boolean {
  if (a.cpu === b.cpu || a.task === b.task) return true;
  return a.writes.some((c) => b.reads.includes(c) || b.writes.includes(c)) || b.writes.some((c) => a.reads.includes(c));
}

/**
 * The steps as the race story sees them: memory cells only, writes that
 * changed a value. A plain read-modify-write (`x |= m`: a load, then a store
 * of the same cell at the same source line by the same task) is one update
 * for the story: its store reads the cell too, so the story looks through it
 * to the writer of the value it updated, as through a locked one.
 */
function storySteps(m: Machine, t: TraceFile, footprints: readonly RawFootprint[]): RaceStep[] {
  const cellsOf = (i: number, side: 'reads' | 'writes') =>
    (footprints[i]?.[side] ?? []).filter((a) => a < m.layout.size).map((a) => m.layout.name(a));
  const lastOfTask = new Map<string, number>();
  return t.steps.map((s, i) => {
    const prev = lastOfTask.get(s.task);
    lastOfTask.set(s.task, i);
    const lock = s.kind.endsWith('lock');
    const changed = s.changes.filter((p) => p.path[0] === 'cells').map((p) => String(p.path[1]));
    // a store of the value a cell already holds is still a write that can be lost; a failed trylock writes nothing
    const stored = lock ? [] : cellsOf(i, 'writes');
    const writes = [...new Set([...stored, ...changed])].sort();
    const reads = cellsOf(i, 'reads');
    const p = prev === undefined ? undefined : t.steps[prev];
    if (s.kind === 'store' && p?.kind === 'load' && p.ref === s.ref) {
      const loaded = cellsOf(prev as number, 'reads');
      for (const c of writes) if (loaded.includes(c) && !reads.includes(c)) reads.push(c);
    }
    return {
      changes: changed,
      cpu: s.cpu,
      task: s.task,
      code: `${s.kind} ${s.ref}`,
      reads,
      writes,
      sync: lock && writes.length > 0,
      irqSwitch: s.kind === 'irq_enable' || s.kind === 'irq_disable',
    };
  });
}

/** Names of memory cells, and of the pseudo cells footprints use for CPU-local state and task contexts. */
function cellName(m: Machine, a: number): string {
  if (a < m.layout.size) return m.layout.name(a);
  if (a < m.taskCtx(0)) return `CPU${a - m.cpuLocal(0)} irq/preempt state`;
  if (a >= m.storeBufferCell(0)) return `CPU${a - m.storeBufferCell(0)}'s store buffer`;
  return `${m.taskName(a - m.taskCtx(0))} context`;
}

/** Runs an invariant over a view of the machine that records every cell it reads (replay only). */
function readsOf(m: Machine, check: (w: MachineView) => string | null): number[] {
  const seen = new Set<number>();
  const mem = new Proxy(m.mem, {
    get(target, p) {
      if (typeof p === 'string' && /^\d+$/.test(p)) seen.add(Number(p));
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as MemView;
  /** The task lookups read the task's context pseudo cell (switch_to writes it). */
  const ctx = <R>(t: number, value: R): R => {
    seen.add(m.taskCtx(t));
    return value;
  };
  const view: MachineView = {
    mem,
    layout: m.layout,
    taskCount: m.taskCount,
    cpuCount: m.cpuCount,
    taskCpu: (t) => ctx(t, m.taskCpu(t)),
    taskName: (t) => m.taskName(t),
    taskDone: (t) => ctx(t, m.taskDone(t)),
    taskStarted: (t) => ctx(t, m.taskStarted(t)),
  };
  check(view);
  return [...seen].sort((a, b) => a - b);
}

/**
 * Records, for each step, its footprint (taken before the step, as the
 * explorer sees it) plus every cell whose value the step changed — ghost
 * writes happen between yields and are not in the footprint — and which
 * CPUs went from blocked to able to go on.
 */
class FootprintObserver implements StepObserver {
  readonly footprints: RawFootprint[] = [];
  private readonly unblocked: { step: number; cpu: number; task: string }[] = [];
  private memBefore: Int32Array;
  private blockedBefore: boolean[] = [];
  private fp: RawFootprint = { reads: [], writes: [] };

  constructor(m: Machine) {
    this.memBefore = m.mem.slice();
  }

  before(m: Machine, choice: number): void {
    this.memBefore = m.mem.slice();
    this.fp = m.footprint(choice);
    this.blockedBefore = m.cpus.map((c) => c.current >= 0 && !m.isEnabled(c.id) && m.pendingOf(c.current) !== null);
  }

  after(m: Machine, info: StepInfo): void {
    const writes = new Set(this.fp.writes);
    for (let a = 0; a < m.mem.length; a++) if (m.mem[a] !== this.memBefore[a]) writes.add(a);
    this.footprints.push({ reads: [...this.fp.reads], writes: [...writes].sort((a, b) => a - b) });
    const step = this.footprints.length;
    m.cpus.forEach((c, i) => {
      if (i !== info.cpu && this.blockedBefore[i] && c.current >= 0 && m.isEnabled(i)) {
        this.unblocked.push({ step, cpu: i, task: m.taskName(c.current) });
      }
    });
  }

  /** Wake edges for blocked waits: the unblocking step → that CPU's next step. */
  blockedWakes(t: TraceFile): WakeEdge[] {
    const out: WakeEdge[] = [];
    for (const u of this.unblocked) {
      const next = t.steps.find((s) => s.step > u.step && s.cpu === u.cpu);
      if (next) out.push({ from: u.step, to: next.step, task: u.task, kind: 'unblock' });
    }
    return out;
  }
}

/**
 * Wake edges for parked tasks, read from the recorded world: after a task
 * is parked, the last step by another task that puts it in a set (a
 * runqueue) or writes one of its own fields (`T.state`) before it runs
 * again → the first step it runs.
 */
export function parkedWakes(t: TraceFile): WakeEdge[] {
  const out: WakeEdge[] = [];
  const where: Record<string, string> = { ...t.initial.tasks };
  const cells: Record<string, string> = { ...t.initial.cells };
  const parkedAt = new Map<string, number>();
  const wokenBy = new Map<string, number>();
  const resumed = new Set<string>();
  for (const s of t.steps) {
    if (resumed.has(s.task)) {
      resumed.delete(s.task);
      const from = wokenBy.get(s.task);
      if (from !== undefined) out.push({ from, to: s.step, task: s.task, kind: 'wake' });
      wokenBy.delete(s.task);
    }
    for (const p of s.changes) {
      const [area, key] = p.path as [string, string];
      const value = String(p.value ?? '');
      if (area === 'cells') {
        for (const task of parkedAt.keys()) {
          if (s.task === task) continue;
          if (key.startsWith(`${task}.`) || (inSet(value, task) && !inSet(cells[key] ?? '', task))) wokenBy.set(task, s.step);
        }
        cells[key] = value;
      } else if (area === 'tasks') {
        if (value === 'parked') {
          parkedAt.set(key, s.step);
          wokenBy.delete(key);
        } else if (where[key] === 'parked' && value.startsWith('running')) {
          parkedAt.delete(key);
          resumed.add(key);
        }
        where[key] = value;
      }
    }
  }
  return out;
}

function inSet(value: string, task: string): boolean {
  return /^\{.*\}$/.test(value) && value.slice(1, -1).split(',').includes(task);
}
