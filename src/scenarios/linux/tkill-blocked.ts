/**
 * linux/tkill-blocked — a thread-directed SIGTERM (tgkill(2): do_tkill →
 * do_send_specific → do_send_sig_info(sig, info, p, PIDTYPE_PID)) to a
 * thread that blocks it, in a process of two threads (Linux 6.6). SIGTERM
 * has no handler: its default action kills the whole group.
 *
 * The signal goes on A's own pending set (__send_signal_locked:
 * `pending = (type != PIDTYPE_PID) ? &t->signal->shared_pending :
 * &t->pending`). complete_signal finds that A does not want it (blocked,
 * wants_signal, signal.c:989) and, since the signal is for A alone, stops
 * there (signal.c:1016-1021: `else if ((type == PIDTYPE_PID) ||
 * thread_group_empty(p)) return;`): B is not asked, and the group exit of
 * signal.c:1043-1067 (a fatal signal to a thread that wants it) is not
 * started. The SIGTERM waits in A's set until A unblocks it; B never
 * takes it (its dequeue reads its own and the shared set).
 *
 * A starts with SIGTERM blocked (its initial mask, as set before the
 * scenario begins: a sigprocmask raced by the signal would let A want it,
 * and then the group exit is right), and sleeps in pause(); B sleeps in
 * pause(); S, another process, sends the signal.
 *
 * Variant tkill-as-kill (an invented bug): complete_signal is called as
 * for a process-directed signal (PIDTYPE_TGID): it looks for another
 * thread, finds B, and, the signal being fatal, kills the group although
 * the only thread it was sent to blocks it.
 */
import { sigmask } from '../../kernel/common/bits.ts';
import { SIGNAL_GROUP_EXIT } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { PIDTYPE_PID, PIDTYPE_TGID } from '../../kernel/linux/signal.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const BLOCKED_TKILL = 'blocked-tkill-kills-nobody';
/** include/uapi/asm-generic/signal.h: SIGTERM 15 (default action: terminate, no core dump; not in the model's SIG table) */
const SIGTERM = 15;

export default defineScenario({
  name: 'linux/tkill-blocked',
  summary: 'tgkill(SIGTERM) to a thread that blocks it, in a two-thread process: nobody dies (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition', BLOCKED_TKILL],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'A (SIGTERM blocked): pause() — B: pause() — S: tgkill(A, SIGTERM)',
      source:
        'linux-6.6 kernel/signal.c do_send_specific (do_send_sig_info(sig, info, p, PIDTYPE_PID)), 1004-1021 complete_signal, 1043-1067',
      expect: [
        { cpus: 1, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'complete_signal returns at signal.c:1016-1021 for a PIDTYPE_PID signal its target blocks: B is never picked',
        },
      ],
    },
    'tkill-as-kill': {
      summary: 'complete_signal called with PIDTYPE_TGID for the thread-directed signal',
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: BLOCKED_TKILL,
          why: 'complete_signal walks on to B, which wants SIGTERM, and starts the group exit',
        },
        { cpus: 2, verdict: 'violated', invariant: BLOCKED_TKILL, why: 'as on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'tkill-as-kill') {
      k.override('complete_signal', (kk, ctx, sig, p, _type) => kk.base.complete_signal(kk, ctx, sig, p, PIDTYPE_TGID));
    }
    const a = k.spawn(
      'A',
      0,
      script((u) => u.idle()),
      { blocked: sigmask(SIGTERM) },
    );
    k.spawn(
      'B',
      1,
      script((u) => u.idle()),
      { threadOf: a },
    );
    k.spawn(
      'S',
      1,
      script(function* (u) {
        yield* u.k.fn.syscall_enter_from_user_mode(u.k, u.ctx);
        // kernel/signal.c do_tkill → do_send_specific: do_send_sig_info(sig, info, p, PIDTYPE_PID)
        yield* u.k.fn.do_send_sig_info(u.k, u.ctx, SIGTERM, a, PIDTYPE_PID);
        yield* u.k.fn.exit_to_user_mode(u.k, u.ctx);
      }),
    );
    k.finish();
    registerLinuxInvariants(b, k);
    b.invariant({
      name: BLOCKED_TKILL,
      watch: [a.signal.flags],
      reads: [a.signal.flags, a.blocked],
      check: (w) =>
        w.mem[a.signal.flags]! & SIGNAL_GROUP_EXIT && w.mem[a.blocked]! & sigmask(SIGTERM)
          ? 'the group exit started for a SIGTERM sent to A alone, which blocks it'
          : null,
    });
    return b.build();
  },
});
