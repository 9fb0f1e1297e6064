import { CpuState } from '../cpu/cpu.ts';
import type { MemoryLayout } from '../cpu/memory.ts';
import { type AssertFn, isBlocking, K, type MemView, type Op, type Program, SNAPSHOT } from '../cpu/ops.ts';
import { ShardedMap } from './sharded-map.ts';
import {
  ENGINE_INVARIANTS,
  type GhostWriter,
  type MachineView,
  type ModelDef,
  type Prologue,
  type SafetyInvariant,
  type TaskContext,
  type TransitionInvariant,
  type Violation,
} from './types.ts';
import { sleeperCycle } from './wait-graph.ts';

/** One activation on a task's stack: its program body or an interrupt handler on top of it. */
class Frame {
  pending: Op | null = null;
  constructor(
    readonly gen: Program<unknown>,
    readonly irq: boolean,
    /** irq flag to restore when an interrupt handler returns */
    readonly savedIrq: boolean,
    /**
     * Interned history of the values this frame's program has been sent. A
     * program is deterministic, so (program, history) identifies its
     * internal state exactly: that is what lets a search recognise a state it
     * has seen without looking inside the generator.
     */
    public hist: number,
  ) {}
}

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
  ) {}
}

/** What a step did, for the recorder (off the hot path). */
export interface StepInfo {
  readonly choice: number;
  readonly cpu: number;
  readonly task: number;
  /** null for an interrupt injection */
  readonly op: Op | null;
  readonly irq: number;
  readonly result: number;
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
 * The transition system. The explorer sees only `reset`, `enabled`, `step`
 * and `footprint`; everything about CPUs, tasks and interrupts is in here.
 *
 * Choices: 0..cpus-1 run the next op of that CPU; cpus+i injects interrupt
 * source i on its CPU. Each choice is deterministic given the state, so a
 * schedule (a list of choices) replays exactly.
 */
export class Machine implements MachineView {
  readonly cpuCount: number;
  readonly taskCount: number;
  readonly choiceCount: number;
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
  /** transition invariants watching each cell */
  private readonly changeWatchers: (TransitionInvariant[] | undefined)[];
  private readonly checked: ReadonlySet<string> | null;
  /** per-CPU pseudo cells for footprints: irq state of the CPU, execution context of a task */
  private readonly cpuLocalCell: number;
  private readonly taskCtxCell: number;
  /** locks taken in irq context / held with irqs on in this execution (lockdep-style) */
  private readonly irqLocks = new Set<number>();
  private readonly irqsOnLocks = new Set<number>();
  readonly ghost: GhostWriter;
  /** the task that took each held lock (for a deadlock message: a lock can stay held by a task that left its CPU) */
  private readonly lockTaker: Int32Array;
  /** the task that starts on a CPU when each task's program ends (TaskDef.after), or -1 */
  private readonly successor: Int32Array;
  steps = 0;
  violation: Violation | null = null;
  observer: StepObserver | null = null;

  constructor(
    readonly def: ModelDef,
    opts: { invariants?: readonly string[] | null; maxSteps?: number } = {},
  ) {
    this.cpuCount = def.cpus;
    this.taskCount = def.tasks.length;
    this.choiceCount = def.cpus + def.irqs.length;
    this.layout = def.layout;
    this.init = def.layout.initialValues();
    this.mem = new Int32Array(this.init);
    this.cpus = Array.from({ length: def.cpus }, (_, i) => new CpuState(i));
    this.tasks = def.tasks.map((t, i) => new TaskRt(i, t.name));
    this.irqBudget = new Int32Array(def.irqs.length);
    this.checked = opts.invariants && opts.invariants.length > 0 ? new Set(opts.invariants) : null;
    this.maxSteps = opts.maxSteps ?? 100_000;
    this.safety = def.safety.filter((s) => this.wants(s.name));
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
    this.lockTaker = new Int32Array(def.layout.size);
    this.successor = new Int32Array(def.tasks.length).fill(-1);
    def.tasks.forEach((d, i) => {
      if (d.after !== undefined) this.successor[d.after] = i;
    });
    this.cpuLocalCell = def.layout.size;
    this.taskCtxCell = def.layout.size + def.cpus;
    const self = this;
    this.ghost = {
      set(a, v) {
        self.write(a, v);
      },
      add(a, d) {
        self.write(a, (self.mem[a] as number) + d);
      },
    };
    this.reset();
  }

  /** the longest execution: past it a `livelock` violation when checked, else the search cuts the execution */
  readonly maxSteps: number;

  /** Is this invariant among the ones the user asked to check? */
  wants(name: string): boolean {
    return this.checked === null || this.checked.has(name);
  }

  reset(): void {
    this.mem.set(this.init);
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

  /** steps the prologue took (ModelDef.prologue), before step 0 of every execution */
  prologueSteps = 0;

  /** Runs the prologue: the lowest CPU that can step, until it is done; unobserved, and its steps are not counted. */
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
      if (op !== null && this.opEnabled(op, mem)) out[n++] = c;
    }
    const irqs = this.def.irqs;
    for (let i = 0; i < irqs.length; i++) {
      if (this.irqEnabled(i)) out[n++] = this.cpuCount + i;
    }
    out.length = n;
    return n;
  }

  isEnabled(choice: number): boolean {
    if (this.violation !== null) return false;
    if (choice < this.cpuCount) {
      const cpu = this.cpus[choice];
      if (!cpu || cpu.current < 0) return false;
      const op = this.pendingOf(cpu.current);
      return op !== null && this.opEnabled(op, this.mem);
    }
    const i = choice - this.cpuCount;
    return i < this.def.irqs.length && this.irqEnabled(i);
  }

  private irqEnabled(i: number): boolean {
    const src = this.def.irqs[i]!;
    const cpu = this.cpus[src.cpu] as CpuState;
    return (
      cpu.current >= 0 &&
      cpu.irqsOn &&
      (src.preemptible !== true || (cpu.preempt === 0 && cpu.held.length === 0)) &&
      (this.irqBudget[i] as number) > 0 &&
      src.enabled(this.mem)
    );
  }

  private opEnabled(op: Op, mem: Int32Array): boolean {
    switch (op.k) {
      case K.SPIN_LOCK:
      case K.WRITE_LOCK:
        return mem[op.a] === 0;
      case K.READ_LOCK:
        return (mem[op.a] as number) >= 0;
      case K.AWAIT:
        return (op.fn as (m: MemView) => boolean)(mem);
      default:
        return true;
    }
  }

  /** The op the CPU's current task will run next (null when its program ended). */
  pendingOf(task: number): Op | null {
    const t = this.tasks[task] as TaskRt;
    const f = t.frames[t.frames.length - 1];
    return f ? f.pending : null;
  }

  /** Executes one choice. Sets `violation` when the step breaks an invariant. */
  step(choice: number): void {
    if (this.observer) this.observer.before(this, choice);
    let info: StepInfo;
    if (choice < this.cpuCount) {
      const cpu = this.cpus[choice] as CpuState;
      const task = this.tasks[cpu.current] as TaskRt;
      const frame = task.frames[task.frames.length - 1] as Frame;
      const op = frame.pending as Op;
      const result = this.exec(op, cpu, task);
      if (op.k !== K.SWITCH_TO) this.advance(task, frame, result);
      info = { choice, cpu: choice, task: task.id, op, irq: -1, result };
    } else {
      const i = choice - this.cpuCount;
      const src = this.def.irqs[i]!;
      const cpu = this.cpus[src.cpu] as CpuState;
      const task = this.tasks[cpu.current] as TaskRt;
      this.irqBudget[i] = (this.irqBudget[i] as number) - 1;
      const frame = new Frame(src.handler(this.contextOf(task.id)), true, cpu.irqsOn, this.taskCount + i + 1);
      cpu.irqsOn = false;
      cpu.inIrq = true;
      task.frames.push(frame);
      this.advance(task, frame, 0);
      info = { choice, cpu: src.cpu, task: task.id, op: null, irq: i, result: 0 };
    }
    this.steps++;
    if (this.dirtyList.length > 0) this.checkSafety();
    if (this.violation === null && this.steps >= this.maxSteps && this.wants(ENGINE_INVARIANTS.livelock)) {
      this.violation = {
        invariant: ENGINE_INVARIANTS.livelock,
        message: `the execution ran ${this.steps} steps without ending (--max-steps): some path loops forever`,
      };
    }
    if (this.observer) this.observer.after(this, info);
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

  /** Cell number of a CPU's local state (irq flag, preempt count) in footprints. */
  cpuLocal(cpu: number): number {
    return this.cpuLocalCell + cpu;
  }
  /** Cell number of a task's execution context (which CPU runs it) in footprints. */
  taskCtx(task: number): number {
    return this.taskCtxCell + task;
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
        return { reads: [op.a, local], writes: [local] };
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
    return (this.irqBudget[choice - this.cpuCount] as number) > 0;
  }

  /** Is the next step of this CPU a blocking op (one that may be disabled)? */
  blockingNext(choice: number): boolean {
    if (choice >= this.cpuCount) return true;
    const cpu = this.cpus[choice] as CpuState;
    if (cpu.current < 0) return false;
    const op = this.pendingOf(cpu.current);
    return op !== null && isBlocking(op.k);
  }

  // ---- state identity (for searches that remember visited states) ------

  private histories: Map<number, number>[] | null = null;
  private nextHist = 0;
  /**
   * Memory images and task descriptions seen so far, each numbered once:
   * a state key names them by number. Many states share a memory image or a
   * task's position, so a visited set of millions of states keeps each long
   * string once (exact: numbering is a bijection, nothing is hashed).
   */
  private readonly parts = new ShardedMap<number>();

  private part(text: string): number {
    let id = this.parts.get(text);
    if (id === undefined) {
      id = this.parts.size;
      this.parts.set(text, id);
    }
    return id;
  }

  /** Starts tracking program histories so that stateKey() works; call before reset(). */
  trackStates(): void {
    if (this.histories === null) {
      this.histories = [];
      this.nextHist = this.taskCount + this.def.irqs.length + 1;
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

  /**
   * An exact key of the whole state: memory, CPUs, interrupt budgets, the
   * lockdep sets, and each task's stack as (program, interned history) pairs.
   * Two states with the same key have exactly the same futures.
   */
  stateKey(): string {
    if (this.histories === null) throw new Error('stateKey() needs trackStates() before the execution');
    const parts: (number | string)[] = [this.part(this.mem.join(','))];
    for (const c of this.cpus) parts.push(`${c.current}/${c.irqsOn ? 1 : 0}/${c.preempt}/${c.held.join('.')}`);
    for (const t of this.tasks) {
      let s = `${t.life}/${t.cpu}/${t.parked ? 1 : 0}`;
      for (const f of t.frames) s += `/${f.hist}`;
      parts.push(this.part(s));
    }
    parts.push(this.irqBudget.join('.'));
    if (this.irqLocks.size > 0 || this.irqsOnLocks.size > 0) {
      parts.push([...this.irqLocks].sort().join('.'), [...this.irqsOnLocks].sort().join('.'));
    }
    return parts.join('|');
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
      const msg = inv.check(addr, from, to, this);
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
      const msg = inv.check(this);
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
    switch (op.k) {
      case K.LOAD:
        if (op.tag === SNAPSHOT) this.write(op.v, mem[a] as number);
        return mem[a] as number;
      case K.STORE:
        this.write(a, op.v);
        return 0;
      case K.RMW: {
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
      case K.SPIN_UNLOCK:
        if (mem[a] !== cpu.id + 1 || !cpu.release(a)) {
          this.fail(
            ENGINE_INVARIANTS.lockDiscipline,
            `${task.name} on CPU${cpu.id} unlocks ${this.layout.name(a)}, which it does not hold (${this.layout.format(a, mem[a] as number)}) — double unlock (${op.ref})`,
          );
          return 0;
        }
        this.write(a, 0);
        return 0;
      case K.WRITE_UNLOCK:
        if (mem[a] !== -1 || !cpu.release(a)) {
          this.fail(
            ENGINE_INVARIANTS.lockDiscipline,
            `${task.name} on CPU${cpu.id} write-unlocks ${this.layout.name(a)}, which it does not hold (${op.ref})`,
          );
          return 0;
        }
        this.write(a, 0);
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
        const msg = (op.fn as AssertFn)(mem, cpu);
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
      const frame = new Frame(this.def.tasks[t.id]!.program(this.contextOf(t.id)), false, true, t.id + 1);
      t.frames.push(frame);
      cpu.inIrq = false;
      this.advance(t, frame, 0);
      return;
    }
    cpu.inIrq = (t.frames[t.frames.length - 1] as Frame).irq;
    if (t.parked) {
      t.parked = false;
      // switch_to returns, on the CPU the task now runs on.
      this.advance(t, t.frames[t.frames.length - 1] as Frame, t.cpu);
    }
  }

  private contextOf(task: number): TaskContext {
    const tasks = this.tasks;
    return {
      self: task,
      cpu: () => (tasks[task] as TaskRt).cpu,
      ghost: this.ghost,
    };
  }

  /** Runs the frame's program to its next yield, popping finished frames. */
  private advance(t: TaskRt, frame: Frame, value: number): void {
    if (this.histories !== null) frame.hist = this.intern(frame.hist, value);
    let r: IteratorResult<Op, unknown>;
    try {
      r = frame.gen.next(value);
    } catch (e) {
      // A path the model does not cover (or a bug in it): a violation with the trace that reaches it, not an abort.
      const msg = e instanceof Error ? e.message : String(e);
      if (this.violation === null) this.violation = { invariant: ENGINE_INVARIANTS.modelError, message: `${t.name}: ${msg}` };
      return;
    }
    if (!r.done) {
      frame.pending = r.value;
      return;
    }
    t.frames.pop();
    const cpu = this.cpus[t.cpu];
    if (frame.irq && cpu) {
      // Return from interrupt: the flags saved on entry come back (iret).
      cpu.inIrq = t.frames[t.frames.length - 1]?.irq ?? false;
      if (frame.savedIrq) this.irqsTurnOn(cpu, t);
      else cpu.irqsOn = false;
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
}
