/**
 * The DragonOS objects the ptrace scenarios touch, as memory cells: each
 * process control block (pcb), each CPU's runqueue, each CPU's pending kick
 * IPI, and the idle task of every CPU. The paths themselves live beside this
 * file, one file per DragonOS source file (process/mod.rs → process.ts,
 * sched/mod.rs + sched/fair.rs → sched.ts, ipc/signal.rs → signal.ts,
 * ipc/generic_signal.rs → generic-signal.ts, process/ptrace.rs → ptrace.ts,
 * arch/x86_64/ipc/signal.rs → x86-signal.ts, exception/entry.rs + the
 * interrupt entry → entry.ts).
 *
 * What is abstracted, everywhere:
 * - No migration: a task always runs on its home CPU (`on_cpu` never changes
 *   value, but every read of it is still a step).
 * - The CFS tree is the set of tasks whose `se.on_rq` is set (the running
 *   task stays in it, as in DragonOS where set_next_entity keeps se.on_rq);
 *   `cfs.h_nr_running` and `rq.nr_running` move together under the rq lock
 *   and are one cell, `rqN.nr_running`. pick_next_task takes the
 *   lowest-numbered queued task other than prev, else prev if still queued,
 *   else idle (vruntime order is not modelled).
 * - rq clock updates, load tracking, sched_stat and vruntime are omitted:
 *   they touch only the rq, under its lock, and no scenario reads them.
 * - `CpuRunQueue::self_lock`'s re-entrancy shortcut (lock_on_who) is not
 *   modelled: no scenario path nests two rq locks, and the stale-owner
 *   window of that shortcut is its own concern.
 * - Signal info (siginfo contents, sigqueue entries) is reduced to the
 *   pending set: pushing the queue entry and setting the pending bit stay
 *   two steps under two lock sections, as in the source.
 * - Paths that only touch objects no other modelled task reads (cred lock,
 *   signalfd, SIGCHLD to an uninvolved parent, waking its waiters) are
 *   steps with no shared cell, or are left out and named where they are.
 */
import { awaitCond, nop, type Program } from '../../cpu/ops.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { TaskContext } from '../../model/types.ts';
import { popcount, sigsetFormatter } from '../common/bits.ts';
import { type OverrideOptions, PathTable } from '../common/paths.ts';
import { pfFmt, ST, sfFmt, stateFmt } from './consts.ts';
import { declareDragonGuards } from './guards.ts';
import { DRAGON_PATHS, type DragonPaths } from './paths.ts';
import { Src, type Variant } from './variant.ts';

/**
 * How DragonOS's RwLock releases a writer on x86 (kernel/src/libs/rwlock.rs,
 * RwLockWriteGuard::drop: `lock.fetch_and(!(WRITER | UPGRADED), Release)`):
 * a locked instruction, which drains the store buffer under x86-TSO. Its
 * SpinLock releases with `store(false, Release)` (kernel/src/libs/spinlock.rs
 * RawSpinlock::unlock), a plain store: the layout's default.
 */
const RWLOCK_WRITE_RELEASE = 'locked';

export { EXIT_WORK, PF, SF, ST } from './consts.ts';

/** A process control block: its fields as cells. */
export interface Pcb {
  readonly id: number;
  readonly name: string;
  /** the CPU it runs on (no migration) */
  readonly home: number;
  /** sched_info.inner_locked (pr1663/head: RwLock<{state, sleep}>) */
  readonly schedInfo: number;
  readonly state: number;
  /** the sleep flag set by mark_sleep/ptrace_stop and cleared by set_wakeup (pr1663/head) */
  readonly sleep: number;
  /** sched_info.pi_lock (master: SpinLock<PiProtected>, taken by mark_stop, wakeup_stop) */
  readonly piLock: number;
  /** sched_info.on_rq: SpinLock<OnRq> (0 None, 1 Queued) */
  readonly onRqLock: number;
  readonly onRq: number;
  /** sched_info.on_cpu (atomic) */
  readonly onCpu: number;
  /** the CFS entity's on_rq */
  readonly seOnRq: number;
  /** pcb.flags(): LockFreeFlags, an UnsafeCell — updates are a plain load then store */
  readonly flags: number;
  /** pcb.preempt_count (an atomic in the pcb) */
  readonly preempt: number;
  /** sig_info: RwLock<ProcessSignalInfo> */
  readonly sigInfo: number;
  /** sig_pending.signal: the thread-pending signal set */
  readonly pending: number;
  /** sig_pending.queue: the queued siginfo entries, reduced to the set of their signals */
  readonly sigqueue: number;
  readonly blocked: number;
  /** ptrace_state: SpinLock */
  readonly ptraceLock: number;
  readonly injected: number;
  /**
   * ptrace_state.event_message and last_siginfo (reduced to the signal
   * number, 0 for None): only the tracer's PTRACE_GETEVENTMSG/GETSIGINFO
   * read them, which no scenario calls, but ptrace_stop writes them under
   * the ptrace_state lock. Cells only for a task spawned traced (pr1663,
   * head): no modelled path makes a task traced later; null otherwise.
   */
  readonly stopInfo: { readonly eventMessage: number; readonly lastSiginfo: number } | null;
  /** ptrace_state.tracer: task id + 1, or 0 */
  readonly tracer: number;
  /** parent_pcb (RwLock in DragonOS; a single cell read or written in one step here) */
  readonly parent: number;
  readonly realParent: number;
  /** the trap frame's privilege level: 1 while the task runs user code */
  readonly inUser: number;
  readonly idle: boolean;
}

export interface Rq {
  readonly cpu: number;
  readonly lock: number;
  /** tasks whose CFS entity is on this rq (including the running one) */
  readonly queue: number;
  readonly nr: number;
  /** rq.current() */
  readonly curr: number;
  /** a kick IPI sent to this CPU and not yet taken */
  readonly ipi: number;
  readonly idleTask: number;
}

export interface SpawnOpts {
  /** the CPU it runs on is `cpu mod cpus` */
  readonly cpu: number;
  /**
   * 'current': running on its CPU at time 0 (and queued);
   * 'queued': runnable, waiting on its CPU's runqueue;
   * 'parked': off every runqueue, its kernel stack parked in schedule()
   * (the program then starts where schedule() returns).
   */
  readonly start: 'current' | 'queued' | 'parked';
  readonly state?: number;
  readonly sleep?: boolean;
  readonly flags?: number;
  readonly pending?: number;
  readonly blocked?: number;
  readonly preempt?: number;
  /** ptrace and parent links, as task ids (the order of spawn calls) */
  readonly tracer?: number;
  readonly parent?: number;
  readonly realParent?: number;
}

export type Body = (ctx: TaskContext) => Program<void>;

/** The sighand of the one thread group the scenarios use (ipc/sighand.rs: an RwLock over its flags and shared_pending). */
export interface Sighand {
  readonly lock: number;
  readonly flags: number;
  /** shared_pending.signal: the process-directed pending set (kill() queues here: PidType::TGID) */
  readonly sharedPending: number;
  /** shared_pending.queue: its queued siginfo entries, reduced to the set of their signals */
  readonly sharedQueue: number;
}

/** A sigaction's handler type. The handler table never changes in the scenarios, so a lookup is a step with no shared cell. */
export type Action = 'default' | 'ignore' | 'custom';

export class DragonKernel {
  readonly src: Src;
  /** sighand handler table of the one process that receives signals; unlisted signals are SIG_DFL */
  readonly actions = new Map<number, Action>();
  readonly rqs: Rq[] = [];
  readonly pcbs: Pcb[] = [];
  private readonly bodies: { pcb: Pcb; opts: SpawnOpts; body: Body }[] = [];
  readonly sighand: Sighand;
  private readonly paths = new PathTable<DragonPaths>(DRAGON_PATHS, 'the DragonOS model');
  /** every path, by name: the model calls them all through this table */
  readonly fn: DragonPaths = this.paths.fn;
  /** the model's own paths, whatever is overridden (for an override that calls the original) */
  readonly base: Readonly<DragonPaths> = DRAGON_PATHS;

  constructor(
    readonly b: ModelBuilder,
    readonly v: Variant,
  ) {
    this.src = new Src(v);
    const L = b.layout;
    this.sighand = {
      lock: L.rwlock('sighand.inner', RWLOCK_WRITE_RELEASE),
      flags: L.cell('sighand.flags', 0, sfFmt),
      sharedPending: L.cell('sighand.shared_pending', 0, sigsetFormatter),
      sharedQueue: L.cell('sighand.shared_queue', 0, sigsetFormatter),
    };
  }

  /**
   * Puts other code in place of one path, for every caller (or only for the
   * calls made inside `opts.within`, which must take a task context). Before
   * finish().
   */
  override<N extends keyof DragonPaths & string>(
    name: N,
    impl: DragonPaths[N],
    opts?: OverrideOptions<keyof DragonPaths & string>,
  ): void {
    this.paths.override(name, impl, opts);
  }

  /** Declares a process; the model gets it (and the idle tasks) at finish(). */
  spawn(name: string, opts: SpawnOpts, body: Body): Pcb {
    const L = this.b.layout;
    const id = this.pcbs.length;
    const home = opts.cpu % this.b.cpus;
    const onRq = opts.start === 'parked' ? 0 : 1;
    const p: Pcb = {
      id,
      name,
      home,
      schedInfo: L.rwlock(`${name}.sched_info`, RWLOCK_WRITE_RELEASE),
      state: L.cell(`${name}.state`, opts.state ?? ST.Runnable, stateFmt),
      sleep: L.cell(`${name}.sleep`, opts.sleep ? 1 : 0),
      onRqLock: L.spinlock(`${name}.on_rq.lock`),
      piLock: L.spinlock(`${name}.pi_lock`),
      onRq: L.cell(`${name}.on_rq`, onRq),
      onCpu: L.cell(`${name}.on_cpu`, home),
      seOnRq: L.cell(`${name}.se.on_rq`, onRq),
      flags: L.cell(`${name}.flags`, opts.flags ?? 0, pfFmt),
      preempt: L.cell(`${name}.preempt_count`, opts.preempt ?? 0),
      sigInfo: L.rwlock(`${name}.sig_info`, RWLOCK_WRITE_RELEASE),
      pending: L.cell(`${name}.sig_pending`, opts.pending ?? 0, sigsetFormatter),
      sigqueue: L.cell(`${name}.sig_queue`, opts.pending ?? 0, sigsetFormatter),
      blocked: L.cell(`${name}.sig_blocked`, opts.blocked ?? 0, sigsetFormatter),
      ptraceLock: L.spinlock(`${name}.ptrace_state.lock`),
      injected: L.cell(`${name}.injected_signal`, 0),
      stopInfo:
        opts.tracer !== undefined && this.v !== 'master'
          ? {
              eventMessage: L.cell(`${name}.event_message`, 0),
              lastSiginfo: L.cell(`${name}.last_siginfo`, 0, (x) => (x === 0 ? 'None' : `siginfo(${x})`)),
            }
          : null,
      tracer: L.cell(`${name}.tracer`, link(opts.tracer), (x) => (x === 0 ? 'None' : (this.pcbs[x - 1]?.name ?? String(x)))),
      parent: L.cell(`${name}.parent`, link(opts.parent), (x) => (x === 0 ? 'None' : (this.pcbs[x - 1]?.name ?? String(x)))),
      realParent: L.cell(`${name}.real_parent`, link(opts.realParent), (x) =>
        x === 0 ? 'None' : (this.pcbs[x - 1]?.name ?? String(x)),
      ),
      inUser: L.cell(`${name}.in_user`, 0),
      idle: false,
    };
    this.pcbs.push(p);
    this.bodies.push({ pcb: p, opts, body });
    return p;
  }

  action(sig: number): Action {
    return this.actions.get(sig) ?? 'default';
  }

  rqOf(p: Pcb): Rq {
    return this.rqs[p.home] as Rq;
  }

  rq(cpu: number): Rq {
    const r = this.rqs[cpu];
    if (!r) throw new Error(`no runqueue for CPU${cpu}`);
    return r;
  }

  pcb(id: number): Pcb {
    const p = this.pcbs[id];
    if (!p) throw new Error(`no task ${id}`);
    return p;
  }

  private taskSet(v: number): string {
    const names: string[] = [];
    this.pcbs.forEach((p) => {
      if (v & (1 << p.id)) names.push(p.name);
    });
    return `{${names.join(',')}}`;
  }

  /**
   * Adds every process and one idle task per CPU to the model. A parked or
   * queued task's program starts with the tail of schedule() it was parked
   * in (`resume`), written by sched.ts.
   */
  finish(resume: (ctx: TaskContext) => Program<void>, idleLoop: (rq: Rq, ctx: TaskContext) => Program<void>): void {
    this.paths.seal();
    const b = this.b;
    const L = b.layout;
    // idle pcbs come after the processes, so their ids are the task ids the model gives them
    const idles: Pcb[] = [];
    for (let c = 0; c < b.cpus; c++) {
      const id = this.pcbs.length;
      const name = `idle${c}`;
      const p: Pcb = {
        id,
        name,
        home: c,
        schedInfo: L.rwlock(`${name}.sched_info`, RWLOCK_WRITE_RELEASE),
        state: L.cell(`${name}.state`, ST.Runnable, stateFmt),
        sleep: L.cell(`${name}.sleep`, 0),
        onRqLock: L.spinlock(`${name}.on_rq.lock`),
        piLock: L.spinlock(`${name}.pi_lock`),
        onRq: L.cell(`${name}.on_rq`, 0),
        onCpu: L.cell(`${name}.on_cpu`, c),
        seOnRq: L.cell(`${name}.se.on_rq`, 0),
        flags: L.cell(`${name}.flags`, 0, pfFmt),
        preempt: L.cell(`${name}.preempt_count`, 0),
        sigInfo: L.rwlock(`${name}.sig_info`, RWLOCK_WRITE_RELEASE),
        pending: L.cell(`${name}.sig_pending`, 0, sigsetFormatter),
        sigqueue: L.cell(`${name}.sig_queue`, 0, sigsetFormatter),
        blocked: L.cell(`${name}.sig_blocked`, 0, sigsetFormatter),
        ptraceLock: L.spinlock(`${name}.ptrace_state.lock`),
        injected: L.cell(`${name}.injected_signal`, 0),
        stopInfo: null,
        tracer: L.cell(`${name}.tracer`, 0),
        parent: L.cell(`${name}.parent`, 0),
        realParent: L.cell(`${name}.real_parent`, 0),
        inUser: L.cell(`${name}.in_user`, 0),
        idle: true,
      };
      this.pcbs.push(p);
      idles.push(p);
    }
    // The first 'current' task of a CPU runs; with fewer CPUs, later ones wait queued behind it.
    const currentOn = new Map<number, number>();
    for (const { pcb, opts } of this.bodies) {
      if (opts.start === 'current' && !currentOn.has(pcb.home)) currentOn.set(pcb.home, pcb.id);
    }
    // Initial runqueues: every non-parked process is queued on its CPU.
    for (let c = 0; c < b.cpus; c++) {
      let q = 0;
      for (const { pcb, opts } of this.bodies) if (pcb.home === c && opts.start !== 'parked') q |= 1 << pcb.id;
      const idleTask = (idles[c] as Pcb).id;
      this.rqs.push({
        cpu: c,
        lock: L.spinlock(`rq${c}.lock`),
        queue: L.cell(`rq${c}.cfs`, q, (x) => this.taskSet(x)),
        nr: L.cell(`rq${c}.nr_running`, popcount(q)),
        curr: L.cell(`rq${c}.current`, currentOn.get(c) ?? idleTask, (x) => this.pcbs[x]?.name ?? String(x)),
        ipi: L.cell(`cpu${c}.kick_ipi_pending`, 0),
        idleTask,
      });
    }
    declareDragonGuards(b, this);
    for (const { pcb, body } of this.bodies) {
      const current = currentOn.get(pcb.home) === pcb.id;
      b.task({
        name: pcb.name,
        startCpu: current ? pcb.home : -1,
        program: function* (ctx) {
          if (!current) yield* resume(ctx);
          yield* body(ctx);
        },
      });
    }
    for (const p of idles) {
      const rq = this.rqs[p.home] as Rq;
      const startsCurrent = !currentOn.has(p.home);
      b.task({
        name: p.name,
        startCpu: startsCurrent ? p.home : -1,
        idle: true,
        program: function* (ctx) {
          if (!startsCurrent) yield* resume(ctx);
          yield* idleLoop(rq, ctx);
        },
      });
    }
  }

  /** The idle loop's wait: quiescent, so a CPU with nothing to run is not a deadlock. */
  waitForWork(rq: Rq): Program<void> {
    return (function* () {
      yield awaitCond([rq.queue], (m) => (m[rq.queue] as number) !== 0, 'dragonos idle loop', 'wait for a queued task', true);
    })();
  }

  /** A marker step with no shared access (a line that touches only local state). */
  mark(ref: string, note: string): Program<void> {
    return (function* () {
      yield nop(ref, note);
    })();
  }
}

/** A link cell holds task id + 1, or 0 for none. */
function link(id: number | undefined): number {
  return id === undefined ? 0 : id + 1;
}

export { popcount };
