/**
 * LinuxKernel: the Linux 6.6 substrate a scenario builds on. It owns the
 * shared objects (tasks with their cells, per-CPU runqueues and idle tasks,
 * tasklist_lock) and the per-CPU interrupt sources; the kernel paths
 * themselves are generator functions named like the C functions, one module
 * per kernel file (sched/core.ts, sched/wait.ts, signal.ts, exit.ts, …),
 * each taking this kernel as its first argument.
 *
 * A scenario spawns tasks (`spawn(name, cpu, body)`), then calls `finish()`.
 * On each CPU the first task spawned there is current at time 0 and the
 * others wait on that CPU's runqueue, as if just forked; a CPU with no task
 * starts in its idle task. So `--cpus 1` is a real uniprocessor: another task
 * runs only when the current one sleeps or is preempted by the tick.
 */
import type { Program } from '../../cpu/ops.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { MachineView, TaskContext } from '../../model/types.ts';
import type { WaitEdge } from '../../model/wait-graph.ts';
import { fifoEntries } from '../common/fifo.ts';
import { type OverrideOptions, PathTable } from '../common/paths.ts';
import { LINUX_6_6, type LinuxConsts, signalFlagsFormatter } from './consts.ts';
import { declareLinuxGuards } from './guards.ts';
import { type Mutex, mutexCells, ownerTask } from './mutex.ts';
import {
  allocRunqueue,
  allocTask,
  type LinuxTask,
  type Runqueue,
  type SigAction,
  type SignalStruct,
  type WaitQueueHead,
  type WakeList,
  waitQueueHead,
} from './objects.ts';
import { LINUX_PATHS, type LinuxPaths } from './paths.ts';
import type { TaskWork } from './task-work.ts';

export interface LinuxOptions {
  /** scheduler ticks each CPU may take (a bound of the search) */
  readonly ticks?: number;
  /** reschedule IPIs each CPU may take (a bound of the search) */
  readonly ipis?: number;
  /**
   * sched_feat(TTWU_QUEUE): a wakeup may hand the wakee to its CPU's wake
   * list and an IPI (sched/core.ts ttwu_queue_wakelist) instead of
   * enqueueing it itself. Off by default (the direct path only).
   */
  readonly ttwuQueue?: boolean;
  /** wake-list IPIs each CPU may take (default 8; a ninth leaves its wakee on the list) */
  readonly wakeListIpis?: number;
  /** the version whose constants the model uses (default LINUX_6_6; consts.ts) */
  readonly consts?: LinuxConsts;
}

/** What a task runs; a kernel path as it is will do (what it returns, a syscall's result, is dropped). */
export type TaskBody = (k: LinuxKernel, me: LinuxTask, ctx: TaskContext) => Program<unknown>;

export interface SpawnOptions {
  /** the parent (real_parent and parent); default: a task outside the model */
  readonly parent?: LinuxTask;
  /** the initial blocked mask (a sigset) */
  readonly blocked?: number;
  /** signals already pending at time 0 (t->pending, with TIF_SIGPENDING), as if sent before the model starts */
  readonly pending?: number;
  /**
   * process-directed signals already pending at time 0 (signal->shared_pending),
   * with TIF_SIGPENDING on this task, as if complete_signal had picked it; a leader's option
   */
  readonly sharedPending?: number;
  /** what the task does on each signal; unlisted signals take the default action */
  readonly actions?: Readonly<Record<number, SigAction>>;
  /**
   * A thread of this leader's process (clone with CLONE_THREAD): it shares
   * the leader's signal_struct (shared pending signals, job control, the
   * wait queue do_wait sleeps on) and sighand (siglock, the actions), and
   * its parent is the leader's.
   */
  readonly threadOf?: LinuxTask;
}

export class LinuxKernel {
  readonly cpus: number;
  /** the constants of the version the model runs as (LinuxOptions.consts) */
  readonly c: LinuxConsts;
  /** tasklist_lock (kernel/fork.c) */
  readonly tasklist_lock: number;
  private readonly all: LinuxTask[] = [];
  private readonly bodies: TaskBody[] = [];
  /** the CPU each spawned task starts on, by task id */
  private readonly placedOn: number[] = [];
  /** the parent each spawned task starts with, by task id */
  private readonly parentOf: number[] = [];
  private readonly runqueues: Runqueue[] = [];
  /** the sleeping mutexes of the model (k.mutex) */
  readonly mutexes: Mutex[] = [];
  private readonly credGuards = new Map<number, Mutex>();
  /** the works a model can queue on a task (task_work_add) */
  private readonly works: TaskWork[] = [];
  /** the wait queues k.waitQueue made */
  private readonly queues: WaitQueueHead[] = [];
  /** bit_waitqueue(word, bit) of every bit some path waits on, by `word:mask` */
  private readonly bitQueues = new Map<string, WaitQueueHead>();
  private finished = false;
  private readonly paths = new PathTable<LinuxPaths>(LINUX_PATHS, 'the Linux model');
  /** every path, by name: the model calls them all through this table */
  readonly fn: LinuxPaths = this.paths.fn;
  /** the model's own paths, whatever is overridden (for an override that calls the original) */
  readonly base: Readonly<LinuxPaths> = LINUX_PATHS;
  /**
   * exit_notify reports the zombie to its parent or tracer and untraces the
   * exiting tracer's tracees (set by setupPtrace); otherwise it only stores
   * EXIT_ZOMBIE
   */
  reportsExit = false;
  /**
   * JOBCTL_TRACED stands for part of __state (set by a pre-5.19 ptrace_stop,
   * history.ts): 5.18 had no such bit, and its clear stands for the lockless
   * __state store it goes with, so jobctl's siglock rule is not declared
   * (guards.ts)
   */
  jobctlHoldsState = false;

  constructor(
    readonly b: ModelBuilder,
    readonly opts: LinuxOptions = {},
  ) {
    this.cpus = b.cpus;
    this.c = opts.consts ?? LINUX_6_6;
    this.tasklist_lock = b.layout.rwlock('tasklist_lock');
  }

  /**
   * Puts other code in place of one path, for every caller (or only for the
   * calls made inside `opts.within`): a scenario variant's old or buggy
   * version of a function. Before finish().
   */
  override<N extends keyof LinuxPaths & string>(
    name: N,
    impl: LinuxPaths[N],
    opts?: OverrideOptions<keyof LinuxPaths & string>,
  ): void {
    this.paths.override(name, impl, opts);
  }

  /** ghost cells recording the continue a SIGCONT left for the parent, by signal_struct (watchContinue) */
  private readonly continueGhosts = new Map<SignalStruct, number>();

  /**
   * Records, in a ghost cell, what prepare_signal(SIGCONT) found for t's
   * group: its `why` (SIGNAL_CLD_CONTINUED when the group was stopped,
   * SIGNAL_CLD_STOPPED when a group stop was under way), 0 while no SIGCONT
   * found either. An invariant on the CLD_CONTINUED report reads it: only a
   * continue of a stopped group is owed to the parent. Before finish().
   */
  watchContinue(t: LinuxTask): number {
    if (this.finished) throw new Error('watchContinue() after finish()');
    let g = this.continueGhosts.get(t.signal);
    if (g === undefined) {
      g = this.b.layout.ghost(`ghost.${t.name}.sigcont_why`, 0, signalFlagsFormatter);
      this.continueGhosts.set(t.signal, g);
    }
    return g;
  }

  /** The ghost of watchContinue for this group, or null. */
  continueGhost(signal: SignalStruct): number | null {
    return this.continueGhosts.get(signal) ?? null;
  }

  /** A sleeping mutex (struct mutex, DEFINE_MUTEX): its owner word, wait_lock and wait list. Before finish(). */
  mutex(name: string): Mutex {
    if (this.finished) throw new Error('mutex() after finish()');
    const m = mutexCells(this.b.layout, name, (id) => this.nameOf(id));
    this.mutexes.push(m);
    return m;
  }

  /**
   * p->signal->cred_guard_mutex, one per thread group: made on first use,
   * which must come before finish() (setupPtrace makes every group's; a
   * model that execs without ptrace calls k.credGuard(p) itself).
   */
  credGuard(p: LinuxTask): Mutex {
    let m = this.credGuards.get(p.group_leader);
    if (m === undefined) {
      if (this.finished) throw new Error(`${p.name}'s cred_guard_mutex was not declared: k.credGuard(${p.name}) before finish()`);
      m = this.mutex(`${this.task(p.group_leader).name}.signal.cred_guard_mutex`);
      this.credGuards.set(p.group_leader, m);
    }
    return m;
  }

  /** A callback_head a path can queue on a task with task_work_add: `func` runs in that task (task_work_run). Before finish(). */
  taskWork(name: string, func: TaskWork['func']): TaskWork {
    if (this.finished) throw new Error('taskWork() after finish()');
    const w = { id: this.works.length, name, func };
    this.works.push(w);
    return w;
  }

  taskWorkById(id: number): TaskWork {
    const w = this.works[id];
    if (!w) throw new Error(`no task work ${id}`);
    return w;
  }

  /** A wait queue head (DECLARE_WAIT_QUEUE_HEAD): its lock and its list of entries. Before finish(). */
  waitQueue(name: string): WaitQueueHead {
    if (this.finished) throw new Error('waitQueue() after finish()');
    const wq = waitQueueHead(this.b.layout, name, (id) => this.nameOf(id));
    this.queues.push(wq);
    return wq;
  }

  /**
   * bit_waitqueue(word, bit) — kernel/sched/wait_bit.c:12-18: the wait
   * queue of one bit of one cell (Linux hashes them into a table; here each
   * has its own). Made on first use, which must come before finish() (the
   * model's cells are fixed then): a model declares the bits its paths wait
   * on when it sets up (ptrace: JOBCTL_TRAPPING of each task).
   */
  bitWaitqueue(word: number, mask: number): WaitQueueHead {
    const key = `${word}:${mask}`;
    let wq = this.bitQueues.get(key);
    if (wq === undefined) {
      if (this.finished) throw new Error(`bit_waitqueue(${this.b.layout.name(word)}, ${mask}) was not declared before finish()`);
      const name = `bit_waitqueue(${this.b.layout.name(word)},0x${mask.toString(16)})`;
      wq = waitQueueHead(this.b.layout, name, (id) => this.nameOf(id), 'wake_bit', { word, mask });
      this.bitQueues.set(key, wq);
    }
    return wq;
  }

  /** Each task asleep on a mutex's wait list, and the mutex's owner: the engine's sleeper-cycle deadlock check. */
  private mutexWaits(w: MachineView) {
    const edges: WaitEdge[] = [];
    for (const m of this.mutexes) {
      const holder = ownerTask(w.mem[m.owner] as number);
      if (holder < 0) continue;
      for (const e of fifoEntries(w.mem[m.wait_list] as number)) {
        const t = this.task(e.task);
        if (w.mem[t.on_rq] === 0 && w.taskCpu(t.id) < 0) edges.push({ task: t.id, holder, on: m.name });
      }
    }
    return edges;
  }

  /** Declares a task that runs `body`, then do_exit(0); placed on CPU `cpu mod cpus`. */
  spawn(name: string, cpu: number, body: TaskBody, opts: SpawnOptions = {}): LinuxTask {
    if (this.finished) throw new Error('spawn() after finish()');
    const placed = cpu % this.cpus;
    const current = !this.placedOn.includes(placed);
    const t = allocTask(
      this.b.layout,
      {
        id: this.all.length,
        name,
        idle: false,
        cpu: placed,
        onRq: 1,
        onCpu: current ? 1 : 0,
        parent: opts.parent?.id ?? (opts.threadOf ? (this.parentOf[opts.threadOf.id] as number) : -1),
        blocked: opts.blocked ?? 0,
        pending: opts.pending ?? 0,
        sharedPending: opts.sharedPending ?? 0,
        actions: opts.actions ?? {},
        ...(opts.threadOf ? { threadOf: opts.threadOf } : {}),
      },
      (id) => this.nameOf(id),
      this.c.stateFormatter,
    );
    if (opts.threadOf && opts.sharedPending) throw new Error(`${name}: sharedPending is the group leader's option`);
    if (opts.threadOf && opts.threadOf.group_leader !== opts.threadOf.id)
      throw new Error(`${name}: threadOf names a thread, not its group leader`);
    this.all.push(t);
    this.bodies.push(body);
    this.placedOn.push(placed);
    this.parentOf.push(opts.parent?.id ?? (opts.threadOf ? (this.parentOf[opts.threadOf.id] as number) : -1));
    if (opts.threadOf) {
      const sig = opts.threadOf.signal;
      const group = this.threads(opts.threadOf);
      this.b.layout.setInitial(sig.nr_threads, group.length);
      this.b.layout.setInitial(
        sig.thread_list,
        group.reduce((m, x) => m | (1 << x.id), 0),
      );
    }
    return t;
  }

  /** The threads of p's process, the leader first, in the order they were spawned (for_each_thread's list as built). */
  threads(p: LinuxTask): readonly LinuxTask[] {
    return this.all.filter((t) => !t.idle && t.group_leader === p.group_leader);
  }

  /** while_each_thread(p, t): p's other threads, from the one after p round the list. */
  otherThreads(p: LinuxTask): readonly LinuxTask[] {
    const g = this.threads(p);
    const i = g.indexOf(p);
    return [...g.slice(i + 1), ...g.slice(0, i)];
  }

  /** same_thread_group(a, b) */
  sameThreadGroup(a: LinuxTask, b: LinuxTask): boolean {
    return a.group_leader === b.group_leader;
  }

  /**
   * p->children, in spawn order: the group leaders whose parent is p (a
   * thread is on no children list). No model forks or reparents yet, so the
   * lists are fixed when the model is built (a list walk under tasklist_lock
   * is then a walk over this array).
   */
  children(parent: LinuxTask): readonly LinuxTask[] {
    return this.all.filter((t) => !t.idle && t.group_leader === t.id && this.parentOf[t.id] === parent.id);
  }

  private nameOf(id: number): string {
    return this.all[id]?.name ?? `task${id}`;
  }

  /** Adds the tasks, the idle tasks and the interrupt sources to the model. */
  finish(): void {
    if (this.finished) throw new Error('finish() called twice');
    this.finished = true;
    this.paths.seal();
    if (this.mutexes.length > 0) this.b.waitsFor((w) => this.mutexWaits(w));
    const b = this.b;
    const users = this.all.slice();
    const cpuOf = (t: LinuxTask) => this.placedOn[t.id] as number;
    const firstOn = new Map<number, LinuxTask>();
    for (const t of users) if (!firstOn.has(cpuOf(t))) firstOn.set(cpuOf(t), t);
    for (let c = 0; c < this.cpus; c++) {
      this.all.push(
        allocTask(
          b.layout,
          {
            id: users.length + c,
            name: `idle${c}`,
            idle: true,
            cpu: c,
            onRq: 0,
            onCpu: firstOn.has(c) ? 0 : 1,
            parent: -1,
            blocked: 0,
            pending: 0,
            actions: {},
          },
          (id) => this.nameOf(id),
          this.c.stateFormatter,
        ),
      );
    }
    for (let c = 0; c < this.cpus; c++) {
      let queued = 0;
      for (const t of users) if (cpuOf(t) === c) queued |= 1 << t.id;
      const idle = users.length + c;
      this.runqueues.push(
        allocRunqueue(b.layout, c, queued, firstOn.get(c)?.id ?? idle, idle, (id) => this.nameOf(id), this.opts.ttwuQueue),
      );
    }
    declareLinuxGuards(b, this, [...this.queues, ...this.bitQueues.values()]);
    const k = this;
    users.forEach((t, i) => {
      const body = this.bodies[i] as TaskBody;
      const current = firstOn.get(cpuOf(t)) === t;
      b.task({
        name: t.name,
        startCpu: current ? cpuOf(t) : -1,
        program: function* (ctx) {
          if (!current) yield* k.fn.schedule_tail(k, ctx);
          yield* body(k, t, ctx);
          yield* k.fn.do_exit(k, ctx, 0);
        },
      });
    });
    for (let c = 0; c < this.cpus; c++) {
      const started = !firstOn.has(c);
      b.task({ name: `idle${c}`, startCpu: started ? c : -1, idle: true, program: (ctx) => k.fn.do_idle(k, ctx, started) });
    }
    for (let c = 0; c < this.cpus; c++) {
      const rq = this.runqueues[c] as Runqueue;
      // present with budget 0 too, so that a row (or --irq tick@cpuN=1) can turn the tick on
      b.irq({
        name: `tick@cpu${c}`,
        cpu: c,
        budget: this.opts.ticks ?? 0,
        preemptible: true,
        reads: [rq.nr_running],
        // Only a tick that can preempt is worth a choice: one with nobody else runnable changes nothing we model.
        enabled: (m) => (m[rq.nr_running] as number) > 1,
        handler: (ctx) => k.fn.scheduler_tick(k, ctx),
      });
      if (rq.ttwu) {
        const wl = rq.ttwu;
        b.irq({
          name: `csd@cpu${c}`,
          cpu: c,
          budget: this.opts.wakeListIpis ?? 8,
          reads: [wl.csd_ipi],
          enabled: (m) => m[wl.csd_ipi] !== 0,
          handler: (ctx) => k.fn.generic_smp_call_function_single_interrupt(k, ctx),
        });
      }
      if ((this.opts.ipis ?? 0) > 0) {
        b.irq({
          name: `ipi@cpu${c}`,
          cpu: c,
          budget: this.opts.ipis ?? 0,
          preemptible: true,
          reads: [rq.ipi],
          enabled: (m) => m[rq.ipi] !== 0,
          handler: (ctx) => k.fn.scheduler_ipi(k, ctx),
        });
      }
    }
  }

  /** Every task, the idle tasks last (after finish()). */
  get tasks(): readonly LinuxTask[] {
    return this.all;
  }

  /** The tasks spawned by the scenario (no idle tasks). */
  get userTasks(): readonly LinuxTask[] {
    return this.all.filter((t) => !t.idle);
  }

  task(id: number): LinuxTask {
    const t = this.all[id];
    if (!t) throw new Error(`no task ${id}`);
    return t;
  }

  /** `current`: the task this code runs for (for an interrupt handler, the interrupted task). */
  current(ctx: TaskContext): LinuxTask {
    return this.task(ctx.self);
  }

  /** cpu's wake list (LinuxOptions.ttwuQueue) */
  wakeList(cpu: number): WakeList {
    const wl = this.rq(cpu).ttwu;
    if (!wl) throw new Error('the wake-list path runs only with LinuxOptions.ttwuQueue');
    return wl;
  }

  /** cpu_rq(cpu) */
  rq(cpu: number): Runqueue {
    const rq = this.runqueues[cpu];
    if (!rq) throw new Error(`no runqueue for CPU${cpu} (finish() not called?)`);
    return rq;
  }

  get rqs(): readonly Runqueue[] {
    return this.runqueues;
  }
}
