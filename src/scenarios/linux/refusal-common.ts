/**
 * What the scenarios on refused ptrace requests share (linux/ptrace-refusals,
 * linux/listen-refusal): the invariant that checks what a system call gave
 * back to the user program, and a ptrace call on a pid that names no task.
 */
import { check, type Op, type Program } from '../../cpu/ops.ts';
import { EIO, EPERM, ESRCH } from '../../kernel/linux/ptrace.ts';
import type { UserProc } from '../../kernel/linux/user.ts';

/** checked on the value a system call returned to the user program, right after it returned */
export const PTRACE_RETURNS = 'ptrace-returns';

const NAMES: Readonly<Record<number, string>> = { [-EPERM]: '-EPERM', [-ESRCH]: '-ESRCH', [-EIO]: '-EIO' };
const text = (ret: number) => NAMES[ret] ?? (ret > 0xff ? `0x${ret.toString(16)}` : String(ret));

/** A step of the user program that checks `got` is what Linux 6.6 returns for `call` (`ref`: where the source says so). */
export function expectReturn(who: string, call: string, got: number, want: number, ref: string): Op {
  return check(
    PTRACE_RETURNS,
    [],
    () => (got === want ? null : `${who}'s ${call} returned ${text(got)}; Linux 6.6 returns ${text(want)} (${ref})`),
    `user ${who}`,
    `${call} == ${text(want)}`,
  );
}

/** Runs a system call of the user program and checks what it returned (expectReturn); returns it. */
export function* expectCall(who: string, call: string, run: Program<number>, want: number, ref: string): Program<number> {
  const got = yield* run;
  yield expectReturn(who, call, got, want, ref);
  return got;
}

/**
 * ptrace(request, pid, 0, data) for a pid that names no task: sys_ptrace's
 * find_get_task_by_vpid(pid) gives NULL (kernel/ptrace.c:1289-1293). The
 * system call's entry and its return to user mode, as UserProc.ptrace.
 */
export function* ptraceNoSuchPid(u: UserProc, request: number, data = 0): Program<number> {
  yield* u.k.fn.syscall_enter_from_user_mode(u.k, u.ctx);
  const ret = yield* u.k.fn.sys_ptrace(u.k, u.ctx, request, null, data);
  yield* u.k.fn.exit_to_user_mode(u.k, u.ctx);
  return ret;
}
