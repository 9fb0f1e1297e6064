/**
 * linux/stop-cont — a group stop against SIGCONT from another CPU, on the
 * Linux 6.6 substrate. The job (CPU0) has a SIGTSTP pending at time 0 (the
 * terminal's ^Z, sent before the model starts) and is on its way back to
 * user mode, where it takes it (get_signal → do_signal_stop → schedule in
 * TASK_STOPPED; the stop reaches its parent through
 * do_notify_parent_cldstop). Its parent, the shell (CPU1), sends SIGCONT,
 * as `fg` would. SIGCONT is sent after the stop signal, so whatever the
 * interleaving the job must not end stopped.
 *
 * Size: sending the SIGTSTP from the shell as well (and having the job wait
 * for it in pause()) makes 2-CPU exhaustive search take minutes
 * (~280,000 states); starting with it pending keeps every step of the
 * stop/continue race and takes seconds.
 *
 * SIGTSTP (not SIGSTOP) because get_signal drops the siglock around the
 * orphaned-process-group check for every stop signal but SIGSTOP: a SIGCONT
 * can land after the stop signal was dequeued and before do_signal_stop,
 * which is why dequeue_signal marks JOBCTL_STOP_DEQUEUED and SIGCONT clears
 * it with the pending stop.
 *
 * Variants:
 * - linux-6.6: holds.
 * - waitpid: the shell waits for the stop report (do_wait WUNTRACED) before
 *   sending SIGCONT, as a job-control shell does; holds.
 * - sigcont-without-siglock (known bug put back): SIGCONT clears
 *   JOBCTL_STOPPED and wakes the job before taking its siglock. It can
 *   land between do_signal_stop's `jobctl |= JOBCTL_STOPPED` and its
 *   set_special_state(TASK_STOPPED): the wake finds TASK_RUNNING and does
 *   nothing, and the job then stops for good.
 * - sigcont-keeps-stop-pending (known bug put back): prepare_signal(SIGCONT)
 *   does not clear JOBCTL_STOP_PENDING (nor, with it, STOP_DEQUEUED): a
 *   SIGCONT in the siglock gap above no longer cancels the dequeued SIGTSTP,
 *   and the job stops after its SIGCONT.
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { __TASK_STOPPED, WUNTRACED } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { type LinuxBug, putBack } from '../../kernel/linux/known-bugs.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const TICKS = 1;
const IPIS = 1;

const BUGS: readonly LinuxBug[] = ['sigcont-without-siglock', 'sigcont-keeps-stop-pending'];

export default defineScenario({
  name: 'linux/stop-cont',
  summary: 'SIGTSTP then SIGCONT from the parent on another CPU: the job must end continued (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: `${TICKS} scheduler tick and ${IPIS} reschedule IPI per CPU`,
  variants: {
    'linux-6.6': {
      summary: 'the job takes a pending SIGTSTP while the shell sends SIGCONT',
      source: 'linux-6.6 kernel/signal.c prepare_signal, complete_signal, get_signal, do_signal_stop',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    waitpid: {
      summary: 'the shell: waitpid(job, WUNTRACED); kill(job, SIGCONT)',
      source: 'linux-6.6 kernel/exit.c do_wait, wait_task_stopped; kernel/signal.c do_notify_parent_cldstop',
      expect: [
        { cpus: 1, verdict: 'holds' },
        // 2 CPUs: holds, ~100,000 states — minutes with stateful DFS, so it is measured by the bench, not listed here
      ],
    },
    'sigcont-without-siglock': {
      summary: "SIGCONT's JOBCTL_STOPPED clear and wake_up_state before the job's siglock is taken",
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the wake lands between jobctl |= JOBCTL_STOPPED and set_special_state(TASK_STOPPED)',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the tick preempts the job in the same window and the shell runs',
        },
      ],
    },
    'sigcont-keeps-stop-pending': {
      summary: 'prepare_signal(SIGCONT) without t.fn.task_clear_jobctl_pending(t, JOBCTL_STOP_PENDING)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'SIGCONT in the siglock gap of the orphan check leaves STOP_DEQUEUED set: the job stops after it',
        },
        { cpus: 1, verdict: 'holds', why: 'on one CPU the gap needs a preemption inside it; the tick budget is spent elsewhere' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: TICKS, ipis: IPIS });
    for (const bug of BUGS) if (variant === bug) putBack(k, bug);
    let job = null as unknown as ReturnType<typeof k.spawn>;
    const shell = k.spawn('shell', 1, function* (kk, _me, ctx) {
      if (variant === 'waitpid') yield* kk.fn.do_wait(kk, ctx, WUNTRACED, null);
      yield* kk.fn.group_send_sig_info(kk, ctx, SIG.SIGCONT, job);
    });
    job = k.spawn(
      'job',
      0,
      function* (kk, _me, ctx) {
        yield* kk.fn.exit_to_user_mode(kk, ctx);
      },
      { parent: shell, pending: sigmask(SIG.SIGTSTP) },
    );
    k.finish();
    registerLinuxInvariants(b, k, {
      sleepsFor: [{ task: job, states: __TASK_STOPPED, what: 'SIGCONT was sent after the stop signal', holds: () => true }],
    });
    return b.build();
  },
});
