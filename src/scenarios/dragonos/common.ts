/**
 * What the four DragonOS PR #1663 scenarios share: the kernel for a
 * variant, the interrupt sources (kick IPI per CPU, the local timer), the
 * ghost signal ledger, and the invariants.
 */
import { nop, type Program } from '../../cpu/ops.ts';
import { signalName } from '../../kernel/common/bits.ts';
import { kickIpi, timerIrq } from '../../kernel/dragonos/entry.ts';
import { DragonKernel, EXIT_WORK, type Pcb, PF, popcount, ST } from '../../kernel/dragonos/kernel.ts';
import type { SignalLedger } from '../../kernel/dragonos/ptrace.ts';
import { isVariant } from '../../kernel/dragonos/variant.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { TaskContext } from '../../model/types.ts';

export const COMMITS = {
  pr1663: 'dragonos@90a99863 (PR #1663 branch; sched/ from 073432f93)',
  head: 'dragonos@bc145753 (refs/pull/1663/head)',
  master: 'dragonos@f64a0d56 (master)',
} as const;

/**
 * Interrupt budgets: one kick IPI per CPU. The local timer (a preemption
 * point wherever irqs are on and preempt_count is 0) ticks twice on CPU0 when
 * there is one CPU — so a preempted task can get the CPU back — and is left
 * out with two CPUs, where the other CPU provides the concurrency.
 */
export function timerBudget(cpus: number): number {
  return cpus === 1 ? 2 : 0;
}
/** An expectation row's bound: one CPU without timer ticks — only the kick IPI can interrupt. */
export const NO_TICK = { 'timer@cpu0': 0 } as const;
/**
 * An expectation row's bound on two CPUs: one tick of the local timer on
 * each CPU, wherever irqs are on (a 2-CPU "holds" without any tick says
 * nothing of a preemption inside the race window).
 */
export const TICK_EACH = { 'timer@cpuN': 1 } as const;

export const BOUNDS =
  'kick IPI: budget 1 per CPU (kick-ipi@cpuN); local timer on each CPU (timer@cpuN): 2 ticks on CPU0 with 1 CPU, none with 2 CPUs unless the row says timer@cpuN=1 (one tick on each CPU)';

export function newKernel(b: ModelBuilder, variant: string): DragonKernel {
  if (!isVariant(variant)) throw new Error(`unknown DragonOS variant '${variant}'`);
  return new DragonKernel(b, variant);
}

/** A ledger that records nothing (tasks whose signals no invariant follows). */
export const NO_LEDGER: SignalLedger = { owe() {}, settle() {} };

/** Ghost cells: for each signal followed, how many deliveries are owed and how many were handled. */
export class GhostLedger implements SignalLedger {
  readonly owed = new Map<number, number>();
  readonly handled = new Map<number, number>();
  constructor(
    b: ModelBuilder,
    readonly task: Pcb,
    sigs: readonly number[],
    initiallyOwed: readonly number[] = [],
  ) {
    for (const s of sigs) {
      this.owed.set(s, b.layout.ghost(`ghost.${task.name}.owed.${signalName(s)}`, initiallyOwed.includes(s) ? 1 : 0));
      this.handled.set(s, b.layout.ghost(`ghost.${task.name}.handled.${signalName(s)}`, 0));
    }
  }
  private cell(m: Map<number, number>, sig: number): number {
    const c = m.get(sig);
    if (c === undefined) throw new Error(`the ledger does not follow ${signalName(sig)}`);
    return c;
  }
  owe(sig: number, ctx: TaskContext): void {
    ctx.ghost.add(this.cell(this.owed, sig), 1);
  }
  settle(sig: number, ctx: TaskContext, handled: boolean): void {
    ctx.ghost.add(this.cell(this.owed, sig), -1);
    if (handled) ctx.ghost.add(this.cell(this.handled, sig), 1);
  }
}

/** handle_signal → setup_frame for a customised handler; the default action of an ignored-by-default signal does nothing. */
export function simpleHandler(k: DragonKernel): DoSignalEnv['handle'] {
  return function* (sig: number): Program<void> {
    yield nop(
      k.src.at('arch/x86_64/ipc/signal.rs', { pr1663: 730, head: 750, master: 889 }, 'handle_signal'),
      `${signalName(sig)}: ${k.action(sig) === 'custom' ? 'setup_frame for the user handler' : 'default action'}`,
    );
  };
}

/** Adds the idle tasks, and the kick IPI and timer sources with their budgets. */
export function finishKernel(k: DragonKernel, envOf: (p: Pcb) => DoSignalEnv): void {
  k.finish(
    (ctx) => k.fn.resumeFromSchedule(k, ctx),
    (rq, ctx) => k.fn.idleLoop(k, rq, ctx),
  );
  for (let c = 0; c < k.b.cpus; c++) k.b.irq(kickIpi(k, c, 1, envOf));
  // present (with budget 0) on two CPUs too, so that --irq timer@cpu0=N can turn it on there;
  // every other CPU has its local timer too, budget 0 unless a row (or --irq timer@cpuN=1) turns it on
  k.b.irq(timerIrq(k, 0, timerBudget(k.b.cpus), envOf));
  for (let c = 1; c < k.b.cpus; c++) k.b.irq(timerIrq(k, c, 0, envOf));
}

/** signal-handled-once: a dequeued or injected signal is handled once — checked once the task is back in user mode. */
export function signalHandledOnce(b: ModelBuilder, ledger: GhostLedger): void {
  const t = ledger.task;
  b.atEnd({
    name: 'signal-handled-once',
    check: (w) => {
      for (const [sig, h] of ledger.handled) {
        const n = w.mem[h] as number;
        if (n > 1) return `${t.name} handled ${signalName(sig)} ${n} times`;
      }
      if (w.mem[t.inUser] !== 1) return null;
      for (const [sig, o] of ledger.owed) {
        const n = w.mem[o] as number;
        if (n > 0)
          return `${t.name} is back in user mode but ${signalName(sig)}, dequeued or injected, was never handled: the signal is lost`;
      }
      return null;
    },
  });
}

/**
 * no-return-with-pending-work: in user mode with unblocked pending signals
 * (or NEED_SCHEDULE), no kick IPI on its way, and no sender still between
 * queueing the signal and its signal_wake_up (`inflight`, a ghost count of
 * sends under way: a sender preempted half-way will still kick).
 */
export function noReturnWithPendingWork(b: ModelBuilder, k: DragonKernel, t: Pcb, inflight: number): void {
  b.atEnd({
    name: 'no-return-with-pending-work',
    check: (w) => {
      if (w.mem[t.inUser] !== 1 || w.mem[inflight] !== 0) return null;
      // the thread's own pending set and the group's shared one (kill() queues there)
      const ready = ((w.mem[t.pending] as number) | (w.mem[k.sighand.sharedPending] as number)) & ~(w.mem[t.blocked] as number);
      const flags = w.mem[t.flags] as number;
      if (ready === 0 && (flags & EXIT_WORK & PF.NEED_SCHEDULE) === 0) return null;
      if (w.mem[k.rqOf(t).ipi] === 1) return null;
      const what = ready !== 0 ? `signal(s) ${w.layout.format(t.pending, ready)} pending and unblocked` : 'NEED_SCHEDULE set';
      return `${t.name} runs in user mode with ${what}, and no kick IPI is on its way to bring it back into the kernel (flags ${w.layout.format(t.flags, flags)})`;
    },
  });
}

/** no-stuck-traced: TracedStopped with no tracer left to resume it. */
export function noStuckTraced(b: ModelBuilder, t: Pcb): void {
  b.atEnd({
    name: 'no-stuck-traced',
    check: (w) =>
      w.mem[t.state] === ST.TracedStopped && w.mem[t.tracer] === 0
        ? `${t.name} sleeps in TracedStopped but has no tracer: nothing that ptrace allows will resume it`
        : null,
  });
}

/**
 * stopped-never-runs (safety, at each return to user mode): a task that is
 * Stopped or TracedStopped runs no user code — it goes back to user mode
 * only once a SIGCONT, a resume or a detach made it Runnable. (Being
 * switched back to while Stopped is not a breach: a task preempted between
 * setting its stopped state and its own schedule() is still queued and
 * resumes there, in the kernel, on its way to sleep.)
 */
export function stoppedNeverRuns(b: ModelBuilder, tasks: readonly Pcb[]): void {
  const stopped = (st: number) => st === ST.Stopped || st === ST.TracedStopped;
  const user = new Map(tasks.map((t) => [t.inUser, t] as const));
  b.onChange({
    name: 'stopped-never-runs',
    watch: [...user.keys()],
    reads: tasks.map((t) => t.state),
    check: (addr, _from, to, w) => {
      const t = user.get(addr) as Pcb;
      const st = w.mem[t.state] as number;
      return to === 1 && stopped(st) ? `${t.name} returns to user mode while ${w.layout.format(t.state, st)}` : null;
    },
  });
}

/**
 * guard-held: a field DragonOS keeps inside a lock (pr1663, head: a task's
 * state and sleep flag in its sched_info; every variant: sig_info, on_rq,
 * ptrace_state, the sighand, the rq) is read and written only while the
 * lock is held (written: write-held, for an RwLock). The engine checks it
 * at each access (kernel/dragonos/guards.ts declares the rules for every
 * DragonOS model).
 */
export { GUARD_HELD } from '../../kernel/dragonos/consts.ts';

/**
 * runnable-is-queued (terminal): a task left Runnable is running (some rq's
 * current) or on its runqueue, where the scheduler will pick it. A wake-up
 * that returns Ok — wakeup_stop (master process/manager/sched.rs:233-293)
 * either found the task still queued, re-checked under the rq lock, or
 * enqueued it — promises exactly this; a Runnable task on no runqueue never
 * runs again.
 */
export function runnableIsQueued(b: ModelBuilder, k: DragonKernel, tasks: readonly Pcb[]): void {
  b.atEnd({
    name: 'runnable-is-queued',
    check: (w) => {
      for (const t of tasks) {
        if (w.mem[t.state] !== ST.Runnable) continue;
        const rq = k.rqOf(t);
        const running = k.rqs.some((r) => w.mem[r.curr] === t.id);
        if (running || ((w.mem[rq.queue] as number) & (1 << t.id)) !== 0) continue;
        return `${t.name} is Runnable but runs nowhere and is on no runqueue (${w.layout.format(rq.queue, w.mem[rq.queue] as number)}): it was woken, yet it will never run`;
      }
      return null;
    },
  });
}

/** runqueue-sane: each rq's nr_running equals the number of entities on it. */
export function runqueueSane(b: ModelBuilder, k: DragonKernel): void {
  b.atEnd({
    name: 'runqueue-sane',
    check: (w) => {
      for (const rq of k.rqs) {
        const q = w.mem[rq.queue] as number;
        const nr = w.mem[rq.nr] as number;
        if (nr !== popcount(q)) {
          return `rq${rq.cpu}.nr_running = ${nr} but ${popcount(q)} task(s) are on it ${w.layout.format(rq.queue, q)}: an enqueue of an already-queued task inflated the count`;
        }
      }
      return null;
    },
  });
}

// What a new concern is written with, in one import (the README's reviewer's guide writes one).
export { nop } from '../../cpu/ops.ts';
export { SIG, sigmask } from '../../kernel/common/bits.ts';
export { returnToUserAndRun, syscallReturnAndRun } from '../../kernel/dragonos/entry.ts';
export { sigStop } from '../../kernel/dragonos/generic-signal.ts';
export { PF, ST } from '../../kernel/dragonos/kernel.ts';
export { sendSignal } from '../../kernel/dragonos/signal.ts';
export type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
export { ModelBuilder } from '../../model/build.ts';
export { defineScenario } from '../../model/scenario.ts';
