/**
 * linux/stop-parent-exits — a process stops (and is continued) while its
 * parent exits (Linux 6.6): the notifications to the parent are sent under
 * read_lock(&tasklist_lock), against the exiting parent's
 * forget_original_parent under the write side.
 *
 * Variant parent-exits: L, a process of one thread, returns to user mode
 * with SIGSTOP shared-pending (as in linux/group-stop), and its parent, the
 * shell, exits instead of waiting. do_signal_stop tells the parent under
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
import type { Program } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { CLD_CONTINUED } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import type { ModelDef } from '../../model/types.ts';
import { withoutReadLock } from './tasklist-unlocked.ts';

/** the shell stays L's parent while L tells it of the stop (see the header) */
const PARENT_KEPT = 'parent-kept';
const CONTINUED = new Set(['continued-parent-exits', 'continued-notify-unlocked']);

export default defineScenario({
  name: 'linux/stop-parent-exits',
  summary:
    'a process stops on SIGSTOP (and is sent SIGCONT) while its parent exits: is the SIGCHLD sent to its parent? (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition', PARENT_KEPT],
  bounds: '1 scheduler tick per CPU',
  variants: {
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
    if (variant === 'notify-unlocked') {
      k.override('do_signal_stop', (kk, ctx, signr) => withoutReadLock(kk.tasklist_lock, kk.base.do_signal_stop(kk, ctx, signr)));
    }
    if (variant === 'continued-notify-unlocked') {
      k.override('get_signal', (kk, ctx) => withoutReadLock(kk.tasklist_lock, kk.base.get_signal(kk, ctx), 'get_signal'));
    }
    return parentExits(b, k, CONTINUED.has(variant));
  },
});

/** Every variant: L alone stops (and, with `continued`, is sent SIGCONT) while the shell exits (see the header). */
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
