import type { MemoryLayout } from '../cpu/memory.ts';
import type { MemView, Program } from '../cpu/ops.ts';
import type { MemoryModel } from './memory-model.ts';
import type { WaitEdge } from './wait-graph.ts';

/**
 * Ghost state: facts a program records for invariants (a signal handled, a
 * stop reported). Programs write ghost cells between yields; the write belongs
 * to the step that ran the code. Programs never branch on ghost cells, so they
 * add no dependence between steps (and there is deliberately no way to read one).
 */
export interface GhostWriter {
  set(addr: number, value: number): void;
  add(addr: number, delta: number): void;
}

/** What a running program may know about itself without a shared access. */
export interface TaskContext {
  /** the task's id (for an interrupt handler: the interrupted task) */
  readonly self: number;
  /** smp_processor_id(): the CPU this code runs on right now */
  cpu(): number;
  readonly ghost: GhostWriter;
}

export interface TaskDef {
  readonly name: string;
  /** The task's kernel stack from its first instruction; run when first switched to. */
  readonly program: (ctx: TaskContext) => Program<void>;
  /** CPU the task is current on at time 0, or -1 when it starts parked (on a runqueue or not yet forked). */
  readonly startCpu: number;
  /**
   * Starts on the CPU of this task (an id) when that task's program ends:
   * tasks a model places on one CPU without a scheduler of their own run
   * there one after another (ModelBuilder.task does this).
   */
  readonly after?: number;
  /** the per-CPU idle task: it never needs waking and its waits are quiescent */
  readonly idle?: boolean;
}

/**
 * An interrupt the explorer may inject on `cpu` when that CPU has irqs on,
 * the source has budget left, and `enabled` holds over memory (`reads` is
 * every address `enabled` looks at). The handler runs on top of the current
 * task's stack with irqs off, as hardware does, and irqs are restored when it
 * returns.
 */
export interface IrqSourceDef {
  readonly name: string;
  readonly cpu: number;
  readonly budget: number;
  /**
   * Inject only when the CPU's preempt count is 0 and it holds no lock (in
   * Linux every spin/rw lock raises the preempt count: spin_lock implies
   * preempt_disable) — an interrupt whose only
   * effect is to preempt at irq exit, such as a scheduler tick or a
   * reschedule IPI: while preemption is off its effect waits for
   * preempt_enable, which this models by holding the interrupt back).
   */
  readonly preemptible?: boolean;
  readonly reads: readonly number[];
  readonly enabled: (mem: MemView) => boolean;
  readonly handler: (ctx: TaskContext) => Program<void>;
}

/** What invariants may look at besides memory. */
export interface MachineView {
  readonly mem: MemView;
  readonly layout: MemoryLayout;
  /** CPU the task is current on, or -1 */
  taskCpu(task: number): number;
  taskName(task: number): string;
  taskDone(task: number): boolean;
  /** the task has run at least once */
  taskStarted(task: number): boolean;
  readonly taskCount: number;
  readonly cpuCount: number;
}

/**
 * A safety invariant, checked after every step that writes one of `watch`.
 * It is re-evaluated only when a watched cell changes, which is also what
 * makes it sound under partial-order reduction: every step that writes a
 * watched cell must be ordered with the others by a lock or by the cell
 * itself, so every interleaving of one trace shows the checker the same
 * sequence of values (src/explorer/dpor.ts relies on this).
 */
export interface SafetyInvariant {
  readonly name: string;
  readonly watch: readonly number[];
  readonly check: (w: MachineView) => string | null;
  /**
   * Every cell `check` may read (a superset is sound; it only gives the
   * search fewer steps to take alone). Given, the check reads memory
   * directly and the search takes these cells as read from the start;
   * absent, the search learns the cells through a recording view of memory,
   * which costs a trap on every read. A check that reads a cell outside its
   * declaration is caught by `Machine.verifyDeclaredReads` (the tests run
   * every table row so).
   */
  readonly reads?: readonly number[];
}

/**
 * An invariant on the changes of single cells: `check` sees each write that
 * changes one of `watch`, with the old and the new value, as it happens (a
 * state machine's edges: every observed change must be an edge). Each cell
 * is judged on its own, so it is sound under partial-order reduction.
 */
export interface TransitionInvariant {
  readonly name: string;
  readonly watch: readonly number[];
  readonly check: (addr: number, from: number, to: number, w: MachineView) => string | null;
  /** Every cell `check` may read through `w` (as SafetyInvariant.reads). */
  readonly reads?: readonly number[];
}

/**
 * A lock rule stated by the source (ModelBuilder.guardedBy): `cells` are
 * accessed only while the CPU holds `lock`. The engine checks it at each
 * load, store and read-modify-write a task's code (or an interrupt
 * handler's) makes of one of them: a write needs the lock held — and, for
 * an rwlock, write-held; with `access: 'read-write'` a read needs it held
 * too (read- or write-held). The check looks only at what the accessing CPU
 * holds (and, for an rwlock it holds, the lock word, which no other CPU can
 * move between write-held and read-held while this one holds it): it adds
 * no dependence between steps. Initial values and ghost writes are not
 * accesses, and a busy-wait's or an assertion's reads are not checked.
 */
export interface LockGuard {
  readonly cells: readonly number[];
  readonly lock: number;
  /** 'write': stores and read-modify-writes need the lock; 'read-write': loads too */
  readonly access: 'write' | 'read-write';
  /** where the source states the rule (a file and line, a lockdep assertion, a comment, a type) */
  readonly source: string;
  /** the invariant a breach fails (default `lock-discipline`) */
  readonly invariant?: string;
}

/** An invariant checked when no step is enabled any more (quiescence). */
export interface TerminalInvariant {
  readonly name: string;
  readonly check: (w: MachineView) => string | null;
}

/**
 * The sleepers of a state and what each waits for (a sleeping lock's
 * owner): the engine reports a cycle among them as a deadlock
 * (model/wait-graph.ts).
 */
export type WaitsFor = (w: MachineView) => readonly WaitEdge[];

/**
 * A deterministic start (ModelBuilder.prologue): at the start of every
 * execution, before any choice, the engine runs the lowest-numbered CPU
 * that can take a step (never an interrupt) until `done` holds; the search
 * starts from there. It is one order of the prologue's steps, not a search
 * of them.
 */
export interface Prologue {
  /** what the prologue does, in words */
  readonly what: string;
  readonly done: (w: MachineView) => boolean;
}

export interface ModelDef {
  readonly cpus: number;
  readonly layout: MemoryLayout;
  readonly tasks: readonly TaskDef[];
  readonly irqs: readonly IrqSourceDef[];
  readonly safety: readonly SafetyInvariant[];
  readonly transitions?: readonly TransitionInvariant[];
  readonly terminal: readonly TerminalInvariant[];
  /** who sleeps waiting for whom, for the sleeper-cycle deadlock check */
  readonly waitsFor?: readonly WaitsFor[];
  readonly prologue?: Prologue;
  /** lock rules the engine checks at each access of a guarded cell (LockGuard) */
  readonly guards?: readonly LockGuard[];
  /** the memory model the CPUs follow (absent: sequentially consistent); a machine's own option replaces it */
  readonly memoryModel?: MemoryModel;
}

export interface Violation {
  readonly invariant: string;
  readonly message: string;
}

/** Invariant names the engine itself reports. */
export const ENGINE_INVARIANTS = {
  deadlock: 'deadlock',
  lockDiscipline: 'lock-discipline',
  runqueueSane: 'runqueue-sane',
  livelock: 'livelock',
  /** the model threw: a path it does not cover was reached (reported with its trace, whatever --invariant says) */
  modelError: 'model-error',
} as const;
