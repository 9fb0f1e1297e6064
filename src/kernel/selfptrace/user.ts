/**
 * The self-intercepting process in user space and its trips through the
 * kernel: each syscall goes through the design's entry hook, its body, the
 * exit hook and the return to user mode, where pending signals get their
 * frames; the handlers then run, last frame first, each ending in
 * rt_sigreturn (itself a syscall). When something can send the process a
 * signal from outside (`userInterrupts`), it may take an interrupt in user
 * mode before each syscall instruction (the IPI kick_process sends with the
 * signal), so a signal sent while it runs user code is delivered before its
 * next syscall; without such a sender that interrupt return finds no work.
 *
 * What the tracer wants, as ghost state: the instrumented code's syscalls
 * must be intercepted from the moment it arms until it disarms, except
 * while the tracer's own SIGSYS handler runs (an interception consumes the
 * arming; the handler arms again before it returns) and except the
 * syscalls the design exempts by intent (the RFC: ptrace and rt_sigreturn;
 * SUD: the allowed region, where the tracer's code and the signal restorer
 * live). Every other syscall is checked when it leaves the kernel:
 * `intercept-once` — intercepted exactly once when wanted, never when not.
 */
import { check, irqDisable, irqEnable, load, nop, type Program, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG, signalName } from '../common/bits.ts';
import { TIF_NEED_RESCHED, TIF_SIGPENDING } from '../linux/consts.ts';
import type { LinuxKernel } from '../linux/kernel.ts';
import { schedule } from '../linux/sched/core.ts';
import type { Design, Site, Syscall, UserSide } from './design.ts';
import type { SelfProcess } from './process.ts';
import { block_on_delivery, get_signal, sigreturn_restore } from './signal.ts';

export const INTERCEPT_ONCE = 'intercept-once';
export const CAN_DISARM = 'can-disarm';

const USER = 'user space';

export type Script = (u: UserProcess) => Program<void>;

/** A signal handler: where its code is, and what it does before rt_sigreturn. */
export interface Handler {
  readonly site: Site;
  readonly body: Script;
}

interface Frame {
  readonly sig: number;
  /** the blocked mask saved in the frame, restored by rt_sigreturn */
  readonly saved: number;
}

export class UserProcess implements UserSide {
  /** the tracer wants the instrumented code's syscalls intercepted now (program state, mirrored in ghost cells) */
  private want = false;
  private setUp: boolean;

  constructor(
    readonly k: LinuxKernel,
    readonly ctx: TaskContext,
    readonly d: Design,
    readonly sp: SelfProcess,
    readonly handlers: Readonly<Record<number, Handler>>,
    /** the design's one-time set-up (SUD's prctl) was done before the model starts */
    configured = false,
    /** an asynchronous signal may arrive: check for it on each interrupt return to user mode */
    readonly userInterrupts = false,
    /** where the signal restorer (the handlers' rt_sigreturn) lives: the tracer's code unless a scenario says otherwise */
    readonly restorer: Site = 'tracer',
  ) {
    this.setUp = configured;
  }

  /** Arms interception (the tracer's SELF_ON, or the selector set to BLOCK). */
  *arm(site: Site = 'app'): Program<void> {
    if (!this.setUp) {
      this.setUp = true;
      yield* this.d.setup(this);
    }
    this.want = true;
    yield* this.d.arm(this, this.sp, site);
  }

  /** Disarms interception, then checks that it is off (`can-disarm`). */
  *disarm(site: Site = 'tracer'): Program<void> {
    const sp = this.sp;
    this.ctx.ghost.set(sp.gDisarmRan, 0);
    yield* this.d.disarm(this, sp, site);
    this.want = false;
    yield check(
      CAN_DISARM,
      this.d.disarmedReads(sp),
      (m) => this.d.disarmed(m, sp),
      `${USER} ${this.d.name} disarm`,
      'interception is off now',
    );
  }

  *userStore(cell: number, value: number, what: string): Program<void> {
    yield store(cell, value, `${USER} ${this.d.name}`, what);
  }

  /** One syscall instruction and everything up to the next user instruction. */
  *syscall(call: Syscall): Program<void> {
    const { k, ctx, d, sp } = this;
    if (this.userInterrupts) yield* this.runFrames(yield* this.exitToUser(false));
    // 1: must be intercepted, 0: must not be, 2: not judged (the tracer's own arm/disarm request)
    const must = call.control ? 2 : this.want && !d.exempt(call) ? 1 : 0;
    ctx.ghost.set(sp.gExpect, must);
    ctx.ghost.set(sp.gHits, 0);
    yield nop(
      `${USER} ${call.site === 'tracer' ? 'tracer code' : 'application'}`,
      `syscall ${call.name}${call.arg !== undefined && call.name !== 'rt_sigreturn' ? `(${call.arg.toString(16)})` : ''}`,
    );
    const skipped = yield* d.syscall_enter(k, ctx, sp, call);
    if (!skipped) yield* this.body(call);
    yield* d.syscall_exit(k, ctx, sp);
    yield check(
      INTERCEPT_ONCE,
      [sp.gExpect, sp.gHits],
      (m) => {
        const hits = m[sp.gHits] as number;
        if (m[sp.gExpect] === 2) return null;
        if (m[sp.gExpect] === 1 && hits === 0)
          return `${call.name} from the ${call.site === 'app' ? 'application' : 'tracer'} escaped interception while armed`;
        if (m[sp.gExpect] === 0 && hits > 0)
          return `${call.name} was intercepted while the tracer did not want it (disarmed, in its own handler, or exempt)`;
        if (hits > 1) return `${call.name} was intercepted ${hits} times`;
        return null;
      },
      `${USER} ${d.name}`,
      'the syscall left the kernel: intercepted exactly as wanted?',
    );
    yield* this.runFrames(yield* this.exitToUser(true));
  }

  private *body(call: Syscall): Program<void> {
    const { k, ctx, d, sp } = this;
    if (yield* d.sys_body(k, ctx, sp, call)) return;
    if (call.name === 'rt_sigreturn') {
      yield* sigreturn_restore(d.era, sp.task, call.arg ?? 0);
      return;
    }
    // any other syscall body (getpid) touches nothing the models share
  }

  /** The return to user mode after a syscall (`fromSyscall`) or an interrupt: take the work, build the signal frames. */
  private *exitToUser(fromSyscall: boolean): Program<Frame[]> {
    const { k, ctx, d, sp } = this;
    const era = d.era;
    const t = sp.task;
    const frames: Frame[] = [];
    yield irqDisable(era.ref(fromSyscall ? 'exit_irqs_off' : 'retint_flags'), 'local_irq_disable()');
    let work: number = yield load(t.tif, era.ref(fromSyscall ? 'exit_flags' : 'retint_flags'), 'ti_work = thread flags');
    while (work & (TIF_SIGPENDING | TIF_NEED_RESCHED)) {
      yield irqEnable(era.ref('exit_irqs_on'), 'local_irq_enable()');
      if (work & TIF_NEED_RESCHED) yield* schedule(k, ctx);
      if (work & TIF_SIGPENDING) {
        const sig = yield* get_signal(k, ctx, era, sp);
        if (sig) {
          yield* d.handle_signal(k, ctx, sp, sig);
          frames.push({ sig, saved: yield* block_on_delivery(era, t, sig) });
        }
      }
      yield irqDisable(era.ref('exit_irqs_off'), 'local_irq_disable()');
      work = yield load(t.tif, era.ref('exit_flags'), 'ti_work = thread flags');
    }
    yield irqEnable(era.ref('exit_user'), 'return to user mode: irqs on');
    return frames;
  }

  /** The handlers of the frames just built run last-built first; each returns through rt_sigreturn. */
  private *runFrames(frames: readonly Frame[]): Program<void> {
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i] as Frame;
      const h = this.handlers[f.sig];
      if (!h) throw new Error(`no handler for ${signalName(f.sig)}`);
      // The tracer's SIGSYS handler is the tracer's code: the interception it reports consumed the arming.
      if (f.sig === SIG.SIGSYS) this.want = false;
      yield nop(
        `${USER} ${signalName(f.sig)} handler`,
        `the ${signalName(f.sig)} handler runs (${h.site === 'tracer' ? 'tracer code' : 'application code'})`,
      );
      yield* h.body(this);
      yield* this.syscall({ name: 'rt_sigreturn', site: this.restorer, arg: f.saved });
    }
  }
}
