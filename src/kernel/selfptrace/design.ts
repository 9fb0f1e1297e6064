/**
 * A self-interception design: what the kernel does at syscall entry and
 * exit, on signal delivery and in the design's own syscalls, and how user
 * space arms and disarms it. `rfc.ts` (PT_SELF in ->ptrace, 2008) and
 * `sud.ts` (Syscall User Dispatch, Linux 6.6) implement it.
 */
import type { Program } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import type { LinuxKernel } from '../linux/kernel.ts';
import type { SyscallName } from './consts.ts';
import type { SelfProcess } from './process.ts';
import type { Era } from './signal.ts';

/** Where a syscall instruction is: in the instrumented application, or in the tracer's own code (SUD's allowed region, with the signal restorer). */
export type Site = 'app' | 'tracer';

export interface Syscall {
  readonly name: SyscallName;
  readonly site: Site;
  /** the request (ptrace, prctl) or the saved mask (rt_sigreturn) */
  readonly arg?: number;
  /** the tracer's own arm or disarm request: judged by `can-disarm`, not by `intercept-once` */
  readonly control?: boolean;
}

/** The user-space side a design needs to arm and disarm. */
export interface UserSide {
  syscall(call: Syscall): Program<void>;
  /** a store of the process's own user memory (SUD's selector byte) */
  userStore(cell: number, value: number, what: string): Program<void>;
}

export interface Design {
  readonly name: string;
  readonly era: Era;
  /** a syscall the design leaves alone by intent (never to be intercepted) */
  exempt(call: Syscall): boolean;
  /** syscall-entry work; true when the syscall is skipped (intercepted) */
  syscall_enter(k: LinuxKernel, ctx: TaskContext, sp: SelfProcess, call: Syscall): Program<boolean>;
  /** syscall-exit work, before the return to user mode */
  syscall_exit(k: LinuxKernel, ctx: TaskContext, sp: SelfProcess): Program<void>;
  /** the start of handle_signal, before the frame is set up */
  handle_signal(k: LinuxKernel, ctx: TaskContext, sp: SelfProcess, sig: number): Program<void>;
  /** the body of the design's own syscall (ptrace or prctl); false when `call` is not one */
  sys_body(k: LinuxKernel, ctx: TaskContext, sp: SelfProcess, call: Syscall): Program<boolean>;
  /** one-time set-up before the first arm (SUD's prctl) */
  setup(u: UserSide): Program<void>;
  /** user space switches interception on (again) */
  arm(u: UserSide, sp: SelfProcess, site: Site): Program<void>;
  /** user space switches interception off; the check after it is `disarmed` */
  disarm(u: UserSide, sp: SelfProcess, site: Site): Program<void>;
  /** the cells `disarmed` reads, and whether they say interception is off and the request ran */
  readonly disarmedReads: (sp: SelfProcess) => readonly number[];
  disarmed(m: ArrayLike<number>, sp: SelfProcess): string | null;
}
