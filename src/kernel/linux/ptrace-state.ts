/**
 * The task_struct and signal_struct fields only the ptrace paths touch, as
 * memory cells, plus the ghost cells the ptrace invariants read. A scenario
 * that traces calls `enablePtrace(k)` after spawning its tasks and before
 * `k.finish()`; the paths find the cells with `ptraceState(k)`.
 *
 * Abstracted: p->ptraced and p->ptrace_entry are one bitmask per tracer (the
 * list of tracees, written under tasklist_lock as the list is); ptracer_cred
 * and the security hooks (__ptrace_may_access, security_ptrace_traceme)
 * always allow; last_siginfo is reduced to its si_code (0 for NULL), the only
 * part PTRACE_LISTEN reads. cred_guard_mutex is the sleeping mutex of
 * mutex.ts (a contended attach or exec sleeps on its wait list).
 */
import { bitsFormatter, decimal, flagsFormatter } from '../../cpu/memory.ts';
import { JOBCTL_TRAPPING } from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import type { Mutex } from './mutex.ts';
import type { LinuxTask } from './objects.ts';

/** include/uapi/linux/ptrace.h:156-167 */
export const PTRACE_EVENT_EXEC = 4;
export const PTRACE_EVENT_STOP = 128;
/** include/linux/ptrace.h:36-47 — PT_EXITKILL is PTRACE_O_EXITKILL << PT_OPT_FLAG_SHIFT */
export const PT_OPT_FLAG_SHIFT = 3;
export const PTRACE_O_EXITKILL = 1 << 20;
export const PT_EXITKILL = PTRACE_O_EXITKILL << PT_OPT_FLAG_SHIFT;

/** include/linux/thread_info.h SYSCALL_WORK_BIT_TRACE, and x86 TIF_SINGLESTEP (our own bit values, one cell) */
export const SYSCALL_TRACE = 1 << 0;
export const TIF_SINGLESTEP = 1 << 1;

export interface PtraceTaskCells {
  /** tracer side: p->ptraced, the tasks this task traces (bitmask) */
  readonly ptraced: number;
  /** p->signal->cred_guard_mutex */
  readonly cred_guard_mutex: Mutex;
  /** p->last_siginfo->si_code (0: no siginfo) */
  readonly last_siginfo: number;
  /** p->ptrace_message */
  readonly ptrace_message: number;
  /** SYSCALL_TRACE in p->syscall_work and TIF_SINGLESTEP (set by ptrace_resume) */
  readonly syscall_work: number;
  /** ghost: ptrace stops this tracee entered (set TASK_TRACED and its exit_code) */
  readonly g_stops: number;
  /** ghost: stop reports of this tracee returned by wait */
  readonly g_reports: number;
  /** ghost: 1 when the tracee was resumed (CONT/SYSCALL/SINGLESTEP/DETACH) since its last stop began, and with which signal */
  readonly g_resumes: number;
  readonly g_resume_sig: number;
  /** ghost: stops this tracee came back from, and the code the last one returned */
  readonly g_returns: number;
  readonly g_returned: number;
}

export class PtraceState {
  private readonly cells = new Map<number, PtraceTaskCells>();

  constructor(readonly k: LinuxKernel) {
    const lay = k.b.layout;
    const tasks = bitsFormatter((id) => k.task(id).name);
    for (const t of k.userTasks) {
      const n = t.name;
      k.bitWaitqueue(t.jobctl, JOBCTL_TRAPPING); // where ptrace_attach waits for the trap
      const mutex = k.credGuard(t); // signal->cred_guard_mutex: one per thread group
      this.cells.set(t.id, {
        ptraced: lay.cell(`${n}.ptraced`, 0, tasks),
        cred_guard_mutex: mutex,
        last_siginfo: lay.cell(`${n}.last_siginfo.si_code`, 0, decimal),
        ptrace_message: lay.cell(`${n}.ptrace_message`),
        syscall_work: lay.cell(
          `${n}.syscall_work`,
          0,
          flagsFormatter({ [SYSCALL_TRACE]: 'SYSCALL_TRACE', [TIF_SINGLESTEP]: 'TIF_SINGLESTEP' }),
        ),
        g_stops: lay.ghost(`${n}.ghost.ptrace_stops`),
        g_reports: lay.ghost(`${n}.ghost.stop_reports`),
        g_resumes: lay.ghost(`${n}.ghost.resumed`),
        g_resume_sig: lay.ghost(`${n}.ghost.resume_sig`),
        g_returns: lay.ghost(`${n}.ghost.stop_returns`),
        g_returned: lay.ghost(`${n}.ghost.stop_returned`),
      });
    }
  }

  of(t: LinuxTask): PtraceTaskCells {
    const c = this.cells.get(t.id);
    if (!c) throw new Error(`${t.name} has no ptrace cells (enablePtrace after every spawn)`);
    return c;
  }
}

const states = new WeakMap<LinuxKernel, PtraceState>();

/** Allocates the ptrace cells of every spawned task. Call after the spawns, before k.finish(). */
export function enablePtrace(k: LinuxKernel): PtraceState {
  if (states.has(k)) throw new Error('enablePtrace called twice');
  const s = new PtraceState(k);
  states.set(k, s);
  return s;
}

export function ptraceState(k: LinuxKernel): PtraceState {
  const s = states.get(k);
  if (!s) throw new Error('a ptrace path ran on a kernel without enablePtrace()');
  return s;
}

/** The ptrace cells of a kernel, or null when it does not trace (its lock rules: guards.ts). */
export function ptraceStateIfAny(k: LinuxKernel): PtraceState | null {
  return states.get(k) ?? null;
}
