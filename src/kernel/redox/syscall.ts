/**
 * Where the ptrace hooks sit on the tracee's paths: the syscall entry
 * (src/arch/x86_64/interrupt/syscall.rs with_interrupt_stack!), the int3
 * exception (interrupt/exception.rs breakpoint), signal delivery
 * (src/context/signal.rs signal_handler) and the syscalls the scenarios use
 * (kill to self, sigreturn, clone: src/syscall/process.rs).
 *
 * User-space code is the scenario's: a step that touches no kernel state is a
 * `nop` marker. A signal handler runs on top of the kernel frame that was
 * switched away from (switch.rs:145-156); sigreturn never returns, the
 * restored frame continues instead: the model unwinds the handler with a
 * SigreturnUnwind caught where the frame was entered (kernel.ts afterSwitch).
 */
import { check, nop, type Program, rmw, store, writeLock, writeUnlock } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { CPU_NONE, type RedoxContext, RUNNABLE } from './context.ts';
import type { ContextBody, RedoxKernel } from './kernel.ts';
import { EVENT_CLONE, FLAG_IGNORE, STOP_BREAKPOINT, STOP_POST_SYSCALL, STOP_PRE_SYSCALL, STOP_SIGNAL } from './ptrace.ts';

/** Thrown after sigreturn's switch() comes back: the saved kernel frame resumes. */
export class SigreturnUnwind {}

/**
 * with_interrupt_stack! (interrupt/syscall.rs:19-37 at both commits): the
 * PRE_SYSCALL stop, the syscall unless the next breakpoint says IGNORE, and
 * the POST_SYSCALL stop, unconditionally. `tag` names this invocation in the
 * events it produces (model-only, see ptrace.ts).
 */
export function* syscall(
  k: RedoxKernel,
  me: RedoxContext,
  tag: number,
  body: () => Program<void>,
  ctx: TaskContext,
): Program<void> {
  const F = 'src/arch/x86_64/interrupt/syscall.rs';
  const s = k.sessionOf(me);
  // :23 set_process_regs(stack): the guard only publishes the register pointer.
  const pre = yield* k.fn.breakpointCallback(k, s, me, STOP_PRE_SYSCALL, tag, ctx);
  let allowed = true;
  if (pre !== null) {
    const next = yield* k.fn.nextBreakpoint(k, s, me);
    if (next !== null) allowed = (next & FLAG_IGNORE) === 0;
  }
  if (allowed) yield* body();
  else yield nop(k.ref(F, 'with_interrupt_stack', 28, 28), 'syscall ignored (sysemu)');
  yield* k.fn.breakpointCallback(k, s, me, STOP_POST_SYSCALL, tag, ctx);
}

/**
 * The int3 handler (exception.rs:50-61 @cf0a7620, :53-58 @cbb17327): a stop
 * when a BREAKPOINT breakpoint is set, otherwise SIGTRAP. The SIGTRAP's
 * default action (killing the tracee) is not modelled beyond the check:
 * the tracee ends there. Returns false when SIGTRAP was raised.
 */
export function* int3(k: RedoxKernel, me: RedoxContext, tag: number, ctx: TaskContext): Program<boolean> {
  const F = 'src/arch/x86_64/interrupt/exception.rs';
  const r = yield* k.fn.breakpointCallback(k, k.sessionOf(me), me, STOP_BREAKPOINT, tag, ctx);
  if (r !== null) return true;
  yield check(
    'no-missed-breakpoint',
    [],
    () => `${me.name} executes int3 while traced and no BREAKPOINT breakpoint is set: it gets SIGTRAP instead of stopping`,
    k.ref(F, 'breakpoint', 59, 58),
    'ksignal(SIGTRAP)',
  );
  return false;
}

/** kill(self, sig) (process.rs:1198 @cf0a7620, :1203 @cbb17327): queue the signal, then switch() "to ensure delivery to self" (:1287 / :1292). */
export function* killSelf(k: RedoxKernel, me: RedoxContext, ctx: TaskContext): Program<void> {
  const P = 'src/syscall/process.rs';
  yield writeLock(me.lock, k.ref(P, 'kill', 1222, 1227), `${me.name}.write()`);
  yield rmw(me.pending.addr, (p) => p + 1, k.ref(P, 'kill', 1222, 1227), `pending.push_back(${me.sigNo})`);
  yield writeUnlock(me.lock, k.ref(P, 'kill', 1222, 1227), `drop ${me.name}.write()`);
  yield* k.fn.contextSwitch(k, ctx);
}

/** sigreturn (process.rs:1422-1434 @cf0a7620, :1427-1439 @cbb17327): ksig_restore, block, switch; never returns. */
export function* sigreturn(k: RedoxKernel, me: RedoxContext, ctx: TaskContext): Program<void> {
  const R = (l19: number, l20: number) => k.ref('src/syscall/process.rs', 'sigreturn', l19, l20);
  yield writeLock(me.lock, R(1426, 1431), `${me.name}.write()`);
  yield store(me.ksigRestore.addr, 1, R(1427, 1432), 'context.ksig_restore = true');
  yield* k.fn.blockLocked(k, me, R(1428, 1433));
  yield writeUnlock(me.lock, R(1429, 1434), `drop ${me.name}.write()`);
  // switch() returns here once update() restored the saved frame; its
  // continuation (kernel.ts afterSwitch, which drops CONTEXT_SWITCH_LOCK at
  // cbb17327) is the saved frame's, so unwind to it.
  yield* k.fn.contextSwitch(k, ctx);
  throw new SigreturnUnwind();
}

/**
 * signal_handler (src/context/signal.rs:15-121) for a signal with a user
 * handler: the SIGNAL stop, then the handler in user mode (usermode(), :116),
 * whose restorer issues SYS_SIGRETURN.
 */
export function* signalHandler(
  k: RedoxKernel,
  me: RedoxContext,
  sig: number,
  handler: ContextBody | null,
  ctx: TaskContext,
): Program<void> {
  const F = 'src/context/signal.rs';
  // :16-22 reads the context's own actions table: not modelled.
  const s = k.sessionOf(me);
  const stop = yield* k.fn.breakpointCallback(k, s, me, STOP_SIGNAL, 0, ctx);
  let thumbsDown = false;
  if (stop !== null) {
    const next = yield* k.fn.nextBreakpoint(k, s, me);
    thumbsDown = next !== null && (next & FLAG_IGNORE) !== 0;
  }
  if (!thumbsDown && handler !== null) {
    // The user handler ends in its restorer, which issues SYS_SIGRETURN through the syscall entry.
    yield nop(k.ref(F, 'signal_handler', 116, 116), `usermode(handler, sp, ${sig})`);
    yield* handler(k, me, ctx);
    throw new Error('a user signal handler must end with the SYS_SIGRETURN syscall');
  }
  // :29-32 the tracer said IGNORE: `crate::syscall::sigreturn()` straight from the kernel.
  yield* k.fn.sigreturn(k, me, ctx);
}

/**
 * clone (process.rs) from the point the child exists: the block under
 * contexts_mut() that inserts it into the map (new_context) and, under its
 * own write guard, makes it Runnable (:366-586 @cf0a7620, :367-592
 * @cbb17327), the EVENT_CLONE event (:589 / :595), the freeze (:592-595 /
 * :598-601), and the parent's switch (:601 / :607). Address-space and file
 * copying are not modelled. At cf0a7620 a child without CLONE_VM gets
 * cpu_id = None (any CPU may take it); at cbb17327 every child is pinned to
 * pid % cpu_count (:384-389).
 */
export function* cloneChild(k: RedoxKernel, me: RedoxContext, child: RedoxContext, tag: number, ctx: TaskContext): Program<void> {
  const R = (l19: number | string, l20: number | string) => k.ref('src/syscall/process.rs', 'clone', l19, l20);
  yield writeLock(k.contextsLock, R(366, 367), 'contexts_mut()');
  yield store(child.exists.addr, 1, R(367, 368), `contexts.new_context(): ${child.name} inserted into the map`);
  yield writeLock(child.lock, R(368, 369), `${child.name}.write()`);
  const cpu = k.v === '2019' ? CPU_NONE : child.pid % k.b.cpus;
  yield store(
    child.cpuId.addr,
    cpu,
    R(383, '384-389'),
    cpu === CPU_NONE ? 'context.cpu_id = None' : `context.cpu_id = Some(${child.pid} % cpu_count)`,
  );
  yield store(child.status.addr, RUNNABLE, R(385, 391), 'context.status = Runnable');
  // the end of the block drops the context guard, then the map's (declared first, dropped last)
  yield writeUnlock(child.lock, R(586, 592), `drop ${child.name}.write()`);
  yield writeUnlock(k.contextsLock, R(586, 592), 'drop contexts_mut()');
  const sent = yield* k.fn.sendEvent(k, k.sessionOf(me), me, EVENT_CLONE, tag);
  if (sent) yield* k.fn.setPtraceStop(k, child, 1, R('592-595', '598-601'));
  // :599 / :605 ipi(Switch, Other): the other CPUs' idle loops stand for it.
  yield* k.fn.contextSwitch(k, ctx);
}
