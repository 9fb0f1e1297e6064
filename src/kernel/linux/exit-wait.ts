/**
 * kernel/exit.c (Linux 6.6.9): do_wait and what it reports — a stopped or
 * traced child (wait_task_stopped) or a zombie (wait_task_zombie) — for
 * both ways a scenario waits:
 *
 * - wait4(pid, …) for one pid (PIDTYPE_PID): do_wait_pid (1556-1580) takes
 *   the pid as a child (ptrace = 0, then promoted when its tracer is its
 *   parent) and as a tracee (ptrace = 1). A ptrace stop report is consumed
 *   under the tracee's siglock; a zombie is reaped with the exit_state
 *   cmpxchg.
 * - wait4(-1, …) for any child (PIDTYPE_MAX): do_wait_thread over the
 *   children of each thread of current's group in turn (current's only,
 *   with __WNOTHREAD), with ptrace = 0; wait_consider_task is the same as
 *   for one pid (a zombie child is reaped). ptrace_do_wait over each
 *   thread's ->ptraced list is left out: the scenarios that wait for any
 *   child have no tracer.
 *
 * Abstracted: the pid's task is found without a step (pid_task); release_task
 * (after EXIT_DEAD: unhash, the reaper's wakeup) and getrusage; the
 * EXIT_TRACE hand-back of a zombie to its real parent (wait_task_zombie
 * 1194-1204) is not modelled — a scenario where a tracer that is not the
 * parent reaps a zombie fails a check; siginfo. pid_has_task
 * (1599) is "not yet released": exit_state != EXIT_DEAD, since the model's
 * release is the EXIT_DEAD store. eligible_child accepts every child (no
 * __WCLONE/__WALL filtering, every exit_signal is SIGCHLD). The threads
 * of a group share signal->wait_chldexit: a child's report wakes every
 * waiting thread, except a __WNOTHREAD one whose child it is not
 * (child_wait_callback, sched/wait.ts wake_entry).
 */
import { check, load, type Program, readLock, readUnlock, rmw, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { plainRmw } from '../common/plain-rmw.ts';
import {
  __WNOTHREAD,
  EXIT_DEAD,
  EXIT_ZOMBIE,
  JOBCTL_LISTENING,
  JOBCTL_TRACED,
  SIGNAL_GROUP_EXIT,
  SIGNAL_STOP_CONTINUED,
  SIGNAL_STOP_STOPPED,
  TASK_INTERRUPTIBLE,
  TASK_RUNNING,
  WCONTINUED,
  WNOHANG,
  WNOWAIT,
  WUNTRACED,
} from './consts.ts';
import type { LinuxKernel } from './kernel.ts';
import { spin_lock_irq, spin_unlock_irq } from './locking.ts';
import type { LinuxTask } from './objects.ts';
import { ptraceState } from './ptrace-state.ts';
import { ERESTARTSYS } from './sched/wait.ts';

const X = 'linux-6.6 kernel/exit.c';
const r = (line: number, fn: string) => `${X}:${line} ${fn}`;

export const ECHILD = 10;

/** EXIT_TRACE (include/linux/sched.h:90) */
const EXIT_TRACE = EXIT_ZOMBIE | EXIT_DEAD;

/** What waitpid returned: the pid (task id) and its status, or an error (< 0), or 0 (WNOHANG, nothing to report). */
export interface WaitpidResult {
  readonly ret: number;
  /** for a stop: (code << 8) | 0x7f; for a continue: 0xffff (WIFCONTINUED); for an exit: the exit code */
  readonly status: number;
  readonly stopped: boolean;
}

interface WaitOpts {
  readonly flags: number;
  /** wo_pid's task for PIDTYPE_PID; null for any child (PIDTYPE_MAX: the children of each thread; ptrace_do_wait is not modelled) */
  readonly pid: LinuxTask | null;
  notask_error: number;
  result: WaitpidResult | null;
}

/** task_stopped_code — exit.c:1226-1236: where the report is, or null. */
export function* task_stopped_code(
  _k: LinuxKernel,
  _ctx: TaskContext,
  p: LinuxTask,
  ptrace: boolean,
  line: number,
): Program<number | null> {
  const F = 'task_stopped_code';
  if (ptrace) {
    const j: number = yield load(
      p.jobctl,
      r(1229, F),
      `if (task_is_traced(p) && !(p->jobctl & JOBCTL_LISTENING)) (from ${line})`,
    );
    return j & JOBCTL_TRACED && !(j & JOBCTL_LISTENING) ? p.exit_code : null;
  }
  const f: number = yield load(p.signal.flags, r(1232, F), `if (p->signal->flags & SIGNAL_STOP_STOPPED) (from ${line})`);
  return f & SIGNAL_STOP_STOPPED ? p.signal.group_exit_code : null;
}

/** wait_task_stopped — exit.c:1256-1320 [tasklist_lock read-held; dropped on success]. */
export function* wait_task_stopped(
  k: LinuxKernel,
  ctx: TaskContext,
  wo: WaitOpts,
  ptrace: boolean,
  p: LinuxTask,
): Program<number> {
  const F = 'wait_task_stopped';
  if (!ptrace && !(wo.flags & WUNTRACED)) return 0; // 1267-1268
  if ((yield* k.fn.task_stopped_code(k, ctx, p, ptrace, 1270)) === null) return 0; // 1270-1271 (lockless)
  let exitCode = 0;
  yield* spin_lock_irq(p.siglock, r(1274, F), `spin_lock_irq(&${p.name}->sighand->siglock)`);
  const pCode = yield* k.fn.task_stopped_code(k, ctx, p, ptrace, 1276);
  if (pCode !== null) {
    exitCode = yield load(pCode, r(1280, F), 'exit_code = *p_code');
    if (exitCode && !(wo.flags & WNOWAIT)) {
      yield store(pCode, 0, r(1285, F), '*p_code = 0 (the report is consumed)');
      if (ptrace) ctx.ghost.add(ptraceState(k).of(p).g_reports, 1);
    }
  }
  yield* spin_unlock_irq(p.siglock, r(1289, F), 'unlock_sig: spin_unlock_irq');
  if (!exitCode) return 0;
  yield readUnlock(k.tasklist_lock, r(1303, F), 'read_unlock(&tasklist_lock)');
  wo.result = { ret: p.id, status: (exitCode << 8) | 0x7f, stopped: true }; // 1310
  return p.id + 1;
}

/** The status word of a continue report (include/uapi/linux/wait.h WIFCONTINUED: status == 0xffff). */
export const CONTINUED_STATUS = 0xffff;

/**
 * wait_task_continued — exit.c:1328-1369 [tasklist_lock read-held; dropped
 * on success]: report, once, that a SIGCONT ended the group stop
 * (SIGNAL_STOP_CONTINUED, set by prepare_signal, consumed under siglock).
 */
export function* wait_task_continued(k: LinuxKernel, _ctx: TaskContext, wo: WaitOpts, p: LinuxTask): Program<number> {
  const F = 'wait_task_continued';
  if (!(wo.flags & WCONTINUED)) return 0; // 1334-1335
  const f: number = yield load(p.signal.flags, r(1337, F), 'if (!(p->signal->flags & SIGNAL_STOP_CONTINUED))');
  if (!(f & SIGNAL_STOP_CONTINUED)) return 0;
  yield* spin_lock_irq(p.siglock, r(1340, F), `spin_lock_irq(&${p.name}->sighand->siglock)`);
  const again: number = yield load(p.signal.flags, r(1342, F), 'Re-check with the lock held: SIGNAL_STOP_CONTINUED');
  if (!(again & SIGNAL_STOP_CONTINUED)) {
    yield* spin_unlock_irq(p.siglock, r(1343, F));
    return 0;
  }
  if (!(wo.flags & WNOWAIT)) {
    yield* plainRmw(p.signal.flags, (v) => v & ~SIGNAL_STOP_CONTINUED, r(1347, F), 'p->signal->flags &= ~SIGNAL_STOP_CONTINUED');
  }
  yield* spin_unlock_irq(p.siglock, r(1349, F));
  yield readUnlock(k.tasklist_lock, r(1353, F), 'read_unlock(&tasklist_lock)');
  wo.result = { ret: p.id, status: CONTINUED_STATUS, stopped: false }; // 1360-1361 wo->wo_stat = 0xffff
  return p.id + 1;
}

/** wait_task_zombie — exit.c:1096-1224 (WEXITED is always set by wait4). */
export function* wait_task_zombie(k: LinuxKernel, ctx: TaskContext, wo: WaitOpts, p: LinuxTask): Program<number> {
  const F = 'wait_task_zombie';
  const state = (yield* k.fn.ptrace_reparented(k, ctx, p, F)) ? EXIT_TRACE : EXIT_DEAD; // 1120-1121
  const old: number = yield rmw(
    p.exit_state,
    (s) => (s === EXIT_ZOMBIE ? state : s),
    r(1122, F),
    'cmpxchg(&p->exit_state, EXIT_ZOMBIE, state)',
  );
  if (old !== EXIT_ZOMBIE) return 0; // 1123
  yield readUnlock(k.tasklist_lock, r(1127, F), 'read_unlock(&tasklist_lock)');
  const f: number = yield load(p.signal.flags, r(1176, F), 'status = (p->signal->flags & SIGNAL_GROUP_EXIT) ?');
  const status: number = yield load(
    f & SIGNAL_GROUP_EXIT ? p.signal.group_exit_code : p.exit_code,
    r(1177, F),
    'p->signal->group_exit_code : p->exit_code',
  );
  if (state === EXIT_TRACE) {
    yield check('kernel-warn', [], () => 'the EXIT_TRACE hand-back to the real parent is not modelled', r(1194, F));
  }
  wo.result = { ret: p.id, status, stopped: false }; // 1208-1223 (release_task abstracted)
  return p.id + 1;
}

/** wait_consider_task — exit.c:1380-1481 [tasklist_lock read-held]. */
export function* wait_consider_task(
  k: LinuxKernel,
  ctx: TaskContext,
  wo: WaitOpts,
  ptraceIn: boolean,
  p: LinuxTask,
): Program<number> {
  const F = 'wait_consider_task';
  let ptrace = ptraceIn;
  const exitState: number = yield load(p.exit_state, r(1388, F), 'exit_state = READ_ONCE(p->exit_state)');
  if (exitState === EXIT_DEAD) return 0; // 1391-1392
  // 1394 eligible_child: the pid matches; every exit_signal is SIGCHLD
  if (exitState === EXIT_TRACE) {
    if (!ptrace) wo.notask_error = 0; // 1398-1406
    return 0;
  }
  if (!ptrace) {
    const ptr: number = yield load(p.ptrace, r(1408, F), 'if (likely(!ptrace) && unlikely(p->ptrace))');
    if (ptr && !(yield* k.fn.ptrace_reparented(k, ctx, p, F))) ptrace = true; // 1420-1421
  }
  if (exitState === EXIT_ZOMBIE) {
    // 1425-1435: we don't reap group leaders with subthreads: !delay_group_leader(p) && (ptrace || !p->ptrace);
    // delay_group_leader (include/linux/sched/signal.h) = thread_group_leader(p) && !thread_group_empty(p),
    // which reads nothing for a one-thread group
    const delayed = p.group_leader === p.id && !(yield* k.fn.thread_group_empty(k, ctx, p, r(1427, F)));
    if (!delayed) {
      const ptr: number = ptrace ? 1 : yield load(p.ptrace, r(1434, F), '(ptrace || !p->ptrace)');
      if (ptrace || !ptr) return yield* k.fn.wait_task_zombie(k, ctx, wo, p);
    }
    wo.notask_error = 0; // 1457-1458 (WEXITED)
  } else {
    wo.notask_error = 0; // 1464
  }
  const ret = yield* k.fn.wait_task_stopped(k, ctx, wo, ptrace, p); // 1471
  if (ret) return ret;
  return yield* k.fn.wait_task_continued(k, ctx, wo, p); // 1480
}

/** is_effectively_child — exit.c:1542-1550: current is target's parent (tracer), or in its group unless __WNOTHREAD. */
export function* is_effectively_child(
  k: LinuxKernel,
  ctx: TaskContext,
  wo: WaitOpts,
  ptrace: boolean,
  target: LinuxTask,
): Program<boolean> {
  const parent: number = yield load(
    ptrace ? target.parent : target.real_parent,
    r(1546, 'is_effectively_child'),
    ptrace ? 'parent = target->parent' : 'parent = target->real_parent',
  );
  if (parent === ctx.self) return true; // 1548
  return parent >= 0 && !(wo.flags & __WNOTHREAD) && k.sameThreadGroup(k.current(ctx), k.task(parent)); // 1548-1549
}

/** do_wait_pid — exit.c:1556-1580. */
export function* do_wait_pid(k: LinuxKernel, ctx: TaskContext, wo: WaitOpts, target: LinuxTask): Program<number> {
  if (yield* k.fn.is_effectively_child(k, ctx, wo, false, target)) {
    const ret = yield* k.fn.wait_consider_task(k, ctx, wo, false, target); // 1565
    if (ret) return ret;
  }
  const ptr: number = yield load(target.ptrace, r(1572, 'do_wait_pid'), 'if (target && target->ptrace &&');
  if (ptr && (yield* k.fn.is_effectively_child(k, ctx, wo, true, target))) {
    const ret = yield* k.fn.wait_consider_task(k, ctx, wo, true, target); // 1574
    if (ret) return ret;
  }
  return 0;
}

/** do_wait_thread — exit.c:1492-1504: tsk->children (ptrace_do_wait is left out: header). */
export function* do_wait_thread(k: LinuxKernel, ctx: TaskContext, wo: WaitOpts, tsk: LinuxTask): Program<number> {
  for (const child of k.children(tsk)) {
    const ret = yield* k.fn.wait_consider_task(k, ctx, wo, false, child); // 1489
    if (ret) return ret;
  }
  return 0;
}

/**
 * waitpid(pid, options) → kernel_wait4 (1761-1790, WEXITED added) →
 * do_wait — exit.c:1582-1641. `target` null is wait4(-1, …): any child.
 */
export function* do_wait(k: LinuxKernel, ctx: TaskContext, options: number, target: LinuxTask | null): Program<WaitpidResult> {
  const F = 'do_wait';
  const me = k.current(ctx);
  const wo: WaitOpts = { flags: options, pid: target, notask_error: 0, result: null };
  yield* k.fn.add_wait_queue(k, ctx, me.signal.wait_chldexit, (options & __WNOTHREAD) !== 0); // 1590
  let retval = 0;
  for (;;) {
    wo.notask_error = -ECHILD; // 1598
    // 1599-1601: only a PIDTYPE_PID wait can find its pid gone
    const gone =
      target !== null &&
      (yield load(target.exit_state, r(1599, F), 'if (!pid_has_task(wo_pid, wo_type)) goto notask')) === EXIT_DEAD;
    if (!gone) {
      yield* k.fn.set_current_state(k, ctx, TASK_INTERRUPTIBLE); // 1603
      yield readLock(k.tasklist_lock, r(1604, F), 'read_lock(&tasklist_lock)');
      if (target !== null)
        retval = yield* k.fn.do_wait_pid(k, ctx, wo, target); // 1606-1609
      else {
        // 1611-1624: each thread of current's group in turn (only current with __WNOTHREAD)
        const others = options & __WNOTHREAD ? [] : yield* k.fn.thread_walk(k, ctx, me, false, r(1624, F));
        for (const tsk of [me, ...others]) {
          retval = yield* k.fn.do_wait_thread(k, ctx, wo, tsk); // 1614
          if (retval) break;
        }
      }
      if (retval) break; // goto end: tasklist_lock already dropped
      yield readUnlock(k.tasklist_lock, r(1626, F), 'read_unlock(&tasklist_lock)');
    }
    retval = wo.notask_error; // 1629 notask:
    if (retval || options & WNOHANG) break;
    retval = -ERESTARTSYS; // 1631
    if (yield* k.fn.signal_pending(k, ctx, me, F)) break; // 1632
    yield* k.fn.schedule(k, ctx); // 1633
  }
  yield* k.fn.__set_current_state(k, ctx, TASK_RUNNING); // 1638
  yield* k.fn.remove_wait_queue(k, ctx, me.signal.wait_chldexit); // 1639
  return wo.result ?? { ret: retval, status: 0, stopped: false };
}
