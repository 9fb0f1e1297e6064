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
 *   nothing, and the job then stops for good. The jobctl write without
 *   siglock is itself a lock-discipline breach (jobctl's rule, guards.ts);
 *   the no-lost-wakeup rows check the lost wake alone.
 * - sigcont-keeps-stop-pending (known bug put back): prepare_signal(SIGCONT)
 *   does not clear JOBCTL_STOP_PENDING (nor, with it, STOP_DEQUEUED): a
 *   SIGCONT in the siglock gap above no longer cancels the dequeued SIGTSTP,
 *   and the job stops after its SIGCONT.
 * - wcontinued: the CLD_CONTINUED side. The shell waits with
 *   WUNTRACED | WCONTINUED, as a job-control shell does, and once more if
 *   that returned the stop; a third task (`sender`, queued behind the job on
 *   CPU0, so it runs once the job sleeps in its stop) sends the SIGCONT, as
 *   `kill -CONT` from another terminal would. prepare_signal records the
 *   continue (SIGNAL_STOP_CONTINUED for wait_task_continued,
 *   SIGNAL_CLD_CONTINUED for the job's own report in get_signal, which wakes
 *   the shell), and one of the shell's waits must return it (status
 *   0xffff) — when the SIGCONT found the job stopped: one sent before the
 *   job dequeued its SIGTSTP cancels the stop (a tick can run the sender
 *   first), and nothing is owed. The job stays once continued (pause()):
 *   had it exited before the shell looked, wait_consider_task would reap
 *   the zombie first (kernel/exit.c:1425-1435, WEXITED is always set by
 *   wait4) and the continue would rightly never be reported — 6.6's
 *   behaviour, but not the race these rows are about. Their rows run one timer tick per CPU (both
 *   CPUs run kernel code with irqs on) and no reschedule IPIs (an IPI budget
 *   of 0: a wakee waits for its CPU's tick or its next schedule); the 2-CPU
 *   search with ticks is long (bench), so the table also keeps the one
 *   without them. Holds.
 * - cld-continued-not-notified (a bug put back): get_signal consumes
 *   SIGNAL_CLD_CONTINUED but does not call do_notify_parent_cldstop: a shell
 *   already asleep in its wait is never woken.
 * - sigcont-no-stop-continued (a bug put back): prepare_signal(SIGCONT)
 *   sets the CLD flag without SIGNAL_STOP_CONTINUED: the shell is woken,
 *   but wait_task_continued finds nothing to report.
 * - stop-flags-ored (a bug put back): signal_set_stop_flags ORs the new
 *   flags in instead of replacing SIGNAL_STOP_MASK: the SIGCONT leaves the
 *   group marked both stopped and continued (stop-flags).
 *
 * Invariants besides the substrate's: stop-flags (the job's
 * signal->flags say one thing at a time); for the wcontinued variants,
 * continue-reported (when the SIGCONT found the job stopped or stopping —
 * prepare_signal's `why`, kept in a ghost by k.watchContinue — the shell's
 * WCONTINUED wait returned the continue)
 * and a sleep condition for the shell (asleep in that wait while a
 * continue is ready to report is a lost wakeup).
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { __TASK_STOPPED, SIGNAL_STOP_CONTINUED, TASK_INTERRUPTIBLE, WCONTINUED, WUNTRACED } from '../../kernel/linux/consts.ts';
import { CONTINUED_STATUS } from '../../kernel/linux/exit-wait.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { type LinuxBug, putBack } from '../../kernel/linux/known-bugs.ts';
import { registerStopFlags } from '../../kernel/linux/signal-invariants.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const TICKS = 1;
const IPIS = 1;

const BUGS: readonly LinuxBug[] = [
  'sigcont-without-siglock',
  'sigcont-keeps-stop-pending',
  'cld-continued-not-notified',
  'sigcont-no-stop-continued',
  'stop-flags-ored',
];
/** the variants whose shell waits for the continue (WUNTRACED | WCONTINUED) after its SIGCONT */
const WCONT = new Set(['wcontinued', 'cld-continued-not-notified', 'sigcont-no-stop-continued']);
/** their rows' interrupt budgets: one tick per CPU, no reschedule IPIs (see the header) */
const TICK_1 = { 'ipi@cpu0': 0 } as const;
const TICK_2 = { 'ipi@cpuN': 0 } as const;
/** no interrupts at all: the 2-CPU wcontinued row the suite can afford */
const NO_IRQ_2 = { 'tick@cpuN': 0, 'ipi@cpuN': 0 } as const;

export default defineScenario({
  name: 'linux/stop-cont',
  summary: 'SIGTSTP then SIGCONT from the parent on another CPU: the job must end continued (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'stop-flags', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
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
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'sigcont-without-siglock': {
      summary: "SIGCONT's JOBCTL_STOPPED clear and wake_up_state before the job's siglock is taken",
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'lock-discipline',
          why: 'the JOBCTL_STOPPED clear is a jobctl write without the siglock that protects jobctl (include/linux/sched.h)',
        },
        {
          cpus: 2,
          only: ['no-lost-wakeup'],
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'what it leads to: the wake lands between jobctl |= JOBCTL_STOPPED and set_special_state(TASK_STOPPED)',
        },
        {
          cpus: 1,
          only: ['no-lost-wakeup'],
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
    wcontinued: {
      summary: 'the shell: waitpid(job, WUNTRACED | WCONTINUED), again after the stop — a third task: kill(job, SIGCONT)',
      source:
        'linux-6.6 kernel/exit.c:1328-1369 wait_task_continued; kernel/signal.c:959-972 prepare_signal, 2691-2717 get_signal',
      expect: [
        { cpus: 1, irq: TICK_1, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_2,
          verdict: 'holds',
          long: true,
          why: 'SIGNAL_STOP_CONTINUED is set under the siglock with the wake; the job reports CLD_CONTINUED, and the shell’s wait returns status 0xffff (auto: 7.5M states)',
        },
        {
          cpus: 2,
          irq: NO_IRQ_2,
          verdict: 'holds',
          why: 'the row with ticks is long (7.5M states); without interrupts the sender runs only once the job sleeps in its stop, and the continue race on two CPUs is kept',
        },
        {
          cpus: 2,
          irq: NO_IRQ_2,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO, no interrupts: 1.26M states, 2.6× the same search on sc (480k). No tick: on sc the search with one each is already 5.7 M states (the long row above)',
        },
      ],
    },
    'cld-continued-not-notified': {
      summary: 'get_signal clears SIGNAL_CLD_CONTINUED without do_notify_parent_cldstop(current, false, CLD_CONTINUED)',
      expect: [
        {
          cpus: 1,
          irq: TICK_1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'with the tick the shell sleeps in its wait after the job stopped and before the sender runs; the job’s report of the continue then never wakes it',
        },
        {
          cpus: 2,
          irq: TICK_2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the shell waits before SIGNAL_STOP_CONTINUED is seen, and the job’s report never wakes it',
        },
      ],
    },
    'sigcont-no-stop-continued': {
      summary: 'prepare_signal(SIGCONT) sets SIGNAL_CLD_CONTINUED without SIGNAL_STOP_CONTINUED',
      expect: [
        {
          cpus: 1,
          irq: TICK_1,
          verdict: 'violated',
          invariant: 'continue-reported',
          why: 'the shell is woken by the report, but wait_task_continued finds no SIGNAL_STOP_CONTINUED',
        },
        {
          cpus: 2,
          irq: TICK_2,
          verdict: 'violated',
          invariant: 'continue-reported',
          why: 'the shell is woken by the report, but wait_task_continued finds no SIGNAL_STOP_CONTINUED',
        },
      ],
    },
    'stop-flags-ored': {
      summary: 'signal_set_stop_flags ORs the new flags in instead of replacing SIGNAL_STOP_MASK',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'stop-flags',
          why: 'prepare_signal(SIGCONT) adds SIGNAL_STOP_CONTINUED to a group still marked SIGNAL_STOP_STOPPED',
        },
        { cpus: 1, verdict: 'violated', invariant: 'stop-flags', why: 'as on two CPUs: no race is needed' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: TICKS, ipis: IPIS });
    for (const bug of BUGS) if (variant === bug) putBack(k, bug);
    const wcont = WCONT.has(variant);
    // ghost (wcontinued variants only): what the shell's waits returned — 0: not yet, 1: the stop, 2: the continue
    const got = wcont ? b.layout.ghost('ghost.shell_got', 0, (v) => ['nothing', 'the stop', 'the continue'][v] ?? String(v)) : -1;
    let job = null as unknown as ReturnType<typeof k.spawn>;
    const shell = k.spawn('shell', 1, function* (kk, _me, ctx) {
      if (wcont) {
        for (let i = 0; i < 2; i++) {
          const st = yield* kk.fn.do_wait(kk, ctx, WUNTRACED | WCONTINUED, null);
          const cont = st.status === CONTINUED_STATUS;
          ctx.ghost.set(got, cont ? 2 : 1);
          if (cont || !st.stopped) break;
        }
        return;
      }
      if (variant === 'waitpid') yield* kk.fn.do_wait(kk, ctx, WUNTRACED, null);
      yield* kk.fn.group_send_sig_info(kk, ctx, SIG.SIGCONT, job);
    });
    job = k.spawn(
      'job',
      0,
      function* (kk, _me, ctx) {
        yield* kk.fn.exit_to_user_mode(kk, ctx);
        // with WCONTINUED waits, the job stays once continued (pause()): see the header
        if (wcont) yield* kk.fn.sys_pause(kk, ctx);
      },
      { parent: shell, pending: sigmask(SIG.SIGTSTP) },
    );
    const owed = wcont ? k.watchContinue(job) : -1;
    if (wcont) {
      k.spawn(
        'sender',
        0,
        script(function* (u) {
          yield* u.kill(job, SIG.SIGCONT);
          yield* u.idle();
        }),
      );
    }
    k.finish();
    registerLinuxInvariants(b, k, {
      sleepsFor: [
        { task: job, states: __TASK_STOPPED, what: 'SIGCONT was sent after the stop signal', holds: () => true },
        {
          task: shell,
          states: TASK_INTERRUPTIBLE,
          what: 'a continue of the job is ready for its WCONTINUED wait',
          holds: (m) => wcont && m[got] !== 2 && ((m[job.signal.flags] as number) & SIGNAL_STOP_CONTINUED) !== 0,
        },
      ],
    });
    registerStopFlags(b, k, [job]);
    if (wcont) {
      // a continue is owed to the parent only when the SIGCONT found the group stopped or stopping
      // (prepare_signal's `why`, signal.c:959-972); one that came before the stop cancels it, and there
      // is nothing to report
      b.atEnd({
        name: 'continue-reported',
        check: (w) => {
          const why = w.mem[owed] as number;
          const flags = w.mem[job.signal.flags] as number;
          return why !== 0 && w.mem[got] !== 2
            ? `the SIGCONT found the job stopped (why = ${w.layout.format(owed, why)}), but no waitpid(WUNTRACED | WCONTINUED) of the shell returned the continue (they returned ${w.layout.format(got, w.mem[got] as number)}; the job's signal->flags: ${w.layout.format(job.signal.flags, flags)})`
            : null;
        },
      });
    }
    return b.build();
  },
});
