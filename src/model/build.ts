import { MemoryLayout } from '../cpu/memory.ts';
import type {
  IrqSourceDef,
  LockGuard,
  ModelDef,
  Prologue,
  SafetyInvariant,
  TaskDef,
  TerminalInvariant,
  TransitionInvariant,
  WaitsFor,
} from './types.ts';

/**
 * Collects the pieces of a model (memory cells, tasks, interrupt sources,
 * invariants) while a scenario and the kernel layer set it up.
 */
export class ModelBuilder {
  readonly layout = new MemoryLayout();
  private readonly tasks: TaskDef[] = [];
  private readonly irqs: IrqSourceDef[] = [];
  private readonly safety: SafetyInvariant[] = [];
  private readonly terminal: TerminalInvariant[] = [];
  private readonly transitions: TransitionInvariant[] = [];
  private readonly waits: WaitsFor[] = [];
  private readonly guards: LockGuard[] = [];
  private start: Prologue | undefined;
  /** the last task placed on each CPU (ModelBuilder.task) */
  private readonly lastOn = new Map<number, number>();

  constructor(readonly cpus: number) {
    if (!Number.isInteger(cpus) || cpus < 1) throw new Error(`a model needs at least one CPU (got ${cpus})`);
  }

  /**
   * Adds a task; returns its id. A task placed on a CPU (`startCpu` ≥ 0)
   * lands on CPU `startCpu mod cpus`; when an earlier task is placed there
   * already, it starts there when that one's program ends (`after`), so a
   * model of tasks without a scheduler runs on any number of CPUs — on one,
   * its tasks run one after another in the order they were added.
   */
  task(def: TaskDef): number {
    if (this.tasks.some((t) => t.name === def.name)) throw new Error(`duplicate task name '${def.name}'`);
    const id = this.tasks.length;
    let placed = def;
    if (def.startCpu >= 0) {
      const cpu = def.startCpu % this.cpus;
      const prev = this.lastOn.get(cpu);
      placed = prev === undefined ? { ...def, startCpu: cpu } : { ...def, startCpu: -1, after: prev };
      this.lastOn.set(cpu, id);
    }
    this.tasks.push(placed);
    return id;
  }

  /** Task ids are given out in order, so code can name a task before it is added. */
  get nextTaskId(): number {
    return this.tasks.length;
  }

  irq(def: IrqSourceDef): void {
    this.irqs.push(def);
  }

  invariant(inv: SafetyInvariant): void {
    this.safety.push(inv);
  }

  /** An invariant on each change of a watched cell (old and new value). */
  onChange(inv: TransitionInvariant): void {
    this.transitions.push(inv);
  }

  atEnd(inv: TerminalInvariant): void {
    this.terminal.push(inv);
  }

  /**
   * A lock rule the source states: `cells` are written (and with
   * `access: 'read-write'` also read) only while the CPU holds `lock`,
   * write-held for a write under an rwlock. The engine checks it at each
   * access (LockGuard); `source` says where the rule comes from.
   */
  guardedBy(g: LockGuard): void {
    const info = this.layout.info(g.lock);
    if (info.lock === '') throw new Error(`guardedBy: ${info.name} is not a lock`);
    for (const c of g.cells) {
      if (this.layout.info(c).lock !== '') throw new Error(`guardedBy: ${this.layout.name(c)} is a lock, not a guarded cell`);
    }
    if (g.source.trim() === '') throw new Error(`guardedBy ${info.name}: no source for the rule`);
    this.guards.push(g);
  }

  /**
   * Who sleeps waiting for whom (a sleeping lock's waiters and its owner):
   * when nothing can run any more, a cycle of such sleepers is a deadlock.
   */
  waitsFor(edges: WaitsFor): void {
    this.waits.push(edges);
  }

  /**
   * A deterministic start: every execution begins by running the lowest
   * CPU that can step (no interrupts) until `done` holds, in that one order;
   * the search explores what comes after. The scenario states it (its
   * `prologue` text) so that a verdict says what was not searched.
   */
  prologue(what: string, done: Prologue['done']): void {
    if (this.start) throw new Error('a model has one prologue');
    this.start = { what, done };
  }

  build(): ModelDef {
    if (this.tasks.length > 31) throw new Error('at most 31 tasks (task sets are bitmasks)');
    return {
      cpus: this.cpus,
      layout: this.layout,
      tasks: [...this.tasks],
      irqs: [...this.irqs],
      safety: [...this.safety],
      transitions: [...this.transitions],
      terminal: [...this.terminal],
      ...(this.waits.length > 0 ? { waitsFor: [...this.waits] } : {}),
      ...(this.guards.length > 0 ? { guards: [...this.guards] } : {}),
      ...(this.start ? { prologue: this.start } : {}),
    };
  }
}
