/**
 * The shared kernel objects of the Linux 6.6 model, as memory cells. Every
 * field a path reads or writes concurrently is its own cell, named
 * `<task>.<field>` as in the C struct, so traces read like the source.
 *
 * Abstracted: a thread group is one task (signal_struct and sighand_struct
 * belong to one task each; `shared_pending` is still separate from the
 * per-thread `pending`); sighand->action is fixed per task when the model is
 * built (no sigaction calls), so it is configuration, not a cell; pids are
 * task ids.
 */
import { bitsFormatter, decimal, type Formatter, type MemoryLayout } from '../../cpu/memory.ts';
import { sigsetFormatter } from '../common/bits.ts';
import { fifoFormatter } from '../common/fifo.ts';
import {
  exitStateFormatter,
  jobctlFormatter,
  ptraceFormatter,
  signalFlagsFormatter,
  stateFormatter,
  TASK_RUNNING,
  TIF_SIGPENDING,
  tifFormatter,
} from './consts.ts';

/** A wait queue head: its lock and its list of entries (one per task). */
export interface WaitQueueHead {
  readonly name: string;
  /** wait_queue_head_t.lock */
  readonly lock: number;
  /** the entries in list order (src/kernel/common/fifo.ts; the flag is WQ_FLAG_EXCLUSIVE), read and written under `lock` */
  readonly head: number;
  /**
   * The wake function of the entries (wait_queue_entry->func): `autoremove`
   * for DEFINE_WAIT entries (prepare_to_wait), `child_wait` for do_wait's
   * child_wait_callback, `wake_bit` for a bit waitqueue's entries
   * (wait_on_bit). One kind per queue: no model mixes them.
   */
  readonly func: 'autoremove' | 'child_wait' | 'wake_bit';
  /** a bit waitqueue's key: the word (a cell) and the bit (a mask) its waiters wait on */
  readonly bit?: { readonly word: number; readonly mask: number };
}

/**
 * struct signal_struct (the fields job control and thread groups use) —
 * include/linux/sched/signal.h:93. Shared by the threads of a group.
 */
export interface SignalStruct {
  readonly flags: number;
  readonly group_stop_count: number;
  readonly group_exit_code: number;
  readonly shared_pending: number;
  /** signal->wait_chldexit: where do_wait sleeps */
  readonly wait_chldexit: WaitQueueHead;
  /** signal->curr_target: the thread complete_signal tries first (task id) */
  readonly curr_target: number;
  /** signal->nr_threads */
  readonly nr_threads: number;
  /** the group's thread list (signal->thread_head) as the set of its live threads, changed under siglock and tasklist_lock */
  readonly thread_list: number;
  /** signal->notify_count: the threads de_thread still waits for */
  readonly notify_count: number;
  /** signal->group_exec_task: the thread in de_thread (task id), or -1 */
  readonly group_exec_task: number;
}

/** What a task does on a signal (sighand->action[sig-1].sa_handler), fixed for a model. */
export type SigAction = 'default' | 'ignore' | 'handler';

/** struct task_struct, the fields the paths touch — include/linux/sched.h:743 */
export interface LinuxTask {
  readonly id: number;
  readonly name: string;
  readonly idle: boolean;
  /** p->group_leader (task id; the leader's own id for a leader) */
  readonly group_leader: number;
  /** p->__state */
  readonly state: number;
  readonly on_rq: number;
  readonly on_cpu: number;
  /** task_cpu(p): p->thread_info.cpu, written by set_task_cpu */
  readonly cpu: number;
  readonly pi_lock: number;
  readonly jobctl: number;
  readonly ptrace: number;
  readonly exit_code: number;
  readonly exit_state: number;
  /** task ids (-1: a task outside the model, init) */
  readonly parent: number;
  readonly real_parent: number;
  /** p->pending.signal */
  readonly pending: number;
  /** p->blocked */
  readonly blocked: number;
  /** p->wake_q.next: 1 while some waker's wake_q holds p */
  readonly wake_q: number;
  /** p->task_works: the ids of the works queued on p, newest first (task-work.ts) */
  readonly task_works: number;
  /** thread_info flags: TIF_SIGPENDING, TIF_NEED_RESCHED */
  readonly tif: number;
  readonly signal: SignalStruct;
  /** sighand->siglock */
  readonly siglock: number;
  readonly actions: Readonly<Record<number, SigAction>>;
}

/** struct rq, per CPU — kernel/sched/sched.h:957 */
export interface Runqueue {
  readonly cpu: number;
  /** rq->__lock */
  readonly lock: number;
  /** the tasks enqueued on this runqueue (cfs_rq tasks, the running one included), a bitmask */
  readonly queued: number;
  readonly nr_running: number;
  /** rq->curr (task id) */
  readonly curr: number;
  /**
   * The `last` operand of switch_to(prev, next, last): who ran before the
   * task that has just been switched in. Hardware passes it in a register;
   * here it is a cell written before the switch and read right after it,
   * both under rq->lock.
   */
  readonly last: number;
  /** the idle task's id */
  readonly idle: number;
  /** a reschedule IPI sent to this CPU and not yet taken (smp_send_reschedule) */
  readonly ipi: number;
  /** the wake-list path's cells, with LinuxOptions.ttwuQueue (sched_feat(TTWU_QUEUE)) */
  readonly ttwu?: WakeList;
}

/** A CPU's call_single_queue as the wake-list path uses it (kernel/smp.c, kernel/sched/core.c:3874-4012). */
export interface WakeList {
  /** per_cpu(call_single_queue): the tasks queued for this CPU to activate, in the order it will (llist_reverse_order) */
  readonly wake_list: number;
  /** rq->ttwu_pending */
  readonly ttwu_pending: number;
  /** a call-function IPI sent to this CPU and not yet taken (arch_send_call_function_single_ipi) */
  readonly csd_ipi: number;
}

export interface TaskCellInit {
  readonly id: number;
  readonly name: string;
  readonly idle: boolean;
  readonly cpu: number;
  readonly onRq: number;
  readonly onCpu: number;
  readonly parent: number;
  readonly blocked: number;
  readonly pending: number;
  /** signal->shared_pending at time 0 (a leader's) */
  readonly sharedPending?: number;
  readonly actions: Readonly<Record<number, SigAction>>;
  /** a thread of this leader's group: it shares the leader's signal_struct and sighand */
  readonly threadOf?: LinuxTask;
}

export function waitQueueHead(
  layout: MemoryLayout,
  name: string,
  nameOf: (task: number) => string,
  func: WaitQueueHead['func'] = 'autoremove',
  bit?: WaitQueueHead['bit'],
): WaitQueueHead {
  const head = layout.cell(`${name}.head`, 0, fifoFormatter(nameOf, 'excl'));
  return { name, lock: layout.spinlock(`${name}.lock`), head, func, ...(bit ? { bit } : {}) };
}

const taskId =
  (nameOf: (id: number) => string): Formatter =>
  (v) =>
    v < 0 ? 'init' : nameOf(v);

export function allocTask(
  layout: MemoryLayout,
  t: TaskCellInit,
  nameOf: (id: number) => string,
  stateFmt: Formatter = stateFormatter,
): LinuxTask {
  const n = t.name;
  const c = (field: string, init = 0, fmt: Formatter = decimal) => layout.cell(`${n}.${field}`, init, fmt);
  return {
    id: t.id,
    name: n,
    idle: t.idle,
    state: c('__state', TASK_RUNNING, stateFmt),
    on_rq: c('on_rq', t.onRq),
    on_cpu: c('on_cpu', t.onCpu),
    cpu: c('cpu', t.cpu),
    pi_lock: layout.spinlock(`${n}.pi_lock`),
    jobctl: c('jobctl', 0, jobctlFormatter),
    ptrace: c('ptrace', 0, ptraceFormatter),
    exit_code: c('exit_code'),
    exit_state: c('exit_state', 0, exitStateFormatter),
    parent: c('parent', t.parent, taskId(nameOf)),
    real_parent: c('real_parent', t.parent, taskId(nameOf)),
    pending: c('pending', t.pending, sigsetFormatter),
    blocked: c('blocked', t.blocked, sigsetFormatter),
    wake_q: c('wake_q'),
    task_works: c(
      'task_works',
      0,
      fifoFormatter((w) => `work${w}`),
    ),
    tif: c('tif', (t.pending | (t.sharedPending ?? 0)) & ~t.blocked ? TIF_SIGPENDING : 0, tifFormatter),
    group_leader: t.threadOf?.id ?? t.id,
    signal: t.threadOf?.signal ?? {
      flags: c('signal.flags', 0, signalFlagsFormatter),
      group_stop_count: c('signal.group_stop_count'),
      group_exit_code: c('signal.group_exit_code'),
      shared_pending: c('signal.shared_pending', t.sharedPending ?? 0, sigsetFormatter),
      wait_chldexit: waitQueueHead(layout, `${n}.signal.wait_chldexit`, nameOf, 'child_wait'),
      curr_target: c('signal.curr_target', t.id, taskId(nameOf)),
      nr_threads: c('signal.nr_threads', 1),
      thread_list: c('signal.thread_list', 1 << t.id, bitsFormatter(nameOf)),
      notify_count: c('signal.notify_count'),
      group_exec_task: c('signal.group_exec_task', -1, (v) => (v < 0 ? 'NULL' : nameOf(v))),
    },
    siglock: t.threadOf?.siglock ?? layout.spinlock(`${n}.sighand.siglock`),
    actions: t.threadOf?.actions ?? t.actions,
  };
}

export function allocRunqueue(
  layout: MemoryLayout,
  cpu: number,
  queued: number,
  curr: number,
  idle: number,
  nameOf: (id: number) => string,
  wakeList = false,
): Runqueue {
  const tasks = bitsFormatter(nameOf);
  const one = (v: number) => (v < 0 ? '-' : nameOf(v));
  let n = 0;
  for (let b = 0; b < 31; b++) if (queued & (1 << b)) n++;
  return {
    cpu,
    lock: layout.spinlock(`rq${cpu}.lock`),
    queued: layout.cell(`rq${cpu}.queued`, queued, tasks),
    nr_running: layout.cell(`rq${cpu}.nr_running`, n),
    curr: layout.cell(`rq${cpu}.curr`, curr, one),
    last: layout.cell(`rq${cpu}.last`, -1, one),
    idle,
    ipi: layout.cell(`cpu${cpu}.ipi_pending`, 0),
    ...(wakeList
      ? {
          ttwu: {
            wake_list: layout.cell(`cpu${cpu}.call_single_queue`, 0, fifoFormatter(nameOf)),
            ttwu_pending: layout.cell(`rq${cpu}.ttwu_pending`),
            csd_ipi: layout.cell(`cpu${cpu}.call_function_ipi_pending`),
          },
        }
      : {}),
  };
}
