/**
 * linux/kill-stopped — SIGKILL from another CPU against a task on its way
 * into a group stop, or already in it (Linux 6.6). SIGKILL cannot be
 * blocked, caught or ignored: whatever the interleaving, the task must die.
 *
 * The job (CPU0) has a SIGTSTP pending at time 0 and takes it on its way
 * back to user mode (get_signal → do_signal_stop → schedule in
 * TASK_STOPPED). Its shell (CPU1) sends SIGKILL at any point of that.
 * complete_signal marks the group exiting and signal_wake_up(fatal) clears
 * JOBCTL_STOPPED and wakes TASK_WAKEKILL sleepers; a SIGKILL that comes
 * first is seen by task_set_jobctl_pending (no stop is started) or, between
 * set_special_state(TASK_STOPPED) and the dequeue, by __schedule's
 * signal_pending_state (TASK_STOPPED includes TASK_WAKEKILL), or the wake
 * finds the job still queued (ttwu_runnable). The shell stays around
 * (pause()) rather than exit, which keeps the search small. A tick per
 * CPU lets one CPU interleave the two (the shell runs first there).
 *
 * Invariants: sigkill-kills (a task whose group SIGKILL marked exiting is
 * dead at the end) with the substrate's.
 *
 * Variant fatal-wake-ignores-stop (a bug put back, known-bugs.ts):
 * signal_wake_up(t, fatal) as a plain wakeup — JOBCTL_STOPPED stays set and
 * TASK_STOPPED is not among the states woken: the stopped job sleeps on
 * with SIGKILL pending.
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { putBack } from '../../kernel/linux/known-bugs.ts';
import { registerSigkillKills } from '../../kernel/linux/signal-invariants.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const TICKS = 1;
const IPIS = 1;

export default defineScenario({
  name: 'linux/kill-stopped',
  summary: 'SIGKILL from another CPU against a task entering or in a group stop: it must die (Linux 6.6)',
  cpus: 2,
  invariants: ['sigkill-kills', 'no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: `${TICKS} scheduler tick and ${IPIS} reschedule IPI per CPU`,
  variants: {
    'linux-6.6': {
      summary: 'the job takes a pending SIGTSTP while the shell sends SIGKILL',
      source:
        'linux-6.6 kernel/signal.c complete_signal, do_signal_stop, get_signal; include/linux/sched/signal.h signal_wake_up',
      expect: [
        { cpus: 1, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'SIGKILL stops the stop before it starts (task_set_jobctl_pending, signal_pending_state) or wakes the TASK_STOPPED job',
        },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'fatal-wake-ignores-stop': {
      summary: 'signal_wake_up(t, fatal) as a plain wakeup: JOBCTL_STOPPED kept, TASK_STOPPED not woken',
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the tick hands the CPU to the job before the shell kills: the job stops, and the SIGKILL wakeup leaves it TASK_STOPPED',
        },
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'SIGKILL after set_special_state(TASK_STOPPED): the job sleeps on with SIGKILL pending',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: TICKS, ipis: IPIS });
    if (variant === 'fatal-wake-ignores-stop') putBack(k, 'fatal-wake-ignores-stop');
    let job = null as unknown as ReturnType<typeof k.spawn>;
    const shell = k.spawn(
      'shell',
      1,
      script(function* (u) {
        yield* u.kill(job, SIG.SIGKILL);
        yield* u.idle();
      }),
    );
    job = k.spawn(
      'job',
      0,
      function* (kk, _me, ctx) {
        yield* kk.fn.exit_to_user_mode(kk, ctx);
      },
      { parent: shell, pending: sigmask(SIG.SIGTSTP) },
    );
    k.finish();
    registerLinuxInvariants(b, k);
    registerSigkillKills(b, k, [job]);
    return b.build();
  },
});
