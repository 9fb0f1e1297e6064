/**
 * What the wait scenarios (linux/wait-options, wait-two-continued,
 * wait-signal, wait-threads) share: the cells a waitpid's result is kept
 * in (the caller's user memory), its text for a violation message, and the
 * way a variant drops an option test of kernel/exit.c.
 */
import { type Program, store } from '../../cpu/ops.ts';
import { CONTINUED_STATUS, ECHILD, type WaitpidResult } from '../../kernel/linux/exit-wait.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import type { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { ERESTARTSYS } from '../../kernel/linux/sched/wait.ts';
import { setupPtrace } from '../../kernel/linux/user.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { ModelDef } from '../../model/types.ts';

/** terminal: P's waitpid reported what it asked for and what happened, nothing else */
export const WAIT_REPORTS_ASKED = 'wait-reports-asked';
/** the invariants of a model of P waiting for its child (finishWaitModel) */
export const WAIT_INVARIANTS: readonly string[] = [
  WAIT_REPORTS_ASKED,
  'no-lost-wakeup',
  'runqueue-sane',
  'lock-discipline',
  'deadlock',
  'legal-transition',
];

/** a waitpid result cell before the call returns (no pid, no errno) */
export const NOT_RETURNED = -1000;

/** P's cells for what its waitpid returns and the status word (user memory), before the call returns */
export function waitCells(b: ModelBuilder): { readonly ret: number; readonly status: number } {
  return { ret: b.layout.cell('P.waitpid', NOT_RETURNED), status: b.layout.cell('P.status', 0) };
}

/** The user program keeps what waitpid returned and the status word kernel_wait4 copied out (exit.c:1787-1788 put_user). */
export function* storeWaitResult(
  retCell: number,
  statusCell: number,
  res: WaitpidResult,
  who: string,
  call: string,
): Program<void> {
  yield store(retCell, res.ret, `user ${who}`, call);
  if (res.ret > 0) yield store(statusCell, res.status, `user ${who}`, 'the status word waitpid filled in');
}

/** A waitpid result in words: C's pid and what its status says, an errno, or nothing yet. */
export function waitResultText(c: LinuxTask, ret: number, status: number): string {
  if (ret === NOT_RETURNED) return 'nothing (it never returned)';
  if (ret === -ECHILD) return '-ECHILD';
  if (ret === -ERESTARTSYS) return '-ERESTARTSYS';
  if (ret !== c.id) return String(ret);
  if (status === CONTINUED_STATUS) return `${c.name} continued (status 0xffff)`;
  if ((status & 0xff) === 0x7f) return `${c.name} stopped by signal ${status >> 8} (status 0x${status.toString(16)})`;
  return `${c.name}'s exit (status ${status})`;
}

/**
 * The wait options as if `flags` were among them: a variant that removes
 * the test of one option from a function of kernel/exit.c calls the
 * model's own function with the option forced on (the test then always
 * passes, and nothing else in that function reads it).
 */
export function asIfFlags<T extends { readonly flags: number }>(wo: T, flags: number): T {
  return new Proxy(wo, {
    get: (t, key) => (key === 'flags' ? t.flags | flags : Reflect.get(t, key)),
    set: (t, key, v) => Reflect.set(t, key, v),
  });
}

/**
 * The end of a model of P waiting for its child C: exit_notify reports C's
 * exit to P, the Linux invariants, and `invariant` (terminal): P's waitpid
 * result, kept in `ret` and `status`, is one `reported` accepts (else the
 * message, after "P's waitpid(C, …) returned …: ").
 */
export function finishWaitModel(
  b: ModelBuilder,
  k: LinuxKernel,
  c: LinuxTask,
  cells: { readonly ret: number; readonly status: number },
  check: {
    readonly invariant: string;
    readonly call: string;
    readonly reported: (ret: number, status: number) => boolean;
    readonly why: string;
  },
): ModelDef {
  setupPtrace(k); // exit_notify's report of C's exit to P
  k.finish();
  registerLinuxInvariants(b, k);
  b.atEnd({
    name: check.invariant,
    check: (w) => {
      const r = w.mem[cells.ret] as number;
      const st = w.mem[cells.status] as number;
      return check.reported(r, st) ? null : `P's ${check.call} returned ${waitResultText(c, r, st)}: ${check.why}`;
    },
  });
  return b.build();
}
