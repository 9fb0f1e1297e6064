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
import {
  awaitCond,
  check,
  load,
  type MemView,
  nop,
  type Program,
  readLock,
  readUnlock,
  rmw,
  spinLock,
  spinUnlock,
  store,
  switchTo,
  writeLock,
  writeUnlock,
} from '../../cpu/ops.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { TaskContext } from '../../model/types.ts';
import {
  BLOCKED,
  blockLocked,
  CPU_NONE,
  constant,
  cpuIdFormatter,
  EXITED,
  type Field,
  type RedoxContext,
  RUNNABLE,
  readField,
  statusFormatter,
  unblockLocked,
} from './context.ts';
import { breakpointCallback, closeSession, closeTracee, type Session, STOP_EXIT } from './ptrace.ts';
import { type RedoxVersion, redoxRef } from './refs.ts';
import { SigreturnUnwind, signalHandler } from './syscall.ts';

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

const SWITCH = 'src/context/switch.rs';

export class RedoxKernel {
  readonly contexts: RedoxContext[] = [];
  /** arch::CONTEXT_SWITCH_LOCK */
  readonly csl: number;
  /** the contexts map's RwLock (context::contexts() / contexts_mut()) */
  readonly contextsLock: number;
  private readonly specs: ContextSpec[] = [];
  private readonly handlers = new Map<number, ContextBody>();

  constructor(
    readonly b: ModelBuilder,
    readonly v: RedoxVersion,
  ) {
    this.csl = b.layout.spinlock('CONTEXT_SWITCH_LOCK');
    this.contextsLock = b.layout.rwlock('CONTEXTS');
    this.sessionsLock = b.layout.rwlock('SESSIONS');
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
      lock: l.rwlock(`${n}.lock`),
      status: cell('status', RUNNABLE, statusFormatter),
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

  /** Adds the idle contexts and every declared context to the model. */
  finish(): void {
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
          if (busy) yield* k.afterSwitch(ctx);
          yield* k.idleLoop(idle, ctx);
        },
      });
    }
    this.specs.forEach((spec, i) => {
      const me = this.contexts[b.cpus + i] as RedoxContext;
      b.task({
        name: spec.name,
        startCpu: spec.current ? (spec.cpu as number) : -1,
        program: function* (ctx) {
          if (!spec.current) yield* k.afterSwitch(ctx);
          yield* spec.body(k, me, ctx);
          yield* k.exitContext(me, ctx);
        },
      });
    });
  }

  // ---- the scheduler (src/context/switch.rs) ------------------------------

  /**
   * kmain / kmain_ap's loop: `if context::switch() { enable_and_nop } else
   * { enable_and_halt }`. The halt ends with an interrupt; the wait below
   * lets the CPU go on exactly when its switch() has work: a context it may
   * take or run, a signal frame to restore, a blocked context with a
   * pending signal.
   */
  private *idleLoop(idle: RedoxContext, ctx: TaskContext): Program<void> {
    const cpu = idle.cpuId.value;
    const others = this.contexts.filter((c) => !c.idle);
    const addrs: number[] = [];
    for (const c of others) {
      for (const f of [c.exists, c.status, c.running, c.ptraceStop, c.cpuId, c.pending, c.ksigRestore]) {
        if (f.addr >= 0) addrs.push(f.addr);
      }
    }
    const val = (m: MemView, f: Field): number => (f.addr >= 0 ? (m[f.addr] as number) : f.value);
    const work = (m: MemView): boolean =>
      others.some((c) => {
        if (val(m, c.exists) === 0) return false;
        const st = val(m, c.status);
        const running = val(m, c.running);
        const owner = val(m, c.cpuId);
        if (st === RUNNABLE && running === 0 && val(m, c.ptraceStop) === 0 && (owner === cpu || owner === CPU_NONE)) return true;
        if (val(m, c.ksigRestore) !== 0 && running === 0) return true;
        return st === BLOCKED && val(m, c.pending) > 0;
      });
    const ref = this.ref('src/lib.rs', cpu === 0 ? 'kmain' : 'kmain_ap', cpu === 0 ? 195 : 219, cpu === 0 ? 221 : 245);
    for (;;) {
      yield awaitCond(addrs, work, ref, 'enable_and_halt until an interrupt finds work for switch()', true);
      yield* this.switch(ctx);
    }
  }

  /** context::switch (switch.rs:66-161): returns whether it switched away (and has now been switched back to). */
  *switch(ctx: TaskContext): Program<boolean> {
    const S = (l19: number | string, l20: number | string) => this.ref(SWITCH, 'switch', l19, l20);
    yield spinLock(this.csl, S(73, 73), 'CONTEXT_SWITCH_LOCK.compare_and_swap(false, true)');
    const cpu = ctx.cpu();
    const from = this.byTask(ctx.self);
    yield readLock(this.contextsLock, S(83, 83), 'contexts()');
    const present: RedoxContext[] = [];
    for (const c of this.contexts) {
      const e = yield* readField(c.exists, S(93, 93), `contexts.iter(): ${c.name} in the map`);
      if (e !== 0) present.push(c);
    }
    for (const c of present) yield* this.update(c, cpu);
    let to: RedoxContext | null = null;
    let sig = 0;
    for (const pass of [0, 1]) {
      for (const c of present) {
        if (pass === 0 ? c.pid <= from.pid : c.pid >= from.pid) continue;
        const r = yield* this.runnablePick(c, cpu, pass === 0 ? S('98-107', '99-108') : S('111-122', '112-123'));
        if (r < 0) continue;
        to = c;
        sig = r;
        break;
      }
      if (to !== null) break;
    }
    yield readUnlock(this.contextsLock, S(124, 125), 'drop contexts()');
    if (to !== null) {
      yield store(from.running.addr, 0, S(128, 129), `${from.name}.running = false`);
      yield store(to.running.addr, 1, S(129, 130), `${to.name}.running = true`);
    }
    if (this.v === '2019' || to === null) {
      yield spinUnlock(this.csl, S(138, 140), 'CONTEXT_SWITCH_LOCK.store(false)');
    }
    if (to === null) return false;
    if (sig !== 0) {
      const target = to;
      yield check(
        'kernel-assert',
        [target.ksig.addr],
        (m) => (m[target.ksig.addr] !== 0 ? `assert!(ksig.is_none()) fails for ${target.name}: nested signal` : null),
        S(149, 148),
        'assert!(ksig.is_none())',
      );
      yield store(to.ksig.addr, sig, S(154, 153), `${to.name}.ksig = Some(.., sig)`);
      yield store(to.sigframe.addr, 1, S(155, 154), `${to.name}.arch.signal_stack(signal_handler, sig)`);
    }
    yield switchTo(
      to.task,
      S(158, 157),
      this.v === '2020' ? this.csl : -1,
      this.v === '2020' ? 'arch.switch_to (CONTEXT_SWITCH_LOCK still held)' : 'arch.switch_to',
    );
    yield* this.afterSwitch(ctx);
    return true;
  }

  /**
   * Where a context resumes after arch switch_to: at cbb17327 switch_to drops
   * CONTEXT_SWITCH_LOCK after loading the next context's registers
   * (arch/x86_64.rs:173); then, if the switcher redirected this context to
   * signal_handler, the handler runs on top of the frame that was switched
   * away from, and sigreturn comes back here.
   */
  *afterSwitch(ctx: TaskContext): Program<void> {
    if (this.v === '2020') {
      yield spinUnlock(
        this.csl,
        this.ref('src/context/arch/x86_64.rs', 'Context::switch_to', '-', 173),
        'CONTEXT_SWITCH_LOCK.store(false)',
      );
    }
    const me = this.byTask(ctx.self);
    if (me.sigframe.addr < 0) return;
    const R = this.ref(SWITCH, 'switch', 155, 154);
    const sf: number = yield load(me.sigframe.addr, R, 'resume: entry redirected to signal_handler?');
    if (sf === 0) return;
    yield store(me.sigframe.addr, 0, R, 'enter signal_handler');
    const sig: number = yield load(me.ksig.addr, R, 'sig = ksig.3');
    try {
      yield* signalHandler(this, me, sig, this.handlers.get(me.pid) ?? null, ctx);
    } catch (e) {
      if (!(e instanceof SigreturnUnwind)) throw e;
    }
  }

  /** update (switch.rs:10-54) for one context, under its write lock. */
  private *update(c: RedoxContext, cpu: number): Program<void> {
    // An idle context is pinned, never blocked and never signalled: update()
    // changes nothing, and only switch() (under CONTEXT_SWITCH_LOCK) locks it.
    if (c.idle) return;
    const U = (l: number | string) => this.ref(SWITCH, 'update', l, l);
    yield writeLock(c.lock, this.ref(SWITCH, 'switch', 94, 95), `${c.name}.write()`);
    const owner = yield* readField(c.cpuId, U(12), 'if context.cpu_id == None');
    if (owner === CPU_NONE) yield store(c.cpuId.addr, cpu, U(13), `${c.name}.cpu_id = Some(${cpu})`);
    const kr = yield* readField(c.ksigRestore, U(18), 'if context.ksig_restore');
    if (kr !== 0) {
      const running = yield* readField(c.running, U(18), '&& !context.running');
      if (running === 0) {
        yield store(c.ksig.addr, 0, U('19-32'), 'ksig.take(): arch, kfx and kstack restored');
        yield store(c.ksigRestore.addr, 0, U(34), 'ksig_restore = false');
        yield* unblockLocked(c, U(36));
      }
    }
    const st = yield* readField(c.status, U(40), 'if context.status == Blocked');
    if (st === BLOCKED) {
      const pend = yield* readField(c.pending, U(40), '&& !context.pending.is_empty()');
      if (pend > 0) yield* unblockLocked(c, U(41));
    }
    yield writeUnlock(c.lock, this.ref(SWITCH, 'switch', 95, 96), `drop ${c.name}.write()`);
  }

  /**
   * One iteration of the target scan: runnable() (switch.rs:56-59) under the
   * context's write lock, and if it is runnable and has no active signal
   * frame, pending.pop_front(). Returns -1 (not runnable), 0 (runnable, no
   * signal) or the signal to deliver.
   */
  private *runnablePick(c: RedoxContext, cpu: number, ref: string): Program<number> {
    const RN = this.ref(SWITCH, 'runnable', 58, 58);
    // The idle contexts' locks are only taken here, under CONTEXT_SWITCH_LOCK: uncontended, not modelled.
    if (!c.idle) yield writeLock(c.lock, ref, `${c.name}.write()`);
    const ok =
      (yield* readField(c.running, RN, `!${c.name}.running`)) === 0 &&
      (yield* readField(c.ptraceStop, RN, `&& !${c.name}.ptrace_stop`)) === 0 &&
      (yield* readField(c.status, RN, `&& ${c.name}.status == Runnable`)) === RUNNABLE &&
      (yield* readField(c.cpuId, RN, `&& ${c.name}.cpu_id == Some(${cpu})`)) === cpu;
    let r = -1;
    if (ok) {
      r = 0;
      if (c.pending.addr >= 0) {
        const ks: number = yield load(c.ksig.addr, ref, 'if ksig.is_none()');
        if (ks === 0) {
          const old: number = yield rmw(c.pending.addr, (p) => (p > 0 ? p - 1 : 0), ref, 'to_sig = pending.pop_front()');
          if (old > 0) r = c.sigNo;
        }
      }
    }
    if (!c.idle) yield writeUnlock(c.lock, ref, `drop ${c.name}.write()`);
    return r;
  }

  // ---- helpers used by the ptrace paths --------------------------------------

  /** `context.write()` then block(), as WaitCondition::wait and sigreturn do. */
  *blockSelf(me: RedoxContext, lockRef: string, blockRef: string): Program<void> {
    yield writeLock(me.lock, lockRef, `${me.name}.write()`);
    yield* blockLocked(me, blockRef);
    yield writeUnlock(me.lock, lockRef, `drop ${me.name}.write()`);
  }

  /** `contexts.get(pid).write().ptrace_stop = value` (proc.rs with_context_mut and friends). */
  *setPtraceStop(c: RedoxContext, value: number, ref: string): Program<void> {
    yield writeLock(c.lock, ref, `${c.name}.write()`);
    yield store(c.ptraceStop.addr, value, ref, `${c.name}.ptrace_stop = ${value === 1}`);
    yield writeUnlock(c.lock, ref, `drop ${c.name}.write()`);
  }

  /** `contexts.get(pid).read().status`: returns the status. */
  *readStatus(c: RedoxContext, ref: string): Program<number> {
    yield readLock(c.lock, ref, `${c.name}.read()`);
    const st = yield* readField(c.status, ref, 'context.status');
    yield readUnlock(c.lock, ref, `drop ${c.name}.read()`);
    return st;
  }

  /**
   * exit() (src/syscall/process.rs:1060 @cf0a7620, :1067 @cbb17327): the
   * exit breakpoint, status = Exited, the ptrace session's close, and the
   * final switch(). File closing, waitpid and memory teardown are not modelled.
   */
  *exitContext(me: RedoxContext, ctx: TaskContext): Program<void> {
    const P = 'src/syscall/process.rs';
    const s = this.sessionOf(me);
    yield* breakpointCallback(this, s, me, STOP_EXIT, 0, ctx);
    yield writeLock(me.lock, this.ref(P, 'exit', 1116, 1123), `${me.name}.write()`);
    yield store(me.status.addr, EXITED, this.ref(P, 'exit', 1116, 1123), 'context.status = Exited(status)');
    yield writeUnlock(me.lock, this.ref(P, 'exit', 1116, 1123), `drop ${me.name}.write()`);
    if (this.v === '2019') yield* closeTracee(this, s);
    else yield* closeSession(this, s);
    yield* this.switch(ctx);
    yield nop(this.ref(P, 'exit', 1170, 1175), 'unreachable!(): an exited context is never switched to');
  }

  // ---- ptrace sessions (the SESSIONS map of src/ptrace.rs) -------------------

  /** SESSIONS: the global spin RwLock over the session map (ptrace.rs:75 @cf0a7620, :123 @cbb17327) */
  readonly sessionsLock: number;
  readonly sessions: Session[] = [];

  *lockSessionsRead(ref: string): Program<void> {
    yield readLock(this.sessionsLock, ref, 'sessions()');
  }
  *unlockSessionsRead(ref: string): Program<void> {
    yield readUnlock(this.sessionsLock, ref, 'drop sessions()');
  }

  /** The session a scenario may open on this context, or null when none is ever opened (its look-ups find nothing). */
  sessionOf(c: RedoxContext): Session | null {
    return this.sessions.find((s) => s.target === c) ?? null;
  }
}
