/**
 * The way back to user mode and the interrupts that can land on the way:
 * exception/entry.rs (exit_to_user_mode_loop, irqentry_exit), the asm
 * return path of arch/x86_64/asm/entry.S, arch/x86_64/interrupt/handle.rs
 * x86_64_do_irq, and the kick IPI handler of exception/ipi.rs.
 *
 * pr1663/head (entry.rs:14-58): every loop iteration disables irqs (17)
 * before it reads the flags (20) and breaks with irqs off (26), so the last
 * check and the iret are atomic with respect to this CPU's interrupts.
 * master (entry.rs:21-62): the loop never disables irqs; after a do_signal
 * that enabled them, the final re-read (61) and everything up to the asm
 * `cli` (entry.S:70) run with irqs on.
 *
 * `in_user` stands for the privilege level in the trap frame: set by the
 * iret into user mode, cleared when an interrupt enters from user mode.
 * User mode itself is a wait that never ends (the user program runs on);
 * only interrupts run on top of it.
 */
import { awaitCond, irqDisable, irqEnable, irqRestore, irqSave, load, nop, type Program, store } from '../../cpu/ops.ts';
import type { IrqSourceDef, TaskContext } from '../../model/types.ts';
import { EXIT_WORK, PF } from './consts.ts';
import type { DragonKernel, Pcb } from './kernel.ts';
import { SM_NONE, SM_PREEMPT } from './sched.ts';
import { type DoSignalEnv, RET, type Resume } from './x86-signal.ts';

const ENTRY = 'exception/entry.rs';
const ASM = 'arch/x86_64/asm/entry.S';

/** exit_to_user_mode_loop, entered with irqs as `irqOn`; returns with irqs off (pr1663/head) or as do_signal left them (master). */
export function* exitToUserModeLoop(
  k: DragonKernel,
  me: Pcb,
  env: DoSignalEnv,
  irqOn: boolean,
  ctx: TaskContext,
  resume: Resume | null = null,
): Program<void> {
  const at = (l: Record<string, number>, fn = 'exit_to_user_mode_loop') => k.src.at(ENTRY, l, fn);
  if (k.v !== 'master') {
    // a task parked inside do_signal (entered at 41-43) continues there
    let retry = resume ? yield* k.fn.doSignal(k, me, true, env, ctx, resume) : 0;
    for (;;) {
      yield irqDisable(at({ pr1663: 17, head: 17 }), 'CurrentIrqArch::interrupt_disable()');
      const f: number = yield load(me.flags, at({ pr1663: 20, head: 20 }), 'flags = *pcb.flags()');
      if ((f & EXIT_WORK) === 0) {
        yield nop(at({ pr1663: 26, head: 26 }), 'no work: break (irqs stay off)');
        return;
      }
      yield irqEnable(at({ pr1663: 32, head: 32 }), 'CurrentIrqArch::interrupt_enable()');
      if (f & PF.NEED_SCHEDULE) yield* k.fn.schedule(k, SM_NONE, ctx);
      if (f & PF.HAS_PENDING_SIGNAL) {
        yield* k.fn.spinWhileHeld(k, me, retry, at({ pr1663: 41, head: 41 }));
        retry = yield* k.fn.doSignal(k, me, true, env, ctx);
      } else retry = 0;
    }
  }
  let f: number = yield load(me.flags, at({ master: 33 }, 'exit_to_user_mode_prepare'), 'process_flags_work = *pcb.flags()');
  let on = irqOn;
  let retry = 0;
  while ((f & EXIT_WORK) !== 0) {
    if (f & PF.NEED_SCHEDULE) {
      yield* k.fn.schedule(k, SM_PREEMPT, ctx);
      f = yield load(me.flags, at({ master: 47 }), 'process_flags_work = *pcb.flags()');
      continue;
    }
    if (f & PF.HAS_PENDING_SIGNAL) {
      yield* k.fn.spinWhileHeld(k, me, retry, at({ master: 59 }));
      const r: number = yield* k.fn.doSignal(k, me, on, env, ctx);
      on = (r & 1) !== 0;
      retry = r;
    } else retry = 0;
    f = yield load(me.flags, at({ master: 61 }), 'process_flags_work = *pcb.flags()');
  }
  yield nop(
    at({ master: 24 }, 'irqentry_exit_to_user_mode'),
    'TSSManager::update_io_bitmap_from_current; rcu::note_exit_to_user_mode',
  );
}

/**
 * The previous do_signal gave up at a sig_info try-lock before dequeuing
 * anything; going round the loop again repeats the same attempts (they
 * write nothing) until the holder releases sig_info. Those rounds are this
 * one wait (enabled once the lock could be taken).
 */
export function* spinWhileHeld(k: DragonKernel, me: Pcb, retry: number, ref: string): Program<void> {
  if (retry & RET.RETRY_WRITE) {
    yield awaitCond(
      [me.sigInfo],
      (m) => m[me.sigInfo] === 0,
      ref,
      'loop round again: try_siginfo_mut fails until sig_info is free',
    );
  } else if (retry & RET.RETRY_EMPTY) {
    yield awaitCond(
      [me.pending, k.sighand.sharedPending, me.flags],
      (m) => m[me.pending] !== 0 || m[k.sighand.sharedPending] !== 0 || ((m[me.flags] as number) & PF.HAS_PENDING_SIGNAL) === 0,
      ref,
      'loop round again: HAS_PENDING_SIGNAL is set but nothing is pending (thread or shared) — do_signal returns at 606 each time until a signal arrives',
    );
  } else if (retry & RET.RETRY_READ) {
    yield awaitCond(
      [me.sigInfo],
      (m) => (m[me.sigInfo] as number) >= 0,
      ref,
      'loop round again: try_siginfo_irqsave fails while sig_info is write-held',
    );
  }
  void k;
}

/** The tail of ret_from_intr for a frame from user mode: cli, irqentry_exit, cli, iretq — then user mode. */
export function* retFromIntrToUser(
  k: DragonKernel,
  me: Pcb,
  env: DoSignalEnv,
  ctx: TaskContext,
  resume: Resume | null = null,
): Program<void> {
  const at = (l: number, fn: string) => k.src.at(ASM, { pr1663: l, head: l, master: l }, fn);
  if (!resume) yield irqDisable(at(65, 'ret_from_intr'), 'cli');
  yield* k.fn.exitToUserModeLoop(k, me, env, false, ctx, resume);
  yield irqDisable(at(70, 'ret_from_intr'), 'cli');
  yield store(me.inUser, 1, at(57, '__entry_err_code_after_gs_redo'), 'iretq: back to user mode');
}

/** A task's kernel stack that returns to user mode and then runs user code for ever (interrupts may still land). */
export function* returnToUserAndRun(
  k: DragonKernel,
  me: Pcb,
  env: DoSignalEnv,
  ctx: TaskContext,
  resume: Resume | null = null,
): Program<void> {
  yield* k.fn.retFromIntrToUser(k, me, env, ctx, resume);
  yield irqEnable(
    k.src.at(ASM, { pr1663: 57, head: 57, master: 57 }, '__entry_err_code_after_gs_redo'),
    'iretq restores RFLAGS.IF',
  );
  yield* k.fn.userMode(k);
}

/**
 * The syscall return path. pr1663/head: syscall_return! runs
 * syscall_exit_to_user_mode (syscall/mod.rs:67 in head), then the asm
 * irqentry_exit (entry.S:381) runs the exit loop again. master:
 * syscall_return! only disables irqs (syscall/mod.rs:61-64), and the one
 * exit loop is the asm irqentry_exit (entry.S:381). Then cli (383),
 * sysretq. `next` is the user program's next system call (entered through
 * syscall_64; irqs are on by syscall_handler), or null when it just runs on
 * in user mode.
 */
export function* syscallReturnAndRun(
  k: DragonKernel,
  me: Pcb,
  env: DoSignalEnv,
  ctx: TaskContext,
  next: (() => Program<void>) | null = null,
): Program<void> {
  const at = (l: number, fn: string) => k.src.at(ASM, { pr1663: l, head: l, master: l }, fn);
  if (k.v === 'master') {
    yield irqDisable(k.src.at('arch/x86_64/syscall/mod.rs', { master: 62 }, 'syscall_return!'), 'interrupt_disable()');
  } else {
    yield* k.fn.exitToUserModeLoop(k, me, env, true, ctx); // syscall_exit_to_user_mode
  }
  yield* k.fn.exitToUserModeLoop(k, me, env, false, ctx); // irqentry_exit (entry.S:381)
  yield irqDisable(at(383, 'syscall_64'), 'cli');
  yield store(me.inUser, 1, at(422, 'syscall_64'), 'sysretq: back to user mode');
  yield irqEnable(at(422, 'syscall_64'), 'sysretq restores RFLAGS.IF');
  if (next) {
    yield store(me.inUser, 0, at(329, 'syscall_64'), 'syscall: enter the kernel');
    yield* next();
    return;
  }
  yield* k.fn.userMode(k);
}

/** A user program's blocking call (waitpid, pause): wait_queue sleep = irqs off, mark_sleep, schedule(). pr1663/head only. */
export function* blockForever(k: DragonKernel, me: Pcb, what: string, ctx: TaskContext): Program<void> {
  const ref = k.src.at('libs/wait_queue.rs', { pr1663: '', head: '' }, 'WaitQueue::sleep');
  yield nop(ref, `${me.name} calls ${what} and sleeps`);
  for (;;) {
    // a spurious wake-up re-checks the condition (never true here) and sleeps again
    const irq: number = yield irqSave(ref, 'save_and_disable_irq');
    yield* k.fn.markSleep(k, me);
    yield irqRestore(irq, ref, 'irq guard dropped');
    yield* k.fn.schedule(k, SM_NONE, ctx);
  }
}

export function* userMode(_k: DragonKernel): Program<void> {
  yield awaitCond([], () => false, 'user mode', 'the user program runs', true);
}

/** Entry of an interrupt: was the frame from user mode? (the CS in the trap frame) */
export function* enterIrq(k: DragonKernel, me: Pcb): Program<boolean> {
  const ref = k.src.at('arch/x86_64/interrupt/handle.rs', { pr1663: 19, head: 19, master: 16 }, 'x86_64_do_irq');
  const u: number = yield load(me.inUser, ref, 'trap_frame.is_from_user()');
  if (u) yield store(me.inUser, 0, ref, 'entered the kernel from user mode');
  return u === 1;
}

/** x86_64_do_irq's tail after the handler: preempt if allowed and needed (pr1663/head 41-48; master 45-53). */
export function* doIrqTail(k: DragonKernel, me: Pcb, timer: boolean, ctx: TaskContext): Program<void> {
  const at = (l: Record<string, number>) => k.src.at('arch/x86_64/interrupt/handle.rs', l, 'x86_64_do_irq');
  if (k.v !== 'master') {
    const pc: number = yield load(me.preempt, at({ pr1663: 41, head: 41 }), 'if current_pcb_preempt_count() > 0: return');
    if (pc > 0) return;
  }
  const f: number = yield load(me.flags, at({ pr1663: 45, head: 45, master: 45 }), 'NEED_SCHEDULE || vector == APIC timer');
  if (timer || f & PF.NEED_SCHEDULE) yield* k.fn.__schedule(k, SM_PREEMPT, ctx);
}

/** The kick IPI on `cpu` (ProcessManager::kick → kick_cpu), an interrupt source with a budget. */
export function kickIpi(k: DragonKernel, cpu: number, budget: number, env: (me: Pcb) => DoSignalEnv): IrqSourceDef {
  const rq = k.rq(cpu);
  return {
    name: `kick-ipi@cpu${cpu}`,
    cpu,
    budget,
    reads: [rq.ipi],
    enabled: (m) => m[rq.ipi] === 1,
    handler: function* (ctx) {
      const me = k.pcb(ctx.self);
      const ref = (l: Record<string, number>) => k.src.at('exception/ipi.rs', l, 'KickCpuIpiHandler::handle');
      yield store(rq.ipi, 0, ref({ pr1663: 55, head: 55, master: 69 }), 'the kick IPI is taken (send_eoi)');
      const fromUser: boolean = yield* k.fn.enterIrq(k, me);
      if (k.v === 'master') yield* k.fn.flagsInsert(k, me, PF.NEED_SCHEDULE, ref({ master: 75 }));
      else yield* k.fn.__schedule(k, SM_PREEMPT, ctx);
      yield* k.fn.doIrqTail(k, me, false, ctx);
      if (fromUser) yield* k.fn.retFromIntrToUser(k, me, env(me), ctx);
    },
  };
}

/** The local APIC timer on `cpu`: x86_64_do_irq schedules on every timer vector (preempt count permitting). */
export function timerIrq(k: DragonKernel, cpu: number, budget: number, env: (me: Pcb) => DoSignalEnv): IrqSourceDef {
  return {
    name: `timer@cpu${cpu}`,
    cpu,
    budget,
    reads: [],
    enabled: () => true,
    handler: function* (ctx) {
      const me = k.pcb(ctx.self);
      const fromUser: boolean = yield* k.fn.enterIrq(k, me);
      yield* k.fn.doIrqTail(k, me, true, ctx);
      if (fromUser) yield* k.fn.retFromIntrToUser(k, me, env(me), ctx);
    },
  };
}
