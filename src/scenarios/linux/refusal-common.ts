/**
 * What the scenarios on refused ptrace requests share (linux/ptrace-refusals,
 * linux/listen-refusal): the invariant that checks what a system call gave
 * back to the user program, and a ptrace call on a pid that names no task.
 */
import { check, type Op, type Program } from '../../cpu/ops.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import type { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { EIO, EPERM, ESRCH } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace, type UserProc } from '../../kernel/linux/user.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { Expectation } from '../../model/scenario.ts';
import type { ModelDef } from '../../model/types.ts';
import { TICK_EACH, TICK_ONE, waitReportReady } from './ptrace-common.ts';

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

/**
 * The model of these scenarios: T (CPU1) runs `body` against C (CPU0),
 * which sleeps in pause() until a signal comes; ptrace, the Linux and
 * ptrace invariants (T asleep in waitpid while C has a report is a lost
 * wakeup).
 */
export function tracerAndPausedTracee(
  b: ModelBuilder,
  k: LinuxKernel,
  body: (u: UserProc, c: LinuxTask, t: LinuxTask) => Program<void>,
): ModelDef {
  let c = null as unknown as LinuxTask;
  const t: LinuxTask = k.spawn(
    'T',
    1,
    script((u) => body(u, c, t)),
  );
  c = k.spawn(
    'C',
    0,
    script((u) => u.pause()),
  );
  const pt = setupPtrace(k);
  k.finish();
  registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(t, c)] });
  registerPtraceInvariants(b, k, pt);
  return b.build();
}

/** The rows of a variant that returns what Linux 6.6 does not: violated on 1 and 2 CPUs, a tick on each. */
export function wrongReturnRows(why: string): Expectation[] {
  return [
    { cpus: 1, irq: TICK_ONE, verdict: 'violated', invariant: PTRACE_RETURNS, why },
    { cpus: 2, irq: TICK_EACH, verdict: 'violated', invariant: PTRACE_RETURNS, why: 'as on one CPU' },
  ];
}
