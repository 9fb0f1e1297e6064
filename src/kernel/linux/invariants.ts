/**
 * The invariants of the Linux substrate, by the names the CLI prints. A
 * model registers them for its tasks with `registerLinuxInvariants`; the
 * ptrace, DragonOS and self-ptrace models reuse them the same way.
 *
 * - no-lost-wakeup (terminal): no task sleeps while something it sleeps for
 *   has happened — its condition holds, an unblocked signal is pending (or
 *   TIF_NOTIFY_SIGNAL: task work to run) in an interruptible sleep, SIGKILL
 *   is pending in a WAKEKILL sleep, it is stopped or traced although its
 *   jobctl says it no longer is, an exec waits in de_thread for threads
 *   that are gone, a mutex waiter sleeps on a free mutex — and nobody is
 *   left to wake it (at quiescence nobody is).
 * - no-stuck-traced (terminal): no task is TASK_TRACED without a live tracer,
 *   nor TASK_TRACED with SIGKILL pending.
 * - runqueue-sane: a safety part (no task on two runqueues; when a
 *   runqueue's lock is free: nr_running counts the queued set, every queued
 *   task has on_rq set and task_cpu on that runqueue) and a terminal part
 *   (rq->curr is the task its CPU runs; a runnable task is on a runqueue or
 *   running — "sleeping" means dequeued and not running, since Linux keeps a
 *   task queued between set_current_state and schedule(); no task is left
 *   queued while every CPU idles). The engine adds "never running on
 *   two CPUs" at switch_to.
 * - lock-discipline: the engine's checks, schedule()'s entry check
 *   (sched/core.ts), and the lock rules the kernel declares for every
 *   model (guards.ts: jobctl and the pending sets under siglock, the ptrace
 *   links and a group's thread list under tasklist_lock write-held, a wait
 *   queue's list under its lock).
 * - legal-transition: every change of a task's __state, and of its ptrace
 *   link, is an edge of the task-state oracle (oracle/task-state.ts).
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { MachineView } from '../../model/types.ts';
import { SIG, sigmask } from '../common/bits.ts';
import { fifoHas } from '../common/fifo.ts';
import {
  __TASK_STOPPED,
  __TASK_TRACED,
  JOBCTL_STOPPED,
  JOBCTL_TRACED,
  LINUX_6_6,
  type LinuxConsts,
  TASK_DEAD,
  TASK_INTERRUPTIBLE,
  TASK_NORMAL,
  TASK_RUNNING,
  TASK_WAKEKILL,
  TASK_WAKING,
  TIF_NOTIFY_SIGNAL,
} from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { ownerTask } from './mutex.ts';
import type { LinuxTask } from './objects.ts';
import { ptraceLinkEdge, taskStateEdge } from './oracle/check.ts';

/** A condition a task sleeps for: it is lost if the task sleeps (in one of `states`) at the end while `holds`. */
export interface SleepCondition {
  readonly task: LinuxTask;
  /** the sleeping states this condition ends (default TASK_NORMAL) */
  readonly states?: number;
  /** what the task waits for, in words */
  readonly what: string;
  readonly holds: (mem: ArrayLike<number>) => boolean;
}

export interface LinuxInvariantOptions {
  /** the tasks to check (default: every task the scenario spawned) */
  readonly tasks?: readonly LinuxTask[];
  readonly sleepsFor?: readonly SleepCondition[];
}

/** Asleep: off every runqueue and off every CPU. */
function asleep(w: MachineView, t: LinuxTask): boolean {
  return w.mem[t.on_rq] === 0 && w.taskCpu(t.id) < 0;
}

function signalsFor(w: MachineView, t: LinuxTask): number {
  return ((w.mem[t.pending] as number) | (w.mem[t.signal.shared_pending] as number)) & ~(w.mem[t.blocked] as number);
}

/** A condition in one line: `task` must not sleep (in `states`, default TASK_NORMAL) at the end while `holds`. */
export function sleepsWhile(
  task: LinuxTask,
  what: string,
  holds: (mem: ArrayLike<number>) => boolean,
  states?: number,
): SleepCondition {
  return states === undefined ? { task, what, holds } : { task, what, holds, states };
}

/** The sleeping mutexes' waiters: asleep on a wait list while the mutex is free, with nobody left to wake them. */
export function mutexWaitersLost(k: LinuxKernel): SleepCondition[] {
  return k.mutexes.flatMap((m) =>
    k.userTasks.map((task) => ({
      task,
      what: `it waits on ${m.name}'s wait list and ${m.name} is free`,
      holds: (mem: ArrayLike<number>) => fifoHas(mem[m.wait_list] as number, task.id) && ownerTask(mem[m.owner] as number) < 0,
    })),
  );
}

/**
 * An exec waiting in de_thread for the other threads to go: lost if it
 * sleeps once the last is released — notify_count is 0, or no other thread
 * is left on the thread list. zap_other_threads counts the threads on the
 * list under the siglock (signal.c:1385-1389), and each leaves the list in
 * the same siglock section of __exit_signal that takes its count off
 * notify_count (exit.c:153-208: :169-170, :199): a waiting exec with no
 * other thread listed has a count nobody will take down.
 */
export function execWaitLost(k: LinuxKernel): SleepCondition[] {
  return k.userTasks
    .filter((t) => t.group_leader === t.id && k.threads(t).length > 1)
    .flatMap((task) => {
      const waits = (mem: ArrayLike<number>) => mem[task.signal.group_exec_task] === task.id;
      return [
        {
          task,
          what: 'its exec waits in de_thread and the other threads are gone (notify_count = 0)',
          holds: (mem: ArrayLike<number>) => waits(mem) && mem[task.signal.notify_count] === 0,
        },
        {
          task,
          what: `its exec waits in de_thread for notify_count to reach 0 and no other thread is left on the thread list`,
          holds: (mem: ArrayLike<number>) => waits(mem) && ((mem[task.signal.thread_list] as number) & ~(1 << task.id)) === 0,
        },
      ];
    });
}

export function lostWakeup(
  w: MachineView,
  tasks: readonly LinuxTask[],
  conds: readonly SleepCondition[],
  c: LinuxConsts = LINUX_6_6,
): string | null {
  for (const t of tasks) {
    if (!asleep(w, t)) continue;
    const st = w.mem[t.state] as number;
    if (st === TASK_DEAD || st === TASK_RUNNING || st === TASK_WAKING) continue;
    const s = c.stateFormatter(st);
    for (const c of conds) {
      if (c.task === t && st & (c.states ?? TASK_NORMAL) && c.holds(w.mem))
        return `${t.name} sleeps in ${s} although ${c.what}, and no one is left to wake it`;
    }
    if (st & TASK_INTERRUPTIBLE && signalsFor(w, t) !== 0) return `${t.name} sleeps in ${s} with an unblocked signal pending`;
    if (st & TASK_INTERRUPTIBLE && (w.mem[t.tif] as number) & TIF_NOTIFY_SIGNAL)
      return `${t.name} sleeps in ${s} with TIF_NOTIFY_SIGNAL set (task work to run)`;
    if (st & TASK_WAKEKILL && (w.mem[t.pending] as number) & sigmask(SIG.SIGKILL))
      return `${t.name} sleeps in ${s} with SIGKILL pending`;
    const jobctl = w.mem[t.jobctl] as number;
    if (st & __TASK_STOPPED && !(jobctl & JOBCTL_STOPPED)) {
      return `${t.name} sleeps in ${s} but JOBCTL_STOPPED is clear: the wakeup that ended the stop was lost`;
    }
    if (st & __TASK_TRACED && !(jobctl & JOBCTL_TRACED)) {
      return `${t.name} sleeps in ${s} but JOBCTL_TRACED is clear: the wakeup that ended the trap was lost`;
    }
  }
  return null;
}

export function stuckTraced(w: MachineView, tasks: readonly LinuxTask[], c: LinuxConsts = LINUX_6_6): string | null {
  for (const t of tasks) {
    if (w.mem[t.state] !== c.TASK_TRACED) continue;
    if ((w.mem[t.pending] as number) & sigmask(SIG.SIGKILL)) return `${t.name} is TASK_TRACED with SIGKILL pending`;
    const tracer = w.mem[t.parent] as number;
    if (w.mem[t.ptrace] === 0) return `${t.name} is TASK_TRACED but not ptraced`;
    if (tracer < 0 || tracer >= w.taskCount || w.taskDone(tracer)) return `${t.name} is TASK_TRACED and its tracer is gone`;
  }
  return null;
}

/** The safety part of runqueue-sane, over the runqueues whose lock is free. */
export function runqueuesSane(w: MachineView, k: LinuxKernel): string | null {
  let seen = 0;
  for (const rq of k.rqs) {
    const q = w.mem[rq.queued] as number;
    if (q & seen) return `a task is queued on two runqueues (rq${rq.cpu}.queued ${w.layout.format(rq.queued, q)})`;
    seen |= q;
    if (w.mem[rq.lock] !== 0) continue;
    let n = 0;
    for (const t of k.tasks) {
      if (!(q & (1 << t.id))) continue;
      n++;
      if (w.mem[t.on_rq] === 0) return `${t.name} is on rq${rq.cpu} with on_rq = 0`;
      if (w.mem[t.cpu] !== rq.cpu) return `${t.name} is on rq${rq.cpu} but task_cpu says CPU${w.mem[t.cpu]}`;
    }
    if (w.mem[rq.nr_running] !== n) return `rq${rq.cpu}.nr_running = ${w.mem[rq.nr_running]} but ${n} task(s) are queued`;
  }
  return null;
}

/** The terminal part of runqueue-sane. */
export function runqueuesSaneAtEnd(w: MachineView, k: LinuxKernel, tasks: readonly LinuxTask[]): string | null {
  for (let c = 0; c < k.cpus; c++) {
    const rq = k.rq(c);
    const curr = w.mem[rq.curr] as number;
    if (curr >= 0 && w.taskCpu(curr) !== c) return `rq${c}.curr is ${k.task(curr).name}, which does not run on CPU${c}`;
  }
  for (const t of tasks) {
    const st = w.mem[t.state] as number;
    const queued = k.rqs.some((rq) => (w.mem[rq.queued] as number) & (1 << t.id));
    if ((st === TASK_RUNNING || st === TASK_WAKING) && !queued && w.taskCpu(t.id) < 0) {
      return `${t.name} is ${k.c.stateFormatter(st)} but on no runqueue and on no CPU: it will never run again`;
    }
    if (queued && w.taskCpu(t.id) < 0 && st !== TASK_DEAD) {
      // At quiescence every CPU idles; a queued task should have been picked (its CPU's idle task was
      // told to reschedule when it was enqueued).
      return `${t.name} is queued in ${k.c.stateFormatter(st)} at the end, yet every CPU idles`;
    }
  }
  return null;
}

/** Registers the substrate's invariants for `opts.tasks` (default: every spawned task). Call after k.finish(). */
export function registerLinuxInvariants(b: ModelBuilder, k: LinuxKernel, opts: LinuxInvariantOptions = {}): void {
  const tasks = opts.tasks ?? k.userTasks;
  const conds = [...(opts.sleepsFor ?? []), ...mutexWaitersLost(k), ...execWaitLost(k)];
  b.atEnd({ name: 'no-lost-wakeup', check: (w) => lostWakeup(w, tasks, conds, k.c) });
  b.atEnd({ name: 'no-stuck-traced', check: (w) => stuckTraced(w, tasks, k.c) });
  const rqCells = k.rqs.flatMap((rq) => [rq.lock, rq.queued, rq.nr_running]);
  b.invariant({
    name: 'runqueue-sane',
    watch: rqCells,
    reads: [...rqCells, ...k.tasks.flatMap((t) => [t.on_rq, t.cpu])],
    check: (w) => runqueuesSane(w, k),
  });
  b.atEnd({ name: 'runqueue-sane', check: (w) => runqueuesSaneAtEnd(w, k, tasks) });
  b.onChange({
    name: 'legal-transition',
    watch: tasks.map((t) => t.state),
    reads: [],
    check: (addr, from, to, w) => {
      const t = tasks.find((x) => x.state === addr) as LinuxTask;
      return taskStateEdge(t.name, from, to, w, k.c);
    },
  });
  const links = tasks.flatMap((t) => [t.ptrace, t.jobctl]);
  b.onChange({
    name: 'legal-transition',
    watch: links,
    reads: links,
    check: (addr, from, to, w) => {
      const t = tasks.find((x) => x.ptrace === addr || x.jobctl === addr) as LinuxTask;
      return ptraceLinkEdge(t, addr, from, to, w);
    },
  });
}
