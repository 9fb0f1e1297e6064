import { CpuState, SB_ENTRY } from '../cpu/cpu.ts';
import type { MemoryLayout } from '../cpu/memory.ts';
import { type AssertFn, BARRIER, check, isBlocking, K, type MemView, type Op, type Program, SNAPSHOT } from '../cpu/ops.ts';
import { continuationKey, Frame, HistoryPoint, NOT_KEPT } from './frame.ts';
import { cellA, cellB, finishA, finishB, stepA, stepB } from './hash.ts';
import { LockSet } from './lock-set.ts';
import { type MemoryModel, SC } from './memory-model.ts';
import { declaredReadsView, recordingView } from './read-recorder.ts';
import {
  ENGINE_INVARIANTS,
  type GhostWriter,
  type IrqSourceDef,
  type LockGuard,
  type MachineView,
  type ModelDef,
  type Prologue,
  type SafetyInvariant,
  type TaskContext,
  type TransitionInvariant,
  type Violation,
} from './types.ts';
import { sleeperCycle } from './wait-graph.ts';

const NEW = 0;
const LIVE = 1;
const DONE = 2;

class TaskRt {
  frames: Frame[] = [];
  cpu = -1;
  life = NEW;
  /** parked inside switch_to: resume the top frame when switched back to */
  parked = false;
  constructor(
    readonly id: number,
    readonly name: string,
    /** the task's own program; one activation per execution, reused across executions */
    readonly root: Frame,
  ) {}
}

/**
 * Everything a state is made of, copied out of the machine: memory, CPUs,
 * tasks (each frame of each stack with its position in its recorded
 * history), interrupt budgets and the lockdep sets. `restore` puts it back
 * without running any program (see Frame).
 */
export interface Snapshot {
  /**
   * Memory, then per CPU (current task, irqs on, preempt count, in irq,
   * locks held and each lock, the store buffer's length and entries), per task (cpu, life, parked, frames and each
   * frame's position), the interrupt budgets, then the lockdep sets (count
   * and cells each) — packed in one array, so a snapshot is two allocations.
   */
  readonly ints: Int32Array;
  /** every task's frames, in task order */
  readonly frames: readonly Frame[];
  readonly memA: number;
  readonly memB: number;
  readonly steps: number;
  readonly watchedWrites: number;
}

/** What a step did, for the recorder (off the hot path). */
export interface StepInfo {
  readonly choice: number;
  readonly cpu: number;
  /** the task that ran (for a drain: the one whose store it was) */
  readonly task: number;
  /** null for an interrupt injection and a drain */
  readonly op: Op | null;
  readonly irq: number;
  readonly result: number;
  /** store-buffer entries this step wrote to memory (x86-TSO): cell, value, site, task each (SB_ENTRY ints) */
  readonly drained: readonly number[];
  /** a drain step (the choice drains the oldest entry of its CPU's buffer) */
  readonly drain: boolean;
  /** for a load: whether its value came from the CPU's own store buffer */
  readonly forwarded: boolean;
}

export interface StepObserver {
  before(m: Machine, choice: number): void;
  after(m: Machine, info: StepInfo): void;
}

/** The footprint of a choice: cells read and written, for dependence. */
export interface Footprint {
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

/**
 * How many history points the machine keeps as continuations (Frame): each
 * saves running a program again when an execution goes back to it. Past
 * the budget, new points are still recorded on their path but not kept,
 * so memory stays bounded on searches of many millions of executions.
 */
const HISTORY_POINT_BUDGET = 1 << 18;

/**
 * The transition system. The explorer sees only `reset`, `enabled`, `step`
 * and `footprint`; everything about CPUs, tasks and interrupts is in here.
 *
 * Choices: 0..cpus-1 run the next op of that CPU; cpus+i injects interrupt
 * source i on its CPU; under x86-TSO, cpus+irqs+c drains the oldest entry of
 * CPU c's store buffer. Each choice is deterministic given the state, so a
 * schedule (a list of choices) replays exactly.
 */
export class Machine implements MachineView {
  readonly cpuCount: number;
  readonly taskCount: number;
  readonly choiceCount: number;
  /** the first drain choice (drain of CPU c: drainBase + c); equals choiceCount under SC */
  readonly drainBase: number;
  readonly memoryModel: MemoryModel;
  /** x86-TSO: stores go through per-CPU store buffers */
  readonly tso: boolean;
  /** the store-buffer depth (tso) */
  private readonly sbDepth: number;
  /** lock cells released by a locked instruction (1) rather than a release store */
  private readonly lockedRelease: Uint8Array;
  readonly layout: MemoryLayout;
  mem: Int32Array;
  readonly cpus: CpuState[];
  private readonly tasks: TaskRt[];
  private readonly irqBudget: Int32Array;
  private readonly init: Int32Array;
  /** safety invariants watching each cell */
  private readonly watchers: (number[] | undefined)[];
  private readonly dirty: Uint8Array;
  private readonly dirtyList: number[] = [];
  private readonly safety: readonly SafetyInvariant[];
  /** the lock rules on each cell (ModelDef.guards) the user checks; null when there are none */
  private readonly guardsOn: (GuardRt[] | undefined)[] | null;
  /** transition invariants watching each cell */
  private readonly changeWatchers: (TransitionInvariant[] | undefined)[];
  private readonly checked: ReadonlySet<string> | null;
  /** per-CPU pseudo cells for footprints: irq state of the CPU, execution context of a task */
  private readonly cpuLocalCell: number;
  private readonly taskCtxCell: number;
  /** per-CPU pseudo cells for footprints: the CPU's store buffer (x86-TSO) */
  private readonly sbCell: number;
  /** locks taken in irq context / held with irqs on in this execution (lockdep-style) */
  private readonly irqLocks = new LockSet(0x1f1);
  private readonly irqsOnLocks = new LockSet(0x2e2);
  readonly ghost: GhostWriter;
  /** the memory's fingerprint lanes (XOR of its cells' hashes), kept up to date by every write */
  private memA = 0;
  private memB = 0;
  /** the last fingerprint() */
  fpA = 0;
  fpB = 0;
  /** cells a ghost write changed in the current step (for the footprint of the step that ran the code) */
  readonly stepGhosts: number[] = [];
  /** ghost writes so far in this execution */
  ghostWrites = 0;
  /** while > 0, a generator is being brought back to a recorded point: its ghost writes are not repeated */
  private rebuilding = 0;
  /** the CPU a generator being rebuilt ran on at the point being fed */
  private rebuildCpu = -1;
  /** the history point whose code is running (its ghost writes are recorded there) */
  private fxPoint: HistoryPoint | null = null;
  /** history points kept as continuations so far, and how many may be (HISTORY_POINT_BUDGET) */
  historyPoints = 0;
  private readonly historyBudget: number;
  /** interrupt handler activations, one per (source, how many times it fired before, interrupted task) */
  private readonly irqFrames = new Map<number, Frame>();
  /** the state reset() returns to */
  private readonly initial: Snapshot;
  /** generator steps run to bring activations back to a recorded point (see Frame) */
  rebuiltSteps = 0;
  /** the task that took each held lock (for a deadlock message: a lock can stay held by a task that left its CPU) */
  private readonly lockTaker: Int32Array;
  /** the task that starts on a CPU when each task's program ends (TaskDef.after), or -1 */
  private readonly successor: Int32Array;
  /** steps the prologue took (ModelDef.prologue), before step 0 of every execution */
  prologueSteps = 0;
  steps = 0;
  violation: Violation | null = null;
  observer: StepObserver | null = null;

  constructor(
    readonly def: ModelDef,
    opts: { invariants?: readonly string[] | null; maxSteps?: number; memoryModel?: MemoryModel; historyBudget?: number } = {},
  ) {
    this.cpuCount = def.cpus;
    this.taskCount = def.tasks.length;
    this.memoryModel = opts.memoryModel ?? def.memoryModel ?? SC;
    this.tso = this.memoryModel.name === 'tso';
    this.sbDepth = this.tso ? Math.max(1, this.memoryModel.storeBuffer) : 0;
    this.drainBase = def.cpus + def.irqs.length;
    this.choiceCount = this.drainBase + (this.tso ? def.cpus : 0);
    this.layout = def.layout;
    this.lockedRelease = new Uint8Array(def.layout.size);
    def.layout.all().forEach((c, a) => {
      if (c.lock !== '' && c.release === 'locked') this.lockedRelease[a] = 1;
    });
    this.init = def.layout.initialValues();
    this.mem = new Int32Array(this.init);
    this.cpus = Array.from({ length: def.cpus }, (_, i) => new CpuState(i));
    const self = this;
    this.ghost = {
      set(a, v) {
        if (self.rebuilding === 0) self.ghostWrite(0, a, v);
      },
      add(a, d) {
        if (self.rebuilding === 0) self.ghostWrite(1, a, d);
      },
    };
    this.tasks = def.tasks.map((t, i) => {
      const ctx = this.contextOf(i);
      const root = new Frame(() => t.program(ctx), false, stepA(0x51ed27, i), stepB(0x2f1e4b, i), i + 1, i);
      return new TaskRt(i, t.name, root);
    });
    this.irqBudget = new Int32Array(def.irqs.length);
    this.checked = opts.invariants && opts.invariants.length > 0 ? new Set(opts.invariants) : null;
    this.maxSteps = opts.maxSteps ?? 100_000;
    this.historyBudget = opts.historyBudget ?? HISTORY_POINT_BUDGET;
    this.safety = def.safety.filter((s) => this.wants(s.name));
    this.guardsOn = guardTable(
      def.layout,
      (def.guards ?? []).filter((g) => this.wants(g.invariant ?? ENGINE_INVARIANTS.lockDiscipline)),
    );
    this.watchers = new Array(def.layout.size);
    this.safety.forEach((inv, i) => {
      for (const a of inv.watch) {
        const list = this.watchers[a] ?? [];
        list.push(i);
        this.watchers[a] = list;
      }
    });
    this.changeWatchers = new Array(def.layout.size);
    for (const inv of def.transitions ?? []) {
      if (!this.wants(inv.name)) continue;
      for (const a of inv.watch) (this.changeWatchers[a] ??= []).push(inv);
    }
    this.dirty = new Uint8Array(this.safety.length);
    this.cpuLocalCell = def.layout.size;
    this.taskCtxCell = def.layout.size + def.cpus;
    this.lockTaker = new Int32Array(def.layout.size);
    this.successor = new Int32Array(def.tasks.length).fill(-1);
    def.tasks.forEach((d, i) => {
      if (d.after !== undefined) this.successor[d.after] = i;
    });
    this.sbCell = def.layout.size + def.cpus + def.tasks.length;
    this.coldReset();
    this.initial = this.snapshot();
  }

  /** the longest execution: past it a `livelock` violation when checked, else the search cuts the execution */
  readonly maxSteps: number;

  /** A machine of the same model with the same options, in its initial state (for a second search beside this one's). */
  clone(): Machine {
    return new Machine(this.def, {
      invariants: this.checked ? [...this.checked] : null,
      maxSteps: this.maxSteps,
      memoryModel: this.memoryModel,
    });
  }

  /** Is this invariant among the ones the user asked to check? (A model error is always reported.) */
  wants(name: string): boolean {
    return this.checked === null || this.checked.has(name) || name === ENGINE_INVARIANTS.modelError;
  }

  /** Back to the initial state (the programs are not run again: see Frame). */
  reset(): void {
    this.restore(this.initial);
  }

  /** The initial state, built by running the programs that start current to their first step. */
  private coldReset(): void {
    this.mem.set(this.init);
    this.rehashMemory();
    this.steps = 0;
    this.violation = null;
    this.irqLocks.clear();
    this.irqsOnLocks.clear();
    this.dirtyList.length = 0;
    this.dirty.fill(0);
    this.watchedWrites = 0;
    for (let i = 0; i < this.irqBudget.length; i++) this.irqBudget[i] = (this.def.irqs[i] as { budget: number }).budget;
    for (const c of this.cpus) c.reset(-1);
    for (const t of this.tasks) {
      t.frames = [];
      t.cpu = -1;
      t.life = NEW;
      t.parked = false;
    }
    this.def.tasks.forEach((d, i) => {
      if (d.startCpu < 0) return;
      const cpu = this.cpus[d.startCpu];
      if (!cpu) throw new Error(`task ${d.name} starts on CPU${d.startCpu}, which does not exist`);
      if (cpu.current >= 0) throw new Error(`two tasks start current on CPU${d.startCpu}`);
      cpu.current = i;
      this.tasks[i]!.cpu = d.startCpu;
    });
    for (const cpu of this.cpus) if (cpu.current >= 0) this.startOrResume(this.tasks[cpu.current]!);
    if (this.def.prologue) this.runPrologue(this.def.prologue);
  }

  /**
   * Runs the prologue: the lowest CPU that can step, until it is done (its
   * store buffer drained after each step); unobserved, and its steps are not counted. It runs once, before the
   * initial snapshot, so every execution (reset) starts where it ends.
   */
  private runPrologue(p: Prologue): void {
    const observer = this.observer;
    this.observer = null;
    const buf: number[] = [];
    let n = 0;
    try {
      while (!p.done(this)) {
        this.enabled(buf);
        const c = buf.find((x) => x < this.cpuCount);
        if (c === undefined) throw new Error(`the prologue (${p.what}) cannot go on: no CPU can step and it is not done`);
        this.step(c);
        // one order, and sequentially consistent: under TSO the CPU's stores reach memory at once
        while (this.tso && this.isEnabled(this.drainBase + c)) this.step(this.drainBase + c);
        n++;
        if (this.violation !== null) {
          const v = this.violation;
          throw new Error(`the prologue (${p.what}) breaks ${v.invariant} at its step ${n}: ${v.message}`);
        }
        if (n >= this.maxSteps) throw new Error(`the prologue (${p.what}) ran ${n} steps without being done`);
      }
    } finally {
      this.observer = observer;
    }
    this.prologueSteps = n;
    this.steps = 0;
  }

  // ---- the explorer's view -------------------------------------------------

  /** Fills `out` with the enabled choices in ascending order; returns how many. */
  enabled(out: number[]): number {
    let n = 0;
    if (this.violation !== null) return 0;
    const mem = this.mem;
    for (let c = 0; c < this.cpuCount; c++) {
      const cpu = this.cpus[c] as CpuState;
      if (cpu.current < 0) continue;
      const op = this.pendingOf(cpu.current);
      if (op !== null && this.opEnabled(op, cpu, mem)) out[n++] = c;
    }
    const irqs = this.def.irqs;
    for (let i = 0; i < irqs.length; i++) {
      if (this.irqEnabled(i)) out[n++] = this.cpuCount + i;
    }
    if (this.tso) {
      for (let c = 0; c < this.cpuCount; c++) if ((this.cpus[c] as CpuState).sb.length > 0) out[n++] = this.drainBase + c;
    }
    // setting an array's length is a runtime call: only when it changes
    if (out.length !== n) out.length = n;
    return n;
  }

  isEnabled(choice: number): boolean {
    if (this.violation !== null) return false;
    if (choice < this.cpuCount) {
      const cpu = this.cpus[choice];
      if (!cpu || cpu.current < 0) return false;
      const op = this.pendingOf(cpu.current);
      return op !== null && this.opEnabled(op, cpu, this.mem);
    }
    if (choice >= this.drainBase) {
      const cpu = this.cpus[choice - this.drainBase];
      return choice < this.choiceCount && cpu !== undefined && cpu.sb.length > 0;
    }
    const i = choice - this.cpuCount;
    return i < this.def.irqs.length && this.irqEnabled(i);
  }

  /** The interrupt source a choice injects, or -1 (a CPU's step or a drain). */
  irqOf(choice: number): number {
    return choice >= this.cpuCount && choice < this.drainBase ? choice - this.cpuCount : -1;
  }

  /** The CPU whose store buffer a choice drains, or -1. */
  drainCpuOf(choice: number): number {
    return choice >= this.drainBase && choice < this.choiceCount ? choice - this.drainBase : -1;
  }

  /** The CPU a choice acts on: its own, the interrupt source's, or the buffer's. */
  cpuOfChoice(choice: number): number {
    if (choice < this.cpuCount) return choice;
    if (choice >= this.drainBase) return choice - this.drainBase;
    return (this.def.irqs[choice - this.cpuCount] as IrqSourceDef).cpu;
  }

  private irqEnabled(i: number): boolean {
    const src = this.def.irqs[i]!;
    const cpu = this.cpus[src.cpu] as CpuState;
    return (
      cpu.current >= 0 &&
      // x86-TSO: interrupt entry waits for the store buffer to drain
      cpu.sb.length === 0 &&
      cpu.irqsOn &&
      (src.preemptible !== true || (cpu.preempt === 0 && cpu.held.length === 0)) &&
      (this.irqBudget[i] as number) > 0 &&
      src.enabled(this.mem)
    );
  }

  /**
   * Under x86-TSO (as in the x86-TSO abstract machine) a full barrier, a
   * locked instruction, a context switch, and every step after an interrupt
   * return (iret is serializing) wait until the CPU's store buffer is empty
   * — its drains come first, each a step of its own — and a store waits for
   * room in a full buffer. A busy-wait's loads forward from the buffer.
   */
  private opEnabled(op: Op, cpu: CpuState, mem: Int32Array): boolean {
    if (cpu.sb.length > 0 && this.waitsForBuffer(op, cpu)) return false;
    switch (op.k) {
      case K.SPIN_LOCK:
      case K.WRITE_LOCK:
        return mem[op.a] === 0;
      case K.READ_LOCK:
        return (mem[op.a] as number) >= 0;
      case K.AWAIT:
        return (op.fn as (m: MemView) => boolean)(cpu.sb.length === 0 ? mem : this.memOf(cpu));
      default:
        return true;
    }
  }

  /** With a non-empty store buffer, must this op wait (for an empty buffer, or for room in it)? */
  private waitsForBuffer(op: Op, cpu: CpuState): boolean {
    if (cpu.mustDrain || this.needsEmptyBuffer(op)) return true;
    return this.isBufferedStore(op) && cpu.sb.length >= this.sbDepth * SB_ENTRY;
  }

  // ---- store buffers (x86-TSO) ---------------------------------------------

  /** The value of cell `a` as CPU `cpu` reads it: its newest buffered store to `a`, else memory. */
  private viewOf(cpu: CpuState, a: number): number {
    const b = cpu.sb;
    for (let i = b.length - SB_ENTRY; i >= 0; i -= SB_ENTRY) if (b[i] === a) return b[i + 1] as number;
    return this.mem[a] as number;
  }

  /** Is cell `a` in the CPU's store buffer (a load of it forwards)? */
  private buffered(cpu: CpuState, a: number): boolean {
    const b = cpu.sb;
    for (let i = 0; i < b.length; i += SB_ENTRY) if (b[i] === a) return true;
    return false;
  }

  private overlay: Int32Array | null = null;

  /** Memory as the CPU sees it (its buffered stores over memory), for predicates and assertions. */
  private memOf(cpu: CpuState): MemView {
    if (cpu.sb.length === 0) return this.mem;
    let o = this.overlay;
    if (o === null) {
      o = new Int32Array(this.mem.length);
      this.overlay = o;
    }
    o.set(this.mem);
    const b = cpu.sb;
    for (let i = 0; i < b.length; i += SB_ENTRY) o[b[i] as number] = b[i + 1] as number;
    return o;
  }

  /** Puts a store in the CPU's buffer (there is room: a store waits for it). */
  private bufferStore(cpu: CpuState, task: TaskRt, op: Op, a: number, v: number): void {
    cpu.sb.push(a, v, this.storeSite(op), task.id);
  }

  /** Writes the CPU's oldest buffered store to memory (a drain step). */
  private drainOldest(cpu: CpuState): void {
    const b = cpu.sb;
    const a = b[0] as number;
    const v = b[1] as number;
    for (let i = 0; i < SB_ENTRY; i++) this.drained.push(b[i] as number);
    b.splice(0, SB_ENTRY);
    this.write(a, v);
  }

  /** entries written to memory by the current step (for StepInfo) */
  private readonly drained: number[] = [];
  /** store sites (ref and note of a store op) by number, for the entries of store buffers */
  private readonly sites: Op[] = [];
  private readonly siteIds = new Map<string, number>();
  private readonly siteOfOp = new WeakMap<Op, number>();

  /** The number of a store's site: entries keep it so that traces can say which store drains. */
  storeSite(op: Op): number {
    let id = this.siteOfOp.get(op);
    if (id !== undefined) return id;
    const key = `${op.k}\u0000${op.a}\u0000${op.v}\u0000${op.ref}\u0000${op.note}`;
    id = this.siteIds.get(key);
    if (id === undefined) {
      id = this.sites.length;
      this.sites.push(op);
      this.siteIds.set(key, id);
    }
    this.siteOfOp.set(op, id);
    return id;
  }

  /** The store op a site number names. */
  siteOp(site: number): Op {
    const op = this.sites[site];
    if (!op) throw new Error(`no store site ${site}`);
    return op;
  }

  /** The CPU's store buffer: SB_ENTRY ints per entry, oldest first (a copy). */
  storeBuffer(cpu: number): number[] {
    return [...(this.cpus[cpu] as CpuState).sb];
  }

  /** the deepest any store buffer has been in this machine's life (tso) */
  deepestBuffer = 0;

  /** The op the CPU's current task will run next (null when its program ended). */
  pendingOf(task: number): Op | null {
    const t = this.tasks[task] as TaskRt;
    const f = t.frames[t.frames.length - 1];
    return f ? f.pending : null;
  }

  /** Executes one choice. Sets `violation` when the step breaks an invariant. */
  step(choice: number): void {
    const obs = this.observer;
    if (obs) obs.before(this, choice);
    // truncating an array is a runtime call: only when there is something to drop
    if (this.stepGhosts.length > 0) this.stepGhosts.length = 0;
    if (this.drained.length > 0) this.drained.length = 0;
    let info: StepInfo | null = null;
    if (choice < this.cpuCount) {
      const cpu = this.cpus[choice] as CpuState;
      const task = this.tasks[cpu.current] as TaskRt;
      const frame = task.frames[task.frames.length - 1] as Frame;
      const op = frame.pending as Op;
      const forwarded = obs !== null && op.k === K.LOAD && this.buffered(cpu, op.a);
      cpu.mustDrain = false;
      const result = this.exec(op, cpu, task);
      // a model error ends the execution: its program threw, and has nothing more to run
      if (op.k !== K.SWITCH_TO && op.tag !== ENGINE_INVARIANTS.modelError) this.advance(task, frame, result);
      if (cpu.sb.length > this.deepestBuffer * SB_ENTRY) this.deepestBuffer = cpu.sb.length / SB_ENTRY;
      if (obs) info = this.info(choice, choice, task.id, op, -1, result, false, forwarded);
    } else if (choice >= this.drainBase) {
      const cpu = this.cpus[choice - this.drainBase] as CpuState;
      const task = cpu.sb[3] as number;
      this.drainOldest(cpu);
      if (obs) info = this.info(choice, cpu.id, task, null, -1, 0, true, false);
    } else {
      const i = choice - this.cpuCount;
      const src = this.def.irqs[i]!;
      const cpu = this.cpus[src.cpu] as CpuState;
      const task = this.tasks[cpu.current] as TaskRt;
      const fired = src.budget - (this.irqBudget[i] as number);
      this.irqBudget[i] = (this.irqBudget[i] as number) - 1;
      const frame = this.irqFrame(i, fired, task.id);
      frame.pos = 0;
      cpu.irqsOn = false;
      cpu.inIrq = true;
      task.frames.push(frame);
      this.advance(task, frame, src.cpu);
      if (obs) info = this.info(choice, src.cpu, task.id, null, i, 0, false, false);
    }
    this.steps++;
    if (this.dirtyList.length > 0) this.checkSafety();
    if (this.violation === null && this.steps >= this.maxSteps && this.wants(ENGINE_INVARIANTS.livelock)) {
      this.violation = {
        invariant: ENGINE_INVARIANTS.livelock,
        message: `the execution ran ${this.steps} steps without ending (--max-steps): some path loops forever`,
      };
    }
    if (obs) obs.after(this, info as StepInfo);
  }

  private info(
    choice: number,
    cpu: number,
    task: number,
    op: Op | null,
    irq: number,
    result: number,
    drain: boolean,
    forwarded: boolean,
  ): StepInfo {
    return { choice, cpu, task, op, irq, result, drained: this.drained.slice(), drain, forwarded };
  }

  /**
   * Called when no choice is enabled: reports a deadlock if a CPU is stuck on
   * a non-quiescent wait, otherwise runs the terminal invariants.
   */
  finish(): void {
    if (this.violation !== null) return;
    const stuck: string[] = [];
    for (const cpu of this.cpus) {
      if (cpu.current < 0) continue;
      const op = this.pendingOf(cpu.current);
      if (op === null || !isBlocking(op.k) || op.tag === 'quiescent') continue;
      const t = this.tasks[cpu.current] as TaskRt;
      const what = op.k === K.AWAIT ? `waits on ${op.note || op.ref}` : `spins on ${this.layout.name(op.a)}`;
      let self = '';
      if ((op.k === K.SPIN_LOCK || op.k === K.WRITE_LOCK) && cpu.held.includes(op.a)) {
        const taker = this.lockTaker[op.a] as number;
        self =
          taker === t.id
            ? ' (which it holds itself)'
            : ` (taken on this CPU by ${this.taskName(taker)}, which left the CPU holding it)`;
      }
      stuck.push(`CPU${cpu.id} (${t.name}) ${what}${self}`);
    }
    if (stuck.length > 0) {
      if (this.wants(ENGINE_INVARIANTS.deadlock)) {
        this.violation = { invariant: ENGINE_INVARIANTS.deadlock, message: `every live CPU is blocked: ${stuck.join('; ')}` };
      }
      return;
    }
    if (this.def.waitsFor !== undefined && this.wants(ENGINE_INVARIANTS.deadlock)) {
      const cycle = sleeperCycle(this.def.waitsFor.flatMap((f) => f(this)));
      if (cycle !== null) {
        const links = cycle.map((e) => `${this.taskName(e.task)} waits for ${e.on}, held by ${this.taskName(e.holder)}`);
        this.violation = {
          invariant: ENGINE_INVARIANTS.deadlock,
          message: `tasks sleep in a cycle, each waiting for the next, and no one is left to wake them: ${links.join('; ')}`,
        };
        return;
      }
    }
    for (const inv of this.def.terminal) {
      if (!this.wants(inv.name)) continue;
      const msg = inv.check(this);
      if (msg !== null) {
        this.violation = { invariant: inv.name, message: msg };
        return;
      }
    }
  }

  // ---- footprints (for partial-order reduction) --------------------------

  /**
   * Writes, so far in this execution, to cells a safety or transition
   * invariant watches (ghost writes included). A reduction that explores
   * one step alone compares it before and after the step: a step that
   * wrote a watched cell is visible and needs every order explored.
   */
  watchedWrites = 0;

  /** Can an interrupt still be injected on this CPU later (a source on it has budget left)? */
  irqPossibleOn(cpu: number): boolean {
    for (let i = 0; i < this.def.irqs.length; i++) {
      if ((this.def.irqs[i] as { cpu: number }).cpu === cpu && (this.irqBudget[i] as number) > 0) return true;
    }
    return false;
  }

  /**
   * Can an interrupt come on this CPU before its next step, whatever the
   * other CPUs do? Only this CPU's own steps change its irq flag, preempt
   * count and locks, so: no source on it has budget left, or its irqs are
   * off, or every source with budget is held back while preemption is off
   * and the CPU holds a lock or has preemption disabled.
   */
  irqMayComeOn(cpu: number): boolean {
    const c = this.cpus[cpu] as CpuState;
    const irqs = this.def.irqs;
    for (let i = 0; i < irqs.length; i++) {
      const src = irqs[i] as IrqSourceDef;
      if (src.cpu !== cpu || (this.irqBudget[i] as number) <= 0) continue;
      if (!c.irqsOn) continue;
      if (src.preemptible === true && (c.preempt > 0 || c.held.length > 0)) continue;
      return true;
    }
    return false;
  }

  /** Who is running on the task's stack now: the task itself, or (taskCount + source) for an interrupt handler. */
  ownerOf(task: number): number {
    const t = this.tasks[task] as TaskRt;
    const f = t.frames[t.frames.length - 1];
    return f ? f.owner : task;
  }

  /** what safety and transition invariants without declared reads are given (the machine itself, or a recording view) */
  private checkView: MachineView = this;
  /** views that hold invariants with declared reads to them (null: they read the machine itself) */
  private declaredViews: Map<SafetyInvariant | TransitionInvariant, MachineView> | null = null;

  /** the safety and transition invariants this machine checks */
  private checkedInvariants(): (SafetyInvariant | TransitionInvariant)[] {
    return [...this.safety, ...(this.def.transitions ?? []).filter((inv) => this.wants(inv.name))];
  }

  /**
   * Calls `onFirstRead` with each cell a safety or transition invariant
   * reads: the declared reads at once, the others (read through a recording
   * view) the first time they are read.
   */
  recordInvariantReads(onFirstRead: (addr: number) => void): void {
    for (const inv of this.checkedInvariants()) for (const a of inv.reads ?? []) onFirstRead(a);
    this.checkView = recordingView(this, onFirstRead);
  }

  /** From now on, a check that reads a cell outside its declared `reads` throws (for tests: it slows every check). */
  verifyDeclaredReads(): void {
    this.declaredViews = new Map();
    for (const inv of this.checkedInvariants()) {
      if (inv.reads !== undefined) this.declaredViews.set(inv, declaredReadsView(this, inv.name, inv.reads));
    }
  }

  private viewFor(inv: SafetyInvariant | TransitionInvariant): MachineView {
    if (inv.reads === undefined) return this.checkView;
    return this.declaredViews === null ? this : (this.declaredViews.get(inv) as MachineView);
  }

  /** Cells a safety invariant the user asked for watches. */
  watchedBySafety(): number[] {
    const out: number[] = [];
    this.watchers.forEach((w, a) => {
      if (w !== undefined) out.push(a);
    });
    return out;
  }

  /** Cell number of a CPU's local state (irq flag, preempt count) in footprints. */
  cpuLocal(cpu: number): number {
    return this.cpuLocalCell + cpu;
  }
  /** Cell number of a task's execution context (which CPU runs it) in footprints. */
  taskCtx(task: number): number {
    return this.taskCtxCell + task;
  }
  /** Cell number of a CPU's store buffer in footprints. */
  storeBufferCell(cpu: number): number {
    return this.sbCell + cpu;
  }
  /** How many cell numbers footprints use: memory, then the pseudo cells above. */
  get footprintCells(): number {
    return this.sbCell + this.cpuCount;
  }

  /**
   * The footprint of the next step of `choice`, evaluated in the current
   * state (call it before `step`). Two steps are dependent when they belong
   * to the same choice or their footprints conflict (a common cell that one
   * of them writes).
   *
   * Every step of CPU c reads and writes cpuLocal(c), and so does every
   * interrupt injection on c. That makes an injection on c dependent with
   * every step of CPU c, not only with irq/preempt ops, and that is what it
   * is: the injection decides what CPU c does next (the handler's first op
   * instead of the interrupted one), and any step of CPU c can turn
   * injection on or off (irq_save/restore, an interrupt handler returning,
   * the CPU's last task exiting). Two injections on one CPU conflict too
   * (the second lands in the first one's handler, or not at all). Steps of
   * one CPU are one process anyway, so this costs no independence between
   * CPUs.
   *
   * An injection also reads the cells its source's `enabled` predicate
   * looks at, so a step that arms or disarms the source conflicts with it.
   * Blocking ops read the cells their enabling condition tests (a lock
   * word, an await's `addrs`), so the step that makes them enabled or
   * disabled conflicts with them. switch_to writes the execution context of
   * both tasks, so a task parked on one CPU and resumed on another orders
   * the two switches.
   */
  footprint(choice: number): Footprint {
    const fp = this.baseFootprint(choice);
    if (!this.tso) return fp;
    return this.tsoFootprint(choice, fp);
  }

  /**
   * Under x86-TSO: a drain reads and writes its CPU's buffer cell and writes
   * the memory cell of the entry. A store that enters the buffer writes only
   * the buffer cell (it touches no memory cell), and reads it (it waits for
   * room); a load that forwards from the buffer reads only the buffer cell.
   * A step that waits for an empty buffer (a full barrier, a locked
   * instruction, a context switch, an interrupt injection, the first step
   * after an interrupt return) reads the buffer cell, whatever the buffer
   * holds now: the drain that emptied it is what enabled it. An await or an
   * assertion reads it too (it sees the buffered values). So a CPU's steps
   * and its drains are ordered wherever one could see the other, and a store
   * stays independent of every other CPU's steps until it drains.
   *
   * Each rule depends only on what the step is and on state that only its
   * own CPU and its own drains change (the buffer), both of which it is
   * ordered with: a footprint is the same in every order of one trace,
   * which partial-order reduction relies on (a load's forwarding changes
   * only with the drain of its own cell, which it is ordered with either way).
   */
  private tsoFootprint(choice: number, fp: Footprint): Footprint {
    const c = this.cpuOfChoice(choice);
    const cpu = this.cpus[c] as CpuState;
    const buf = this.storeBufferCell(c);
    const b = cpu.sb;
    if (choice >= this.drainBase) return { reads: [buf], writes: b.length > 0 ? [b[0] as number, buf] : [buf] };
    if (choice >= this.cpuCount) return { reads: [...fp.reads, buf], writes: fp.writes };
    const op = this.pendingOf(cpu.current) as Op;
    const local = this.cpuLocal(c);
    if (this.isBufferedStore(op)) {
      // a release store of a lock reads the lock word (the check that the CPU holds it)
      return { reads: op.k === K.STORE ? [buf, local] : [op.a, buf, local], writes: [buf, local] };
    }
    if (cpu.mustDrain || this.needsEmptyBuffer(op) || op.k === K.AWAIT || op.k === K.ASSERT) {
      return { reads: [...fp.reads, buf], writes: fp.writes };
    }
    if (op.k === K.LOAD && b.length > 0 && this.buffered(cpu, op.a)) return { reads: [buf, local], writes: fp.writes };
    return fp;
  }

  /** Does this op's store go through the store buffer (a plain store, a lock released by a release store)? */
  private isBufferedStore(op: Op): boolean {
    return op.k === K.STORE || ((op.k === K.SPIN_UNLOCK || op.k === K.WRITE_UNLOCK) && this.lockedRelease[op.a] === 0);
  }

  /** Does this op wait for an empty store buffer (x86: mfence, a locked instruction, a context switch)? */
  private needsEmptyBuffer(op: Op): boolean {
    switch (op.k) {
      case K.FENCE:
        return op.v === BARRIER.MB;
      case K.RMW:
      case K.SPIN_LOCK:
      case K.SPIN_TRYLOCK:
      case K.READ_LOCK:
      case K.READ_TRYLOCK:
      case K.WRITE_LOCK:
      case K.WRITE_TRYLOCK:
      case K.READ_UNLOCK:
      case K.SWITCH_TO:
        return true;
      case K.SPIN_UNLOCK:
      case K.WRITE_UNLOCK:
        return this.lockedRelease[op.a] === 1;
      default:
        return false;
    }
  }

  /** The footprint of a choice on sequentially consistent memory. */
  private baseFootprint(choice: number): Footprint {
    if (choice >= this.drainBase) return { reads: [], writes: [] };
    if (choice >= this.cpuCount) {
      const src = this.def.irqs[choice - this.cpuCount]!;
      const local = this.cpuLocal(src.cpu);
      return { reads: [...src.reads, local], writes: [local] };
    }
    const cpu = this.cpus[choice] as CpuState;
    const op = this.pendingOf(cpu.current) as Op;
    const local = this.cpuLocal(choice);
    switch (op.k) {
      case K.LOAD:
        // a snapshot also writes its ghost cell
        return { reads: [op.a, local], writes: op.tag === SNAPSHOT ? [op.v, local] : [local] };
      case K.STORE:
        return { reads: [local], writes: [op.a, local] };
      case K.RMW:
      case K.SPIN_LOCK:
      case K.SPIN_UNLOCK:
      case K.SPIN_TRYLOCK:
      case K.READ_LOCK:
      case K.READ_UNLOCK:
      case K.WRITE_LOCK:
      case K.WRITE_UNLOCK:
      case K.WRITE_TRYLOCK:
      case K.READ_TRYLOCK:
        return { reads: [op.a, local], writes: [op.a, local] };
      case K.AWAIT:
      case K.ASSERT:
        return { reads: [...(op.addrs ?? []), local], writes: [local] };
      case K.SWITCH_TO:
        return { reads: [local], writes: [this.taskCtx(cpu.current), this.taskCtx(op.a), local] };
      default:
        // irq/preempt ops, fence, nop: CPU-local only
        return { reads: [local], writes: [local] };
    }
  }

  /**
   * True when `choice` is not enabled now but a step of another choice may
   * enable it: a CPU whose current task waits in a blocking op, or an
   * interrupt source with budget left (its CPU may have irqs off, or no task
   * any more: that too is a state a step of that CPU produced). A CPU with no
   * task left, or a source with no budget, can never run again.
   */
  blocked(choice: number): boolean {
    if (this.isEnabled(choice)) return false;
    if (choice < this.cpuCount) {
      const cpu = this.cpus[choice] as CpuState;
      return cpu.current >= 0 && this.pendingOf(cpu.current) !== null;
    }
    // an empty store buffer waits for no other CPU: only its own CPU's store fills it
    if (choice >= this.drainBase) return false;
    return (this.irqBudget[choice - this.cpuCount] as number) > 0;
  }

  /**
   * Is the next step of this choice one that may be disabled: a blocking op,
   * an injection, a drain, and under x86-TSO an op that waits for its store
   * buffer (to be empty, or to have room)?
   */
  blockingNext(choice: number): boolean {
    if (choice >= this.cpuCount) return true;
    const cpu = this.cpus[choice] as CpuState;
    if (cpu.current < 0) return false;
    const op = this.pendingOf(cpu.current);
    if (op === null) return false;
    if (isBlocking(op.k)) return true;
    return this.tso && (this.needsEmptyBuffer(op) || this.isBufferedStore(op) || cpu.mustDrain);
  }

  // ---- state identity (for searches that remember visited states) ------

  /**
   * The fingerprint of the whole state, in `fpA`/`fpB` (64 bits): memory
   * (kept incrementally, Zobrist-style), CPUs, each task's stack as the
   * fingerprints of its frames' histories, interrupt budgets and the lockdep
   * sets, and under x86-TSO each store buffer's cells and values — the same
   * parts as stateKey(), hashed instead of spelled out. Two
   * different states share a fingerprint with probability about 2⁻⁶⁴ per
   * pair (collisionProbability in hash.ts says how likely any merge was).
   */
  fingerprint(): void {
    let a = this.memA;
    let b = this.memB;
    const cpus = this.cpus;
    for (let k = 0; k < cpus.length; k++) {
      const c = cpus[k] as CpuState;
      const w = (c.current + 1) | (c.irqsOn ? 1 << 6 : 0) | (c.inIrq ? 1 << 7 : 0) | (c.preempt << 8);
      a = stepA(a, w);
      b = stepB(b, w);
      const held = c.held;
      for (let i = 0; i < held.length; i++) {
        a = stepA(a, held[i] as number);
        b = stepB(b, held[i] as number);
      }
      a = stepA(a, -1 - held.length);
      b = stepB(b, -1 - held.length);
      if (this.tso) {
        // the store buffer: cells and values (the sites only say where a store came from), and iret's wait
        const sb = c.sb;
        if (c.mustDrain) {
          a = stepA(a, -7);
          b = stepB(b, -7);
        }
        for (let i = 0; i < sb.length; i += SB_ENTRY) {
          a = stepA(stepA(a, sb[i] as number), sb[i + 1] as number);
          b = stepB(stepB(b, sb[i] as number), sb[i + 1] as number);
        }
        a = stepA(a, -1 - sb.length);
        b = stepB(b, -1 - sb.length);
      }
    }
    const tasks = this.tasks;
    for (let k = 0; k < tasks.length; k++) {
      const t = tasks[k] as TaskRt;
      const w = t.life | (t.parked ? 4 : 0) | ((t.cpu + 1) << 3) | (t.frames.length << 10);
      a = stepA(a, w);
      b = stepB(b, w);
      const frames = t.frames;
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i] as Frame;
        const h = f.pos === 0 ? f.start : (f.path[f.pos - 1] as HistoryPoint);
        a = stepA(a, h.hashA);
        b = stepB(b, h.hashB);
      }
    }
    const budget = this.irqBudget;
    for (let i = 0; i < budget.length; i++) {
      a = stepA(a, budget[i] as number);
      b = stepB(b, budget[i] as number);
    }
    a = stepA(stepA(a, this.irqLocks.hashA), this.irqsOnLocks.hashA);
    b = stepB(stepB(b, this.irqLocks.hashB), this.irqsOnLocks.hashB);
    this.fpA = finishA(a);
    this.fpB = finishB(b);
  }

  private histories: Map<number, number>[] | null = null;
  private nextHist = 0;
  /**
   * Memory images and task descriptions seen so far, each numbered once:
   * an exact state key names them by number. Many states share a memory
   * image or a task's position, so a visited set of millions of states keeps
   * each long string once (exact: numbering is a bijection, nothing is hashed).
   */
  private readonly parts = new Map<string, number>();

  private part(text: string): number {
    let id = this.parts.get(text);
    if (id === undefined) {
      id = this.parts.size;
      this.parts.set(text, id);
    }
    return id;
  }

  /** Starts numbering program histories so that stateKey() works (the exact keys; fingerprint() needs nothing). */
  trackStates(): void {
    if (this.histories === null) {
      this.histories = [];
      this.nextHist = 1 << 24;
    }
  }

  private intern(parent: number, value: number): number {
    const h = this.histories as Map<number, number>[];
    let children = h[parent];
    if (children === undefined) {
      children = new Map();
      h[parent] = children;
    }
    let id = children.get(value);
    if (id === undefined) {
      id = this.nextHist++;
      children.set(value, id);
    }
    return id;
  }

  /** The exact id of a frame's history at its position: (program, values sent, CPUs they were sent on), numbered. */
  private exactHistory(f: Frame): number {
    if (f.pos === 0) return f.origin;
    for (let j = f.exact.length; j < f.pos; j++) {
      const parent = j === 0 ? f.origin : (f.exact[j - 1] as number);
      const h = f.path[j] as HistoryPoint;
      f.exact.push(this.intern(this.intern(parent, h.val), h.cpu));
    }
    return f.exact[f.pos - 1] as number;
  }

  /**
   * An exact key of the whole state: memory, CPUs (with their store
   * buffers' cells and values), interrupt budgets, the lockdep sets, and each task's stack as (program, numbered history)
   * pairs. Two states with the same key have exactly the same futures. The
   * fingerprint is the fast form of the same thing; tests check the two agree.
   */
  stateKey(): string {
    if (this.histories === null) throw new Error('stateKey() needs trackStates() first');
    const parts: (number | string)[] = [this.part(this.mem.join(','))];
    for (const c of this.cpus) {
      let cs = `${c.current}/${c.irqsOn ? 1 : 0}/${c.preempt}/${c.held.join('.')}`;
      if (c.mustDrain) cs += '/iret';
      if (c.sb.length > 0) {
        cs += '/sb';
        for (let i = 0; i < c.sb.length; i += SB_ENTRY) cs += `.${c.sb[i]}=${c.sb[i + 1]}`;
      }
      parts.push(cs);
    }
    for (const t of this.tasks) {
      let s = `${t.life}/${t.cpu}/${t.parked ? 1 : 0}`;
      for (const f of t.frames) s += `/${this.exactHistory(f)}`;
      parts.push(this.part(s));
    }
    parts.push(this.irqBudget.join('.'));
    if (this.irqLocks.size > 0 || this.irqsOnLocks.size > 0) {
      parts.push([...this.irqLocks].sort().join('.'), [...this.irqsOnLocks].sort().join('.'));
    }
    return parts.join('|');
  }

  // ---- snapshots (for searches that go back without replaying) ---------

  /** Copies the state out (call between steps). */
  snapshot(): Snapshot {
    const need =
      this.mem.length +
      64 +
      this.cpuCount * (8 + this.sbDepth * SB_ENTRY) +
      this.taskCount * 8 +
      this.irqBudget.length +
      this.irqLocks.size +
      this.irqsOnLocks.size;
    if (this.scratch.length < need) this.scratch = new Int32Array(need * 2);
    const w = this.scratch;
    w.set(this.mem);
    let n = this.mem.length;
    for (const c of this.cpus) {
      if (n + 7 + 2 * c.held.length + c.sb.length >= w.length) return this.snapshotGrown();
      w[n++] = c.current;
      w[n++] = c.irqsOn ? 1 : 0;
      w[n++] = c.preempt;
      w[n++] = c.inIrq ? 1 : 0;
      w[n++] = c.held.length;
      for (const l of c.held) {
        w[n++] = l;
        w[n++] = this.lockTaker[l] as number;
      }
      w[n++] = c.sb.length;
      for (const x of c.sb) w[n++] = x;
      w[n++] = c.mustDrain ? 1 : 0;
    }
    const frames: Frame[] = [];
    for (const t of this.tasks) {
      if (n + 4 + t.frames.length >= w.length) return this.snapshotGrown();
      w[n++] = t.cpu;
      w[n++] = t.life;
      w[n++] = t.parked ? 1 : 0;
      w[n++] = t.frames.length;
      for (const f of t.frames) {
        w[n++] = f.pos;
        frames.push(f);
      }
    }
    if (n + this.irqBudget.length + 2 + this.irqLocks.size + this.irqsOnLocks.size >= w.length) return this.snapshotGrown();
    w.set(this.irqBudget, n);
    n += this.irqBudget.length;
    w[n++] = this.irqLocks.size;
    for (const l of this.irqLocks) w[n++] = l;
    w[n++] = this.irqsOnLocks.size;
    for (const l of this.irqsOnLocks) w[n++] = l;
    return {
      ints: w.slice(0, n),
      frames,
      memA: this.memA,
      memB: this.memB,
      steps: this.steps,
      watchedWrites: this.watchedWrites,
    };
  }

  /** a buffer snapshots are packed in before being copied out */
  private scratch = new Int32Array(0);

  private snapshotGrown(): Snapshot {
    this.scratch = new Int32Array(this.scratch.length * 2 + 256);
    return this.snapshot();
  }

  /**
   * Puts a snapshot back. No program runs: each frame goes back to its
   * recorded position, and its generator is brought there only if a later
   * step sends it a value other than the recorded one (Frame). The snapshot
   * must be of this execution's past (a state on the current search path,
   * or the initial state).
   */
  restore(s: Snapshot): void {
    const r = s.ints;
    const size = this.mem.length;
    this.mem.set(r.subarray(0, size));
    let n = size;
    this.memA = s.memA;
    this.memB = s.memB;
    this.steps = s.steps;
    this.watchedWrites = s.watchedWrites;
    this.violation = null;
    if (this.dirtyList.length > 0) {
      for (const i of this.dirtyList) this.dirty[i] = 0;
      this.dirtyList.length = 0;
    }
    if (this.stepGhosts.length > 0) this.stepGhosts.length = 0;
    // arrays are overwritten in place and cut only when they were longer (truncation is a runtime call)
    for (const c of this.cpus) {
      c.current = r[n++] as number;
      c.irqsOn = r[n++] === 1;
      c.preempt = r[n++] as number;
      c.inIrq = r[n++] === 1;
      const h = r[n++] as number;
      const held = c.held;
      for (let i = 0; i < h; i++) {
        const l = r[n++] as number;
        held[i] = l;
        this.lockTaker[l] = r[n++] as number;
      }
      if (held.length > h) held.length = h;
      const q = r[n++] as number;
      const sb = c.sb;
      for (let i = 0; i < q; i++) sb[i] = r[n++] as number;
      if (sb.length > q) sb.length = q;
      c.mustDrain = r[n++] === 1;
    }
    let k = 0;
    const frames = s.frames;
    for (const t of this.tasks) {
      t.cpu = r[n++] as number;
      t.life = r[n++] as number;
      t.parked = r[n++] === 1;
      const nf = r[n++] as number;
      const tf = t.frames;
      for (let j = 0; j < nf; j++) {
        const f = frames[k++] as Frame;
        const p = r[n++] as number;
        f.pos = p;
        f.pending = p > 0 ? (f.path[p - 1] as HistoryPoint).op : null;
        tf[j] = f;
      }
      if (tf.length > nf) tf.length = nf;
    }
    const budget = this.irqBudget;
    for (let i = 0; i < budget.length; i++) budget[i] = r[n++] as number;
    let cnt = r[n++] as number;
    if (cnt > 0 || this.irqLocks.size > 0) {
      this.irqLocks.clear();
      for (let i = 0; i < cnt; i++) this.irqLocks.add(r[n++] as number);
    }
    cnt = r[n++] as number;
    if (cnt > 0 || this.irqsOnLocks.size > 0) {
      this.irqsOnLocks.clear();
      for (let i = 0; i < cnt; i++) this.irqsOnLocks.add(r[n++] as number);
    }
  }

  // ---- MachineView --------------------------------------------------------

  taskCpu(task: number): number {
    return (this.tasks[task] as TaskRt).cpu;
  }
  taskName(task: number): string {
    return (this.tasks[task] as TaskRt).name;
  }
  taskDone(task: number): boolean {
    return (this.tasks[task] as TaskRt).life === DONE;
  }
  taskStarted(task: number): boolean {
    return (this.tasks[task] as TaskRt).life !== NEW;
  }
  /** Stack depth of a task (1 = its program, more = interrupt handlers on top). */
  taskDepth(task: number): number {
    return (this.tasks[task] as TaskRt).frames.length;
  }

  // ---- execution -----------------------------------------------------------

  private write(addr: number, value: number): void {
    const old = this.mem[addr] as number;
    this.mem[addr] = value;
    if (old !== value) {
      this.memA ^= cellA(addr, old) ^ cellA(addr, value);
      this.memB ^= cellB(addr, old) ^ cellB(addr, value);
    }
    const cw = this.changeWatchers[addr];
    if (cw !== undefined) {
      this.watchedWrites++;
      this.checkChange(cw, addr, old, value);
    }
    const w = this.watchers[addr];
    if (w !== undefined) {
      this.watchedWrites++;
      for (const i of w) {
        if (this.dirty[i] === 0) {
          this.dirty[i] = 1;
          this.dirtyList.push(i);
        }
      }
    }
  }

  /** Runs after the write: `w.mem` already holds the new value. */
  private checkChange(list: readonly TransitionInvariant[], addr: number, from: number, to: number): void {
    if (from === to || this.violation !== null) return;
    for (const inv of list) {
      const msg = inv.check(addr, from, to, this.viewFor(inv));
      if (msg !== null) {
        this.violation = { invariant: inv.name, message: msg };
        return;
      }
    }
  }

  private checkSafety(): void {
    const list = this.dirtyList;
    for (let j = 0; j < list.length; j++) {
      const i = list[j] as number;
      this.dirty[i] = 0;
      if (this.violation !== null) continue;
      const inv = this.safety[i] as SafetyInvariant;
      const msg = inv.check(this.viewFor(inv));
      if (msg !== null) this.violation = { invariant: inv.name, message: msg };
    }
    list.length = 0;
  }

  private fail(invariant: string, message: string): void {
    if (this.violation === null && this.wants(invariant)) this.violation = { invariant, message };
  }

  private exec(op: Op, cpu: CpuState, task: TaskRt): number {
    const mem = this.mem;
    const a = op.a;
    const guarded = this.guardsOn === null ? undefined : this.guardsOn[a];
    switch (op.k) {
      case K.LOAD:
        if (guarded !== undefined) this.checkGuards(guarded, false, op, cpu, task);
        if (op.tag === SNAPSHOT) {
          // a ghost write of this step (as ctx.ghost's), of the value this CPU reads
          const v = cpu.sb.length === 0 ? (mem[a] as number) : this.viewOf(cpu, a);
          this.applyGhost(0, op.v, v);
          return v;
        }
        return cpu.sb.length === 0 ? (mem[a] as number) : this.viewOf(cpu, a);
      case K.STORE:
        // under x86-TSO the rule is checked here, where the code stores, not when the buffer drains
        if (guarded !== undefined) this.checkGuards(guarded, true, op, cpu, task);
        if (this.tso) this.bufferStore(cpu, task, op, a, op.v);
        else this.write(a, op.v);
        return 0;
      case K.RMW: {
        if (guarded !== undefined) this.checkGuards(guarded, true, op, cpu, task);
        const old = mem[a] as number;
        this.write(a, (op.fn as (x: number) => number)(old));
        return old;
      }
      case K.FENCE:
      case K.NOP:
      case K.AWAIT:
        return 0;
      case K.IRQ_SAVE: {
        const was = cpu.irqsOn ? 1 : 0;
        cpu.irqsOn = false;
        return was;
      }
      case K.IRQ_RESTORE:
        if (op.v !== 0) this.irqsTurnOn(cpu, task);
        else cpu.irqsOn = false;
        return 0;
      case K.IRQ_DISABLE:
        cpu.irqsOn = false;
        return 0;
      case K.IRQ_ENABLE:
        this.irqsTurnOn(cpu, task);
        return 0;
      case K.PREEMPT_DISABLE:
        cpu.preempt++;
        return 0;
      case K.PREEMPT_ENABLE:
        if (cpu.preempt === 0) {
          this.fail(
            ENGINE_INVARIANTS.lockDiscipline,
            `${task.name} on CPU${cpu.id}: preempt_enable() without a matching preempt_disable() (${op.ref})`,
          );
          return 0;
        }
        cpu.preempt--;
        return 0;
      case K.SPIN_LOCK:
      case K.WRITE_LOCK:
        this.write(a, op.k === K.SPIN_LOCK ? cpu.id + 1 : -1);
        this.acquired(a, cpu, task, op);
        return 0;
      case K.READ_LOCK:
        this.write(a, (mem[a] as number) + 1);
        this.acquired(a, cpu, task, op);
        return 0;
      case K.SPIN_TRYLOCK:
      case K.WRITE_TRYLOCK:
        if (mem[a] !== 0) return 0;
        this.write(a, op.k === K.SPIN_TRYLOCK ? cpu.id + 1 : -1);
        this.acquired(a, cpu, task, op);
        return 1;
      case K.READ_TRYLOCK:
        if ((mem[a] as number) < 0) return 0;
        this.write(a, (mem[a] as number) + 1);
        this.acquired(a, cpu, task, op);
        return 1;
      case K.SPIN_UNLOCK: {
        const held = cpu.sb.length === 0 ? (mem[a] as number) : this.viewOf(cpu, a);
        if (held !== cpu.id + 1 || !cpu.release(a)) {
          this.fail(
            ENGINE_INVARIANTS.lockDiscipline,
            `${task.name} on CPU${cpu.id} unlocks ${this.layout.name(a)}, which it does not hold (${this.layout.format(a, held)}) — double unlock (${op.ref})`,
          );
          return 0;
        }
        this.releaseStore(cpu, task, op, a);
        return 0;
      }
      case K.WRITE_UNLOCK:
        if ((cpu.sb.length === 0 ? mem[a] : this.viewOf(cpu, a)) !== -1 || !cpu.release(a)) {
          this.fail(
            ENGINE_INVARIANTS.lockDiscipline,
            `${task.name} on CPU${cpu.id} write-unlocks ${this.layout.name(a)}, which it does not hold (${op.ref})`,
          );
          return 0;
        }
        this.releaseStore(cpu, task, op, a);
        return 0;
      case K.READ_UNLOCK:
        if ((mem[a] as number) <= 0 || !cpu.release(a)) {
          this.fail(
            ENGINE_INVARIANTS.lockDiscipline,
            `${task.name} on CPU${cpu.id} read-unlocks ${this.layout.name(a)}, which it does not hold (${op.ref})`,
          );
          return 0;
        }
        this.write(a, (mem[a] as number) - 1);
        return 0;
      case K.ASSERT: {
        const msg = (op.fn as AssertFn)(cpu.sb.length === 0 ? mem : this.memOf(cpu), cpu);
        if (msg !== null) this.fail(op.tag, `${msg} (${task.name} on CPU${cpu.id}, ${op.ref})`);
        return 0;
      }
      case K.SWITCH_TO:
        this.switchTo(op, cpu, task);
        return 0;
      default:
        throw new Error(`unknown op kind ${op.k}`);
    }
  }

  /**
   * The lock rules on the cell an access touches (LockGuard): a write needs
   * each rule's lock held by this CPU, write-held for an rwlock (its word
   * -1: while this CPU holds it no other CPU can change that, so reading it
   * adds no dependence); a read, for a 'read-write' rule, needs it held.
   * What a CPU holds is per CPU, not per context: an interrupt handler on a
   * CPU whose interrupted task holds the lock passes, as lockdep's
   * lock_is_held() does (the handler runs inside that critical section, on
   * the same CPU; a handler that took the lock itself would spin, which the
   * irq-safety check reports).
   */
  private checkGuards(list: readonly GuardRt[], write: boolean, op: Op, cpu: CpuState, task: TaskRt): void {
    for (const r of list) {
      if (!write && r.g.access === 'write') continue;
      const lock = r.g.lock;
      const held = cpu.held.includes(lock);
      if (held && (!write || !r.rw || this.mem[lock] === -1)) continue;
      const need = write && r.rw ? 'write-held' : 'held';
      const has = held ? `it holds it ${this.layout.format(lock, this.mem[lock] as number)}` : 'it does not hold it';
      const who = cpu.inIrq ? `an interrupt handler on ${task.name}'s stack` : task.name;
      this.fail(
        r.g.invariant ?? ENGINE_INVARIANTS.lockDiscipline,
        `${who} on CPU${cpu.id} ${write ? 'writes' : 'reads'} ${this.layout.name(op.a)} without ${this.layout.name(lock)} ${need} (${has}) at ${op.ref}; the rule: ${r.g.source}`,
      );
      return;
    }
  }

  /** A lock's release: a release store (buffered under x86-TSO) or a locked instruction (see CellInfo.release). */
  private releaseStore(cpu: CpuState, task: TaskRt, op: Op, a: number): void {
    if (this.tso && this.lockedRelease[a] === 0) this.bufferStore(cpu, task, op, a, 0);
    else this.write(a, 0);
  }

  private acquired(lock: number, cpu: CpuState, task: TaskRt, op: Op): void {
    cpu.held.push(lock);
    this.lockTaker[lock] = task.id;
    if (cpu.inIrq) this.irqLocks.add(lock);
    else if (cpu.irqsOn) this.irqsOnLocks.add(lock);
    this.checkIrqLock(lock, cpu, task, op);
  }

  private irqsTurnOn(cpu: CpuState, task: TaskRt): void {
    cpu.irqsOn = true;
    if (cpu.inIrq) return;
    for (const l of cpu.held) {
      this.irqsOnLocks.add(l);
      this.checkIrqLock(l, cpu, task, null);
    }
  }

  /** lockdep's irq-safety rule: a lock taken in irq context must never be held with irqs on. */
  private checkIrqLock(lock: number, cpu: CpuState, task: TaskRt, op: Op | null): void {
    if (this.irqLocks.has(lock) && this.irqsOnLocks.has(lock)) {
      this.fail(
        ENGINE_INVARIANTS.lockDiscipline,
        `${this.layout.name(lock)} is taken in interrupt context and also held with irqs on (${task.name} on CPU${cpu.id}${op ? `, ${op.ref}` : ''}): an interrupt on the holder's CPU would spin forever`,
      );
    }
  }

  private switchTo(op: Op, cpu: CpuState, prev: TaskRt): void {
    const next = this.tasks[op.a];
    if (!next) throw new Error(`switch_to a task that does not exist (${op.a})`);
    for (const l of cpu.held) {
      if (l === op.v) continue;
      this.fail(
        ENGINE_INVARIANTS.lockDiscipline,
        `${prev.name} sleeps (switch_to ${next.name}) on CPU${cpu.id} while holding ${this.layout.name(l)} (${op.ref})`,
      );
    }
    if (next.cpu >= 0 && next !== prev) {
      this.fail(
        ENGINE_INVARIANTS.runqueueSane,
        `CPU${cpu.id} switches to ${next.name}, which is still running on CPU${next.cpu} (${op.ref})`,
      );
      return;
    }
    if (next.life === DONE) {
      this.fail(ENGINE_INVARIANTS.runqueueSane, `CPU${cpu.id} switches to ${next.name}, which has exited (${op.ref})`);
      return;
    }
    // Park prev inside switch_to: it continues from this yield when switched back to.
    prev.parked = true;
    prev.cpu = -1;
    cpu.current = next.id;
    next.cpu = cpu.id;
    this.startOrResume(next);
  }

  private startOrResume(t: TaskRt): void {
    const cpu = this.cpus[t.cpu] as CpuState;
    if (t.life === NEW) {
      t.life = LIVE;
      const frame = t.root;
      frame.pos = 0;
      t.frames.push(frame);
      cpu.inIrq = false;
      // the first value a generator is sent is ignored by it; the CPU it starts on is recorded
      this.advance(t, frame, t.cpu);
      return;
    }
    cpu.inIrq = (t.frames[t.frames.length - 1] as Frame).irq;
    if (t.parked) {
      t.parked = false;
      // switch_to returns, on the CPU the task now runs on.
      this.advance(t, t.frames[t.frames.length - 1] as Frame, t.cpu);
    }
  }

  /** The activation of the n-th firing (in this execution) of interrupt source i on task's stack. */
  private irqFrame(i: number, fired: number, task: number): Frame {
    const key = (i * 4096 + fired) * 64 + task;
    let f = this.irqFrames.get(key);
    if (f === undefined) {
      const src = this.def.irqs[i] as IrqSourceDef;
      const ctx = this.contextOf(task);
      f = new Frame(
        () => src.handler(ctx),
        true,
        stepA(stepA(0x7f4a7c15, i), task),
        stepB(stepB(0x4f1bbcdc, i), task),
        ((i + 1) << 16) | task,
        this.taskCount + i,
      );
      this.irqFrames.set(key, f);
    }
    return f;
  }

  private contextOf(task: number): TaskContext {
    return {
      self: task,
      // while a generator is rebuilt, the CPU it ran on then (Frame.cpus)
      cpu: () => (this.rebuilding > 0 ? this.rebuildCpu : (this.tasks[task] as TaskRt).cpu),
      ghost: this.ghost,
    };
  }

  private ghostWrite(kind: number, addr: number, value: number): void {
    const h = this.fxPoint;
    if (h !== null) {
      if (h.fx === null) h.fx = [];
      h.fx.push(kind, addr, value);
    }
    this.applyGhost(kind, addr, value);
  }

  private applyGhost(kind: number, addr: number, value: number): void {
    this.ghostWrites++;
    this.stepGhosts.push(addr);
    this.write(addr, kind === 0 ? value : (this.mem[addr] as number) + value);
  }

  /**
   * Sends `value` to the frame's program and takes what it yields next as
   * the frame's pending step, popping the frame when the program returns.
   * When the history already holds this value (and CPU) as a continuation
   * of this point, the recorded answer is used and the program is not run
   * (its recorded ghost writes are repeated); otherwise the generator is
   * brought to this point if it is elsewhere, and run.
   */
  private advance(t: TaskRt, frame: Frame, value: number): void {
    const j = frame.pos;
    const cpuNow = t.cpu;
    const path = frame.path;
    let h = path[j];
    let ran = false;
    if (h === undefined || h.val !== value || h.cpu !== cpuNow) {
      const from = j === 0 ? frame.start : (path[j - 1] as HistoryPoint);
      const key = continuationKey(value, cpuNow);
      frame.truncate(j);
      h = key !== NOT_KEPT ? from.next?.get(key) : undefined;
      if (h === undefined) {
        h = this.runProgram(t, frame, from, value, cpuNow, key);
        ran = true;
      } else path.push(h);
    }
    frame.pos = j + 1;
    const op = h.op;
    if (!ran && h.fx !== null) {
      // a recorded step: its code's ghost writes happen again
      const fx = h.fx;
      for (let i = 0; i < fx.length; i += 3) this.applyGhost(fx[i] as number, fx[i + 1] as number, fx[i + 2] as number);
    }
    if (op !== null) {
      frame.pending = op;
      return;
    }
    frame.pending = null;
    t.frames.pop();
    const cpu = this.cpus[t.cpu];
    if (frame.irq && cpu) {
      // Return from interrupt: irqs were on when it came (it can only come then), and iret turns them back on.
      // iret is serializing: the CPU's next step waits for its store buffer to drain (x86-TSO).
      if (cpu.sb.length > 0) cpu.mustDrain = true;
      cpu.inIrq = t.frames[t.frames.length - 1]?.irq ?? false;
      this.irqsTurnOn(cpu, t);
    }
    if (t.frames.length === 0) {
      t.life = DONE;
      t.cpu = -1;
      const next = this.successor[t.id] as number;
      if (cpu && next >= 0) {
        // the next task placed on this CPU starts where this one ended
        cpu.current = next;
        (this.tasks[next] as TaskRt).cpu = cpu.id;
        this.startOrResume(this.tasks[next] as TaskRt);
      } else if (cpu) cpu.current = -1;
    }
  }

  /**
   * Runs the frame's program on a continuation of point `from` never seen
   * before: brings the generator to `from` if it is elsewhere, sends it
   * `value`, and records the answer as a new point (kept among `from`'s
   * continuations while the history budget lasts). The new point's ghost
   * writes happen as the code runs.
   */
  private runProgram(t: TaskRt, frame: Frame, from: HistoryPoint, value: number, cpuNow: number, key: number): HistoryPoint {
    const j = frame.path.length;
    if (frame.gen === null || frame.genAt !== from) this.rebuild(frame, j);
    const h = new HistoryPoint(value, cpuNow, stepA(stepA(from.hashA, value), cpuNow), stepB(stepB(from.hashB, value), cpuNow));
    frame.path.push(h);
    this.fxPoint = h;
    let r: IteratorResult<Op, unknown>;
    try {
      r = (frame.gen as Program<unknown>).next(value);
    } catch (e) {
      // A path the model does not cover (or a bug in it): its next step reports a model-error
      // violation, so the search shows the trace that reaches it instead of aborting.
      r = { done: false, value: modelErrorOp(t.name, e, frame.pending) };
    } finally {
      this.fxPoint = null;
    }
    h.op = r.done ? null : r.value;
    frame.genAt = h;
    if (key !== NOT_KEPT && this.historyPoints < this.historyBudget) {
      if (from.next === null) from.next = new Map();
      from.next.set(key, h);
      this.historyPoints++;
    }
    return h;
  }

  /**
   * Makes a fresh generator of the frame's program and feeds it the first
   * `j` values of the path, each with the CPU it was sent on, without
   * repeating its ghost writes: the generator is then at the path's point
   * j. Checks the program answers as recorded (a program that does not is
   * not deterministic, and no search over it can be trusted).
   */
  private rebuild(frame: Frame, j: number): void {
    this.rebuilding++;
    // The generator it replaces is ended, not dropped: its `finally` blocks run, so JavaScript state a
    // path keeps for the calls in progress (an override's `within` depth, kernel/common/paths.ts) is
    // unwound before the new generator enters those calls again.
    try {
      frame.gen?.return(undefined);
    } finally {
      this.rebuilding--;
    }
    const gen = frame.make();
    this.rebuilding++;
    try {
      for (let i = 0; i < j; i++) {
        const h = frame.path[i] as HistoryPoint;
        this.rebuildCpu = h.cpu;
        const r = gen.next(h.val);
        const got = r.done ? null : r.value;
        if (!sameOp(got, h.op)) {
          throw new Error(
            `a program is not deterministic: fed its recorded history again, it yielded ${describeOp(got)} where it had yielded ${describeOp(h.op)}`,
          );
        }
      }
    } finally {
      this.rebuilding--;
    }
    this.rebuiltSteps += j;
    frame.gen = gen;
    frame.genAt = frame.at(j);
  }

  private rehashMemory(): void {
    let a = 0;
    let b = 0;
    const mem = this.mem;
    for (let i = 0; i < mem.length; i++) {
      a ^= cellA(i, mem[i] as number);
      b ^= cellB(i, mem[i] as number);
    }
    this.memA = a;
    this.memB = b;
  }
}

/** A lock rule as the machine checks it: whether its lock is an rwlock, looked up once. */
interface GuardRt {
  readonly g: LockGuard;
  readonly rw: boolean;
}

/** The rules on each cell, by address; null when there are none (the hot path then tests one field). */
function guardTable(layout: MemoryLayout, guards: readonly LockGuard[]): (GuardRt[] | undefined)[] | null {
  if (guards.length === 0) return null;
  const on: (GuardRt[] | undefined)[] = new Array(layout.size);
  for (const g of guards) {
    const r = { g, rw: layout.info(g.lock).lock === 'rw' };
    for (const c of g.cells) (on[c] ??= []).push(r);
  }
  return on;
}

/**
 * The step a program that threw takes next: an assertion that always fails
 * with a model-error naming what it threw. It is recorded like any step, so
 * going back and replaying meet it again; nothing runs after it (step()).
 */
function modelErrorOp(task: string, e: unknown, after: Op | null): Op {
  const msg = `${task}'s program threw: ${e instanceof Error ? e.message : String(e)}`;
  const where = after ? `the model's code after ${after.ref}` : "the model's code at its start";
  return check(ENGINE_INVARIANTS.modelError, [], () => msg, where, 'a path the model does not cover');
}

function sameOp(a: Op | null, b: Op | null): boolean {
  if (a === null || b === null) return a === b;
  return a.k === b.k && a.a === b.a && a.v === b.v && a.ref === b.ref;
}

function describeOp(op: Op | null): string {
  return op === null ? 'its end' : `${op.ref}${op.note ? ` (${op.note})` : ''}`;
}
