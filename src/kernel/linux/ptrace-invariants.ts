/**
 * The ptrace bookkeeping invariants, for any scenario that traces:
 *
 * - ptrace-links (safety, whenever tasklist_lock is free — every link is
 *   written under its write side): p->ptrace is set exactly when p is on its
 *   p->parent's ptraced list, and every task on a ptraced list has that
 *   tracer as p->parent.
 * - ptrace-report-once (safety, on ghost counters written under the
 *   tracee's siglock): wait never reports more ptrace stops of a tracee than
 *   it entered — each stop is reported at most once.
 * - ptrace-resume-delivered (terminal): when a tracee was resumed in its
 *   last stop (CONT/SYSCALL/SINGLESTEP/DETACH with a signal) and came back
 *   from that stop, ptrace_stop returned the resume's signal — the exit_code
 *   the resumer wrote was not consumed by anyone else.
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { MachineView } from '../../model/types.ts';
import { EXIT_ZOMBIE, JOBCTL_LISTENING, JOBCTL_TRACED } from './consts.ts';
import type { SleepCondition } from './invariants.ts';
import type { LinuxKernel } from './kernel.ts';
import type { LinuxTask } from './objects.ts';
import type { PtraceState } from './ptrace-state.ts';

export function ptraceLinks(w: MachineView, k: LinuxKernel, pt: PtraceState, tasks: readonly LinuxTask[]): string | null {
  if (w.mem[k.tasklist_lock] !== 0) return null;
  for (const p of tasks) {
    const ptr = w.mem[p.ptrace] as number;
    const par = w.mem[p.parent] as number;
    const parent = par >= 0 && par < w.taskCount ? k.task(par) : null;
    const listed = parent !== null && tasks.includes(parent) && ((w.mem[pt.of(parent).ptraced] as number) & (1 << p.id)) !== 0;
    if (ptr && !listed) return `${p.name}->ptrace is set but ${p.name} is not on its parent's ptraced list`;
    if (!ptr && listed) return `${p.name} is on ${parent?.name}'s ptraced list but ${p.name}->ptrace is 0`;
  }
  for (const t of tasks) {
    const list = w.mem[pt.of(t).ptraced] as number;
    for (const q of tasks) {
      if (list & (1 << q.id) && w.mem[q.parent] !== t.id)
        return `${q.name} is on ${t.name}'s ptraced list but its parent is not ${t.name}`;
    }
  }
  return null;
}

export function registerPtraceInvariants(b: ModelBuilder, k: LinuxKernel, pt: PtraceState, tasks = k.userTasks): void {
  const links = [k.tasklist_lock, ...tasks.flatMap((t) => [t.ptrace, t.parent, pt.of(t).ptraced])];
  b.invariant({
    name: 'ptrace-links',
    watch: links,
    reads: links,
    check: (w) => ptraceLinks(w, k, pt, tasks),
  });
  const counters = tasks.flatMap((t) => [pt.of(t).g_stops, pt.of(t).g_reports]);
  b.invariant({
    name: 'ptrace-report-once',
    watch: counters,
    reads: counters,
    check: (w) => {
      for (const t of tasks) {
        const c = pt.of(t);
        const stops = w.mem[c.g_stops] as number;
        const reports = w.mem[c.g_reports] as number;
        if (reports > stops) return `wait reported ${reports} stop(s) of ${t.name}, which entered ${stops}`;
      }
      return null;
    },
  });
  b.atEnd({
    name: 'ptrace-resume-delivered',
    check: (w) => {
      for (const t of tasks) {
        const c = pt.of(t);
        if (!w.mem[c.g_resumes] || w.mem[c.g_returns] !== w.mem[c.g_stops]) continue;
        const sent = w.mem[c.g_resume_sig] as number;
        const got = w.mem[c.g_returned] as number;
        if (sent !== got)
          return `${t.name} was resumed with signal ${sent} but its stop returned ${got}: the resume's exit_code was lost`;
      }
      return null;
    },
  });
}

/**
 * A report is ready for the tracer's waitpid: the tracee is in a ptrace stop
 * with an unconsumed exit_code (and not LISTENING), or it is a zombie. A
 * tracer asleep in waitpid while this holds was never woken (no-lost-wakeup).
 */
export function waitReportReady(tracer: LinuxTask, tracee: LinuxTask): SleepCondition {
  return {
    task: tracer,
    what: `a report of ${tracee.name} is ready for waitpid`,
    holds: (m) => {
      const j = m[tracee.jobctl] as number;
      const stop = (j & JOBCTL_TRACED) !== 0 && (j & JOBCTL_LISTENING) === 0 && m[tracee.exit_code] !== 0;
      return stop || m[tracee.exit_state] === EXIT_ZOMBIE;
    },
  };
}
