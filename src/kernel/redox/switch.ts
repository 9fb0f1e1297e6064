/**
 * src/context/switch.rs (the scheduler), the idle loops of src/lib.rs, and
 * the small context helpers the ptrace paths share: the Redox model's
 * scheduling paths, called through `k.fn` like every other path.
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
import type { TaskContext } from '../../model/types.ts';
import { BLOCKED, CPU_NONE, EXITED, type Field, type RedoxContext, RUNNABLE } from './context.ts';
import type { RedoxKernel } from './kernel.ts';
import { STOP_EXIT } from './ptrace.ts';
import { SigreturnUnwind } from './syscall.ts';

const SWITCH = 'src/context/switch.rs';
// ---- the scheduler (src/context/switch.rs) ------------------------------

/**
 * kmain / kmain_ap's loop: `if context::switch() { enable_and_nop } else
 * { enable_and_halt }`. The halt ends with an interrupt; the wait below
 * lets the CPU go on exactly when its switch() has work: a context it may
 * take or run, a signal frame to restore, a blocked context with a
 * pending signal.
 */
export function* idleLoop(k: RedoxKernel, idle: RedoxContext, ctx: TaskContext): Program<void> {
  const cpu = idle.cpuId.value;
  const others = k.contexts.filter((c) => !c.idle);
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
  const ref = k.ref('src/lib.rs', cpu === 0 ? 'kmain' : 'kmain_ap', cpu === 0 ? 195 : 219, cpu === 0 ? 221 : 245);
  for (;;) {
    yield awaitCond(addrs, work, ref, 'enable_and_halt until an interrupt finds work for switch()', true);
    yield* k.fn.contextSwitch(k, ctx);
  }
}

/** context::switch (switch.rs:66-161): returns whether it switched away (and has now been switched back to). */
export function* contextSwitch(k: RedoxKernel, ctx: TaskContext): Program<boolean> {
  const S = (l19: number | string, l20: number | string) => k.ref(SWITCH, 'switch', l19, l20);
  yield spinLock(k.csl, S(73, 73), 'CONTEXT_SWITCH_LOCK.compare_and_swap(false, true)');
  const cpu = ctx.cpu();
  const from = k.byTask(ctx.self);
  yield readLock(k.contextsLock, S(83, 83), 'contexts()');
  const present: RedoxContext[] = [];
  for (const c of k.contexts) {
    const e = yield* k.fn.readField(k, c.exists, S(93, 93), `contexts.iter(): ${c.name} in the map`);
    if (e !== 0) present.push(c);
  }
  for (const c of present) yield* k.fn.update(k, c, cpu);
  let to: RedoxContext | null = null;
  let sig = 0;
  for (const pass of [0, 1]) {
    for (const c of present) {
      if (pass === 0 ? c.pid <= from.pid : c.pid >= from.pid) continue;
      const r = yield* k.fn.runnablePick(k, c, cpu, pass === 0 ? S('98-107', '99-108') : S('111-122', '112-123'));
      if (r < 0) continue;
      to = c;
      sig = r;
      break;
    }
    if (to !== null) break;
  }
  yield readUnlock(k.contextsLock, S(124, 125), 'drop contexts()');
  if (to !== null) {
    yield store(from.running.addr, 0, S(128, 129), `${from.name}.running = false`);
    yield store(to.running.addr, 1, S(129, 130), `${to.name}.running = true`);
  }
  if (k.v === '2019' || to === null) {
    yield spinUnlock(k.csl, S(138, 140), 'CONTEXT_SWITCH_LOCK.store(false)');
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
    k.v === '2020' ? k.csl : -1,
    k.v === '2020' ? 'arch.switch_to (CONTEXT_SWITCH_LOCK still held)' : 'arch.switch_to',
  );
  yield* k.fn.afterSwitch(k, ctx);
  return true;
}

/**
 * Where a context resumes after arch switch_to: at cbb17327 switch_to drops
 * CONTEXT_SWITCH_LOCK after loading the next context's registers
 * (arch/x86_64.rs:173); then, if the switcher redirected this context to
 * signal_handler, the handler runs on top of the frame that was switched
 * away from, and sigreturn comes back here.
 */
export function* afterSwitch(k: RedoxKernel, ctx: TaskContext): Program<void> {
  if (k.v === '2020') {
    yield spinUnlock(
      k.csl,
      k.ref('src/context/arch/x86_64.rs', 'Context::switch_to', '-', 173),
      'CONTEXT_SWITCH_LOCK.store(false)',
    );
  }
  const me = k.byTask(ctx.self);
  if (me.sigframe.addr < 0) return;
  const R = k.ref(SWITCH, 'switch', 155, 154);
  const sf: number = yield load(me.sigframe.addr, R, 'resume: entry redirected to signal_handler?');
  if (sf === 0) return;
  yield store(me.sigframe.addr, 0, R, 'enter signal_handler');
  const sig: number = yield load(me.ksig.addr, R, 'sig = ksig.3');
  try {
    yield* k.fn.signalHandler(k, me, sig, k.handlers.get(me.pid) ?? null, ctx);
  } catch (e) {
    if (!(e instanceof SigreturnUnwind)) throw e;
  }
}

/** update (switch.rs:10-54) for one context, under its write lock. */
export function* update(k: RedoxKernel, c: RedoxContext, cpu: number): Program<void> {
  // An idle context is pinned, never blocked and never signalled: update()
  // changes nothing, and only switch() (under CONTEXT_SWITCH_LOCK) locks it.
  if (c.idle) return;
  const U = (l: number | string) => k.ref(SWITCH, 'update', l, l);
  yield writeLock(c.lock, k.ref(SWITCH, 'switch', 94, 95), `${c.name}.write()`);
  const owner = yield* k.fn.readField(k, c.cpuId, U(12), 'if context.cpu_id == None');
  if (owner === CPU_NONE) yield store(c.cpuId.addr, cpu, U(13), `${c.name}.cpu_id = Some(${cpu})`);
  const kr = yield* k.fn.readField(k, c.ksigRestore, U(18), 'if context.ksig_restore');
  if (kr !== 0) {
    const running = yield* k.fn.readField(k, c.running, U(18), '&& !context.running');
    if (running === 0) {
      yield store(c.ksig.addr, 0, U('19-32'), 'ksig.take(): arch, kfx and kstack restored');
      yield store(c.ksigRestore.addr, 0, U(34), 'ksig_restore = false');
      yield* k.fn.unblockLocked(k, c, U(36));
    }
  }
  const st = yield* k.fn.readField(k, c.status, U(40), 'if context.status == Blocked');
  if (st === BLOCKED) {
    const pend = yield* k.fn.readField(k, c.pending, U(40), '&& !context.pending.is_empty()');
    if (pend > 0) yield* k.fn.unblockLocked(k, c, U(41));
  }
  yield writeUnlock(c.lock, k.ref(SWITCH, 'switch', 95, 96), `drop ${c.name}.write()`);
}

/**
 * One iteration of the target scan: runnable() (switch.rs:56-59) under the
 * context's write lock, and if it is runnable and has no active signal
 * frame, pending.pop_front(). Returns -1 (not runnable), 0 (runnable, no
 * signal) or the signal to deliver.
 */
export function* runnablePick(k: RedoxKernel, c: RedoxContext, cpu: number, ref: string): Program<number> {
  const RN = k.ref(SWITCH, 'runnable', 58, 58);
  // The idle contexts' locks are only taken here, under CONTEXT_SWITCH_LOCK: uncontended, not modelled.
  if (!c.idle) yield writeLock(c.lock, ref, `${c.name}.write()`);
  const ok =
    (yield* k.fn.readField(k, c.running, RN, `!${c.name}.running`)) === 0 &&
    (yield* k.fn.readField(k, c.ptraceStop, RN, `&& !${c.name}.ptrace_stop`)) === 0 &&
    (yield* k.fn.readField(k, c.status, RN, `&& ${c.name}.status == Runnable`)) === RUNNABLE &&
    (yield* k.fn.readField(k, c.cpuId, RN, `&& ${c.name}.cpu_id == Some(${cpu})`)) === cpu;
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
export function* blockSelf(k: RedoxKernel, me: RedoxContext, lockRef: string, blockRef: string): Program<void> {
  yield writeLock(me.lock, lockRef, `${me.name}.write()`);
  yield* k.fn.blockLocked(k, me, blockRef);
  yield writeUnlock(me.lock, lockRef, `drop ${me.name}.write()`);
}

/** `contexts.get(pid).write().ptrace_stop = value` (proc.rs with_context_mut and friends). */
export function* setPtraceStop(_k: RedoxKernel, c: RedoxContext, value: number, ref: string): Program<void> {
  yield writeLock(c.lock, ref, `${c.name}.write()`);
  yield store(c.ptraceStop.addr, value, ref, `${c.name}.ptrace_stop = ${value === 1}`);
  yield writeUnlock(c.lock, ref, `drop ${c.name}.write()`);
}

/** `contexts.get(pid).read().status`: returns the status. */
export function* readStatus(k: RedoxKernel, c: RedoxContext, ref: string): Program<number> {
  yield readLock(c.lock, ref, `${c.name}.read()`);
  const st = yield* k.fn.readField(k, c.status, ref, 'context.status');
  yield readUnlock(c.lock, ref, `drop ${c.name}.read()`);
  return st;
}

/**
 * exit() (src/syscall/process.rs:1060 @cf0a7620, :1067 @cbb17327): the
 * exit breakpoint, status = Exited, the ptrace session's close, and the
 * final switch(). File closing, waitpid and memory teardown are not modelled.
 */
export function* exitContext(k: RedoxKernel, me: RedoxContext, ctx: TaskContext): Program<void> {
  const P = 'src/syscall/process.rs';
  const s = k.sessionOf(me);
  yield* k.fn.breakpointCallback(k, s, me, STOP_EXIT, 0, ctx);
  yield writeLock(me.lock, k.ref(P, 'exit', 1116, 1123), `${me.name}.write()`);
  yield store(me.status.addr, EXITED, k.ref(P, 'exit', 1116, 1123), 'context.status = Exited(status)');
  yield writeUnlock(me.lock, k.ref(P, 'exit', 1116, 1123), `drop ${me.name}.write()`);
  if (k.v === '2019') yield* k.fn.closeTracee(k, s);
  else yield* k.fn.closeSession(k, s);
  yield* k.fn.contextSwitch(k, ctx);
  yield nop(k.ref(P, 'exit', 1170, 1175), 'unreachable!(): an exited context is never switched to');
}

export function* lockSessionsRead(k: RedoxKernel, ref: string): Program<void> {
  yield readLock(k.sessionsLock, ref, 'sessions()');
}
export function* unlockSessionsRead(k: RedoxKernel, ref: string): Program<void> {
  yield readUnlock(k.sessionsLock, ref, 'drop sessions()');
}
