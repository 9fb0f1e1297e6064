/**
 * linux/group-stop — a SIGSTOP to a process of two threads (Linux 6.6). The
 * stop is pending in the shared set at time 0 (sent before the model
 * starts; complete_signal picked the leader L, on its way back to user
 * mode). L takes it in get_signal: do_signal_stop starts the group stop,
 * counts itself and the other thread T (JOBCTL_STOP_PENDING, signal_wake_up
 * out of pause()), and stops. T stops on its way back to user mode; whichever thread stops last completes the group stop
 * (task_participate_group_stop: SIGNAL_STOP_STOPPED) and notifies the
 * parent, the shell, asleep in waitpid(L, WUNTRACED) on another CPU.
 * Variant count-tested-first, an invented bug: task_participate_group_stop
 * tests group_stop_count before decrementing it — no thread completes the
 * stop, and the shell sleeps although both threads are stopped.
 *
 * Variant parent-exits: L alone (no other thread), and the shell exits
 * instead of waiting. do_signal_stop tells the parent under
 * read_lock(&tasklist_lock) (signal.c:2503-2505): do_notify_parent_cldstop
 * reads tsk->group_leader->real_parent and sends it SIGCHLD and a wakeup
 * (2176-2224), while the shell's exit_notify hands L to init under the
 * write side (forget_original_parent, exit.c:688-721; after it the shell
 * can be released and freed). The lock keeps the parent it read L's parent
 * for the whole notification. parent-kept (checked on each step): from the
 * load of L->real_parent to the end of the notification, L->real_parent is
 * still the shell (a ghost marks the notification, written by the steps
 * that begin and end it). Variant notify-unlocked (a bug put back):
 * do_signal_stop without that read_lock: the shell's exit runs between the
 * load and the SIGCHLD, which goes to a task that is no longer L's parent.
 *
 * Variant continued-parent-exits: the CLD_CONTINUED side of parent-exits.
 * A third task, the sender (queued behind L on CPU0, so it runs once L
 * sleeps in its stop), sends SIGCONT: prepare_signal sets
 * SIGNAL_CLD_CONTINUED (signal.c:959-972) and wakes L, which leaves
 * do_signal_stop's schedule, goes back to relock in get_signal and tells
 * its parent under read_lock(&tasklist_lock) (2691-2717), while the shell
 * exits. parent-kept covers that notification as it covers the stop's.
 * Variant continued-notify-unlocked (a bug put back): get_signal's own
 * read_lock and read_unlock around that notification dropped
 * (do_signal_stop keeps its own): the shell's exit runs between the load of
 * L->real_parent and the CLD_CONTINUED SIGCHLD.
 */
import { load, type Program, rmw } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import {
  CLD_CONTINUED,
  JOBCTL_STOP_CONSUME,
  JOBCTL_STOP_PENDING,
  JOBCTL_STOPPED,
  SIGNAL_STOP_STOPPED,
  WUNTRACED,
} from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants, sleepsWhile } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { ModelDef } from '../../model/types.ts';
import { withoutReadLock } from './tasklist-unlocked.ts';

/** the shell stays L's parent while L tells it of the stop (see the header) */
const PARENT_KEPT = 'parent-kept';
/** the variants where the shell exits while L stops (and, for the continued ones, is continued) */
const PARENT_EXITS = new Set(['parent-exits', 'notify-unlocked', 'continued-parent-exits', 'continued-notify-unlocked']);
const CONTINUED = new Set(['continued-parent-exits', 'continued-notify-unlocked']);

export default defineScenario({
  name: 'linux/group-stop',
  summary: 'SIGSTOP to a process of two threads: both stop, and the parent waiting for the stop is told (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition', PARENT_KEPT],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'L returns to user mode with SIGSTOP shared-pending, T sleeps in pause(); the shell: waitpid(L, WUNTRACED)',
      source:
        'linux-6.6 kernel/signal.c:367-391 task_participate_group_stop, 2417-2520 do_signal_stop; kernel/exit.c:1256 wait_task_stopped',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'count-tested-first': {
      summary: 'task_participate_group_stop: if (!sig->group_stop_count) tested before sig->group_stop_count--',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the count reaches 0 after the last test: nobody sets SIGNAL_STOP_STOPPED',
        },
        { cpus: 1, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'the same on one CPU: the bug needs no race' },
      ],
    },
    'parent-exits': {
      summary: 'L alone returns to user mode with SIGSTOP shared-pending; the shell exits',
      source:
        'linux-6.6 kernel/signal.c:2176-2224 do_notify_parent_cldstop, 2503-2505 do_signal_stop; kernel/exit.c:688-721 forget_original_parent',
      expect: [
        { cpus: 1, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'the shell’s exit_notify comes before L’s read_lock (L tells init, outside the model) or after its read_unlock (98 executions)',
        },
      ],
    },
    'notify-unlocked': {
      summary: 'do_signal_stop without read_lock(&tasklist_lock) around do_notify_parent_cldstop',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: PARENT_KEPT,
          why: 'L reads L->real_parent (the shell), the shell’s exit_notify hands L to init, L sends SIGCHLD to the shell (37 executions)',
        },
      ],
    },
    'continued-parent-exits': {
      summary: 'L alone stops on a shared-pending SIGSTOP; a third task sends SIGCONT; the shell exits',
      source:
        'linux-6.6 kernel/signal.c:959-972 prepare_signal, 2691-2717 get_signal, 2176-2224 do_notify_parent_cldstop; kernel/exit.c:688-721 forget_original_parent',
      expect: [
        { cpus: 1, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'the shell’s exit_notify comes before L’s read_lock in get_signal or after its read_unlock (7815 executions)',
        },
      ],
    },
    'continued-notify-unlocked': {
      summary: 'get_signal without read_lock(&tasklist_lock) around do_notify_parent_cldstop(current, false, CLD_CONTINUED)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: PARENT_KEPT,
          why: 'L reads L->real_parent (the shell) for its CLD_CONTINUED report, the shell’s exit_notify hands L to init, L sends SIGCHLD to the shell (106 executions)',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'count-tested-first') {
      k.override('task_participate_group_stop', function* (k, ctx, task): Program<boolean> {
        const [jobctl, count] = [task.jobctl, task.signal.group_stop_count];
        const j: number = yield load(jobctl, here`task_participate_group_stop`, 'consume = task->jobctl & JOBCTL_STOP_CONSUME');
        yield* k.fn.task_clear_jobctl_pending(k, ctx, task, JOBCTL_STOP_PENDING);
        if (!(j & JOBCTL_STOP_CONSUME)) return false;
        const n: number = yield load(count, here`task_participate_group_stop`, 'last = !sig->group_stop_count');
        yield rmw(count, (c) => c - 1, here`task_participate_group_stop`, 'sig->group_stop_count--');
        if (n === 0) yield* k.fn.signal_set_stop_flags(k, ctx, task, SIGNAL_STOP_STOPPED, here`task_participate_group_stop`);
        return n === 0;
      });
    }
    if (variant === 'notify-unlocked') {
      k.override('do_signal_stop', (kk, ctx, signr) => withoutReadLock(kk.tasklist_lock, kk.base.do_signal_stop(kk, ctx, signr)));
    }
    if (variant === 'continued-notify-unlocked') {
      k.override('get_signal', (kk, ctx) => withoutReadLock(kk.tasklist_lock, kk.base.get_signal(kk, ctx), 'get_signal'));
    }
    if (PARENT_EXITS.has(variant)) return parentExits(b, k, CONTINUED.has(variant));
    let leader = null as unknown as LinuxTask;
    const waits = script(function* (u) {
      yield* u.waitpid(leader, WUNTRACED);
      yield* u.idle();
    });
    const shell = k.spawn('shell', 1, waits);
    const [toUser, pause] = [script((u) => u.returnToUser()), script((u) => u.pause())];
    leader = k.spawn('L', 0, toUser, { parent: shell, sharedPending: sigmask(SIG.SIGSTOP) });
    const t = k.spawn('T', 1, pause, { threadOf: leader });
    k.finish();
    const stopped = (m: ArrayLike<number>) => [leader, t].every((x) => (m[x.jobctl] as number) & JOBCTL_STOPPED);
    const unreported = (m: ArrayLike<number>) => stopped(m) && m[leader.signal.group_exit_code] !== 0;
    registerLinuxInvariants(b, k, { sleepsFor: [sleepsWhile(shell, 'both threads are stopped and unreported', unreported)] });
    return b.build();
  },
});

/** Variants parent-exits, notify-unlocked and their continued ones: L alone stops (and, with `continued`, is sent SIGCONT) while the shell exits (see the header). */
function parentExits(b: ModelBuilder, k: LinuxKernel, continued: boolean): ModelDef {
  const shell = k.spawn(
    'shell',
    1,
    script((u) => u.exitGroup(0)),
  );
  const leader = k.spawn(
    'L',
    0,
    script((u) => u.returnToUser()),
    { parent: shell, sharedPending: sigmask(SIG.SIGSTOP) },
  );
  if (continued) {
    k.spawn(
      'sender',
      0,
      script(function* (u) {
        yield* u.kill(leader, SIG.SIGCONT);
        yield* u.idle();
      }),
    );
  }
  // ghost: from the step that loads L's parent for a notification to the shell to the step that ends it,
  // 1 (CLD_STOPPED) or 2 (CLD_CONTINUED); else 0
  const telling = b.layout.ghost('ghost.L.telling_shell', 0);
  k.override('do_notify_parent_cldstop', function* (kk, ctx, tsk, forPtracer, why): Program<void> {
    const run = kk.base.do_notify_parent_cldstop(kk, ctx, tsk, forPtracer, why);
    let r = run.next();
    let first = !forPtracer;
    let open = false;
    while (!r.done) {
      const v = yield r.value;
      if (first && v === shell.id) {
        ctx.ghost.set(telling, why === CLD_CONTINUED ? 2 : 1);
        open = true;
      }
      first = false;
      r = run.next(v);
    }
    if (open) ctx.ghost.set(telling, 0);
  });
  setupPtrace(k);
  k.finish();
  registerLinuxInvariants(b, k);
  const cells = [telling, leader.real_parent];
  b.invariant({
    name: PARENT_KEPT,
    watch: cells,
    reads: cells,
    check: (w) =>
      w.mem[telling] && w.mem[leader.real_parent] !== shell.id
        ? `the shell’s exit handed L to init while L was telling the shell of its ${w.mem[telling] === 2 ? 'continue' : 'stop'}: the SIGCHLD goes to a task that is no longer its parent`
        : null,
  });
  return b.build();
}
