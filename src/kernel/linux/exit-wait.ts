/**
 * kernel/exit.c (Linux 6.6.9): do_wait and the stopped-child report.
 *
 * Abstracted: pid selection is "any child" (P_ALL; PIDTYPE_MAX, so the
 * early pid_has_task exit at 1599 and do_wait_pid are not taken);
 * eligible_child accepts every child (no __WCLONE/__WALL filtering, every
 * exit_signal is SIGCHLD); reaping zombies (wait_task_zombie) and
 * WCONTINUED reports are not modelled — a zombie child only clears
 * notask_error; rusage and siginfo are not filled.
 */
import { load, type Program, readLock, readUnlock, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import {
  EXIT_DEAD,
  EXIT_ZOMBIE,
  SIGNAL_STOP_STOPPED,
  TASK_INTERRUPTIBLE,
  TASK_RUNNING,
  WNOHANG,
  WNOWAIT,
  WUNTRACED,
} from './consts.ts';
import { __set_current_state, set_current_state } from './include/sched.ts';
import { signal_pending } from './include/sched-signal.ts';
import type { LinuxKernel } from './kernel.ts';
import { spin_lock_irq, spin_unlock_irq } from './locking.ts';
import type { LinuxTask } from './objects.ts';
import { schedule } from './sched/core.ts';
import { add_wait_queue, ERESTARTSYS, remove_wait_queue } from './sched/wait.ts';

const X = 'linux-6.6 kernel/exit.c';
const r = (line: number, fn: string) => `${X}:${line} ${fn}`;

export const ECHILD = 10;

/** What wait4 reports: the child (its task id) with its status. */
export interface WaitResult {
  readonly pid: number;
  /** wo_stat: (exit_code << 8) | 0x7f for a stopped child */
  readonly status: number;
}

interface WaitOpts {
  readonly flags: number;
  notask_error: number;
  result: WaitResult | null;
}

/**
 * wait_task_stopped — exit.c:1256-1320 [tasklist_lock read-held; dropped on
 * success]: a lockless pre-check, then consume the report under the child's
 * siglock. `ptrace` = 0 here (group stops only; ptrace reports come with the
 * ptrace model).
 */
function* wait_task_stopped(k: LinuxKernel, wo: WaitOpts, p: LinuxTask): Program<number> {
  const F = 'wait_task_stopped';
  if (!(wo.flags & WUNTRACED)) return 0; // 1267-1268
  const f: number = yield load(p.signal.flags, r(1233, 'task_stopped_code'), 'if (p->signal->flags & SIGNAL_STOP_STOPPED)');
  if (!(f & SIGNAL_STOP_STOPPED)) return 0; // 1270-1271
  yield* spin_lock_irq(p.siglock, r(1274, F), `spin_lock_irq(&${p.name}->sighand->siglock)`);
  let exitCode = 0;
  const f2: number = yield load(p.signal.flags, r(1233, 'task_stopped_code'), 'p_code = task_stopped_code(p, ptrace)');
  if (f2 & SIGNAL_STOP_STOPPED) {
    exitCode = yield load(p.signal.group_exit_code, r(1280, F), 'exit_code = *p_code');
    if (exitCode && !(wo.flags & WNOWAIT)) {
      yield store(p.signal.group_exit_code, 0, r(1285, F), '*p_code = 0 (the report is consumed)');
    }
  }
  yield* spin_unlock_irq(p.siglock, r(1289, F), 'unlock_sig: spin_unlock_irq');
  if (!exitCode) return 0;
  yield readUnlock(k.tasklist_lock, r(1303, F), 'read_unlock(&tasklist_lock)');
  wo.result = { pid: p.id, status: (exitCode << 8) | 0x7f }; // 1310
  return p.id + 1; // a pid: never 0
}

/** wait_consider_task — exit.c:1380-1481 for a child (ptrace = 0). */
function* wait_consider_task(k: LinuxKernel, wo: WaitOpts, p: LinuxTask): Program<number> {
  const F = 'wait_consider_task';
  const exitState: number = yield load(p.exit_state, r(1388, F), 'exit_state = READ_ONCE(p->exit_state)');
  if (exitState === EXIT_DEAD) return 0; // 1391-1392
  // 1408-1422: a child traced by someone else is reported by its tracer: needs the ptrace model
  if (exitState === EXIT_ZOMBIE) {
    // 1425-1435 wait_task_zombie: not modelled (no WEXITED reaping yet); 1457-1458
    wo.notask_error = 0;
  } else {
    wo.notask_error = 0; // 1464
  }
  const ret = yield* wait_task_stopped(k, wo, p); // 1471
  return ret; // 1480 wait_task_continued: WCONTINUED is not modelled
}

/**
 * do_wait — exit.c:1582-1641. Returns the child reported, 0 (WNOHANG, none
 * ready), -ECHILD or -ERESTARTSYS.
 */
export function* do_wait(k: LinuxKernel, ctx: TaskContext, flags: number): Program<WaitResult | number> {
  const F = 'do_wait';
  const me = k.current(ctx);
  const wo: WaitOpts = { flags, notask_error: 0, result: null };
  yield* add_wait_queue(k, ctx, me.signal.wait_chldexit); // 1590
  let retval = 0;
  for (;;) {
    wo.notask_error = -ECHILD; // 1598
    yield* set_current_state(k, ctx, TASK_INTERRUPTIBLE); // 1603
    yield readLock(k.tasklist_lock, r(1604, F), 'read_lock(&tasklist_lock)');
    retval = 0;
    for (const child of k.children(me)) {
      // 1610-1625: do_wait_thread walks current->children (ptrace_do_wait: the ptrace model's)
      retval = yield* wait_consider_task(k, wo, child);
      if (retval) break;
    }
    if (retval) break; // 1621: goto end, tasklist_lock already dropped
    yield readUnlock(k.tasklist_lock, r(1626, F), 'read_unlock(&tasklist_lock)');
    retval = wo.notask_error; // 1629
    if (retval || wo.flags & WNOHANG) break;
    retval = -ERESTARTSYS; // 1631
    if (yield* signal_pending(me, F)) break; // 1632
    yield* schedule(k, ctx); // 1633
  }
  yield* __set_current_state(k, ctx, TASK_RUNNING); // 1638
  yield* remove_wait_queue(k, ctx, me.signal.wait_chldexit); // 1639
  return wo.result ?? retval;
}
