/**
 * The Redox kernel model: contexts, the scheduler (src/context/switch.rs),
 * the idle loops (src/lib.rs kmain / kmain_ap) and exit, on which the ptrace
 * session (ptrace.ts), the proc: scheme (proc-scheme.ts) and the syscall and
 * signal hooks (syscall.ts) are written.
 *
 * What is abstracted, and why it loses no interleaving of the modelled paths:
 * - `contexts().current()` look-ups that only fetch the current context's Arc
 *   (a CPU-local CONTEXT_ID read under a brief map read lock) are not steps:
 *   the only writer of the map in these scenarios is clone, and such a
 *   look-up reads nothing clone writes. The map lock itself is modelled where
 *   the code holds it across a scan (switch) or writes the map (clone).
 * - Timers (PIT_TICKS, `wake`), the TSS/TCB updates and FPU state are not
 *   modelled. A halted idle CPU wakes on an interrupt (IPI from unblock, or a
 *   PIT tick) at any time; the model's idle loop waits until switch() would
 *   have something to do, then runs it. The PIT's preemption of user code is
 *   not modelled either: a context runs until it calls switch(). Every window
 *   the scenarios probe lies in kernel code, which runs with interrupts
 *   masked (syscall entry clears IF, interrupt/syscall.rs:10), so on one CPU
 *   those windows cannot open whether or not user code is preempted.
 * - proc_trigger_event (the event: scheme) is not modelled: no scenario
 *   polls the trace handle through event:.
 * - The proc: scheme's handle locks are taken only by the tracer in these
 *   scenarios and are left out (see proc-scheme.ts).
 */
import type { Program } from '../../cpu/ops.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { TaskContext } from '../../model/types.ts';
import { type OverrideOptions, PathTable } from '../common/paths.ts';
import {
  BLOCKED,
  CPU_NONE,
  constant,
  cpuIdFormatter,
  type Field,
  type RedoxContext,
  RUNNABLE,
  statusFormatter,
} from './context.ts';
import { declareRedoxGuards } from './guards.ts';
import { REDOX_PATHS, type RedoxPaths } from './paths.ts';
import type { Session } from './ptrace.ts';
import { type RedoxVersion, redoxRef } from './refs.ts';

export type ContextBody = (k: RedoxKernel, me: RedoxContext, ctx: TaskContext) => Program<void>;

export interface ContextSpec {
  readonly name: string;
  /** cpu_id at time 0 (null = None) */
  readonly cpu: number | null;
  /** running on `cpu` at time 0; otherwise it waits to be switched to */
  readonly current?: boolean;
  /** ptrace_stop at time 0 (true: a tracer opened it with O_TRUNC); leave undefined for a context nothing freezes */
  readonly ptraceStop?: boolean;
  /** the signal this context may receive (0: none) */
  readonly sigNo?: number;
  /** created later by clone: not in the contexts map at time 0 */
  readonly created?: boolean;
  /** the user-space handler of `sigNo`; runs on top of the kernel frame it interrupts */
  readonly onSignal?: ContextBody;
  /** user code then exit() */
  readonly body: ContextBody;
}

const _SWITCH = 'src/context/switch.rs';

export class RedoxKernel {
  readonly contexts: RedoxContext[] = [];
  /** arch::CONTEXT_SWITCH_LOCK */
  readonly csl: number;
  /** the contexts map's RwLock (context::contexts() / contexts_mut()) */
  readonly contextsLock: number;
  private readonly specs: ContextSpec[] = [];
  private readonly paths = new PathTable<RedoxPaths>(REDOX_PATHS, 'the Redox model');
  /** every path, by name: the model calls them all through this table */
  readonly fn: RedoxPaths = this.paths.fn;
  /** the model's own paths, whatever is overridden (for an override that calls the original) */
  readonly base: Readonly<RedoxPaths> = REDOX_PATHS;
  /** the user-space signal handler of each context that has one, by pid */
  readonly handlers = new Map<number, ContextBody>();

  constructor(
    readonly b: ModelBuilder,
    readonly v: RedoxVersion,
  ) {
    // x86-TSO: CONTEXT_SWITCH_LOCK.store(false, SeqCst) is an xchg (locked); spin::RwLock's write
    // unlock is a fetch_and (locked) — both drain the store buffer (spin::Mutex's unlock is a release store)
    this.csl = b.layout.spinlock('CONTEXT_SWITCH_LOCK', 'locked');
    this.contextsLock = b.layout.rwlock('CONTEXTS', 'locked');
    this.sessionsLock = b.layout.rwlock('SESSIONS', 'locked');
  }

  ref(file: string, fn: string, l19: number | string, l20: number | string): string {
    return redoxRef(this.v, file, fn, l19, l20);
  }

  /**
   * Declares a context. Idle contexts (one per CPU) get the lowest ids, as
   * kmain's contexts do; the others get ids in declaration order after them.
   */
  spawn(spec: ContextSpec): RedoxContext {
    const l = this.b.layout;
    const n = spec.name;
    const task = this.b.cpus + this.specs.length;
    const signals = (spec.sigNo ?? 0) !== 0;
    const cell = (field: string, init: number, fmt?: (v: number) => string): Field => ({
      addr: l.cell(`${n}.${field}`, init, fmt),
      value: init,
    });
    const c: RedoxContext = {
      pid: task,
      name: n,
      task,
      idle: false,
      lock: l.rwlock(`${n}.lock`, 'locked'),
      // Context::new (context.rs:197 @cf0a7620, :270 @cbb17327) makes a context Blocked; clone sets it Runnable
      status: cell('status', spec.created ? BLOCKED : RUNNABLE, statusFormatter),
      running: cell('running', spec.current ? 1 : 0),
      // ptrace_stop is a cell only for a context some path may freeze (a traced one, a clone child).
      ptraceStop: spec.ptraceStop !== undefined || spec.created ? cell('ptrace_stop', spec.ptraceStop ? 1 : 0) : constant(0),
      cpuId: spec.cpu === null || spec.created ? cell('cpu_id', CPU_NONE, cpuIdFormatter) : constant(spec.cpu),
      pending: signals ? cell('pending', 0) : constant(0),
      ksig: signals ? cell('ksig', 0) : constant(0),
      ksigRestore: signals ? cell('ksig_restore', 0) : constant(0),
      sigframe: signals ? cell('sigframe', 0) : constant(0),
      exists: spec.created ? cell('exists', 0) : constant(1),
      sigNo: spec.sigNo ?? 0,
    };
    this.specs.push(spec);
    this.contexts.push(c);
    if (spec.onSignal) this.handlers.set(c.pid, spec.onSignal);
    return c;
  }

  byTask(task: number): RedoxContext {
    const c = this.contexts.find((x) => x.task === task);
    if (!c) throw new Error(`no Redox context for task ${task}`);
    return c;
  }

  /**
   * Puts other code in place of one path, for every caller (or only for the
   * calls made inside `opts.within`, which must take a task context). Before
   * finish().
   */
  override<N extends keyof RedoxPaths & string>(
    name: N,
    impl: RedoxPaths[N],
    opts?: OverrideOptions<keyof RedoxPaths & string>,
  ): void {
    this.paths.override(name, impl, opts);
  }

  /** Adds the idle contexts and every declared context to the model, and the locks' rules (guards.ts); after the sessions are opened. */
  finish(): void {
    this.paths.seal();
    const b = this.b;
    const idles: RedoxContext[] = [];
    for (let cpu = 0; cpu < b.cpus; cpu++) {
      const busy = this.specs.some((s) => s.current && s.cpu === cpu);
      idles.push({
        pid: cpu,
        name: `idle${cpu}`,
        task: cpu,
        idle: true,
        lock: -1,
        status: constant(RUNNABLE),
        running: { addr: b.layout.cell(`idle${cpu}.running`, busy ? 0 : 1), value: busy ? 0 : 1 },
        ptraceStop: constant(0),
        cpuId: constant(cpu),
        pending: constant(0),
        ksig: constant(0),
        ksigRestore: constant(0),
        sigframe: constant(0),
        exists: constant(1),
        sigNo: 0,
      });
    }
    this.contexts.unshift(...idles);
    const k = this;
    for (const idle of idles) {
      const cpu = idle.cpuId.value;
      const busy = this.specs.some((s) => s.current && s.cpu === cpu);
      b.task({
        name: idle.name,
        startCpu: busy ? -1 : cpu,
        idle: true,
        program: function* (ctx) {
          if (busy) yield* k.fn.afterSwitch(k, ctx);
          yield* k.fn.idleLoop(k, idle, ctx);
        },
      });
    }
    this.specs.forEach((spec, i) => {
      const me = this.contexts[b.cpus + i] as RedoxContext;
      b.task({
        name: spec.name,
        startCpu: spec.current ? (spec.cpu as number) : -1,
        program: function* (ctx) {
          if (!spec.current) yield* k.fn.afterSwitch(k, ctx);
          yield* spec.body(k, me, ctx);
          yield* k.fn.exitContext(k, me, ctx);
        },
      });
    });
    declareRedoxGuards(b, this);
  }

  // ---- ptrace sessions (the SESSIONS map of src/ptrace.rs) -------------------

  /** SESSIONS: the global spin RwLock over the session map (ptrace.rs:75 @cf0a7620, :123 @cbb17327) */
  readonly sessionsLock: number;
  readonly sessions: Session[] = [];

  /** The session a scenario may open on this context, or null when none is ever opened (its look-ups find nothing). */
  sessionOf(c: RedoxContext): Session | null {
    return this.sessions.find((s) => s.target === c) ?? null;
  }
}
