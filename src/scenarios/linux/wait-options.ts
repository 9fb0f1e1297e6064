/**
 * linux/wait-options — a parent in waitpid(C, &status, 0) while its child
 * C stops and is continued, then exits (Linux 6.6). C starts with a SIGTSTP
 * pending (the terminal's ^Z, sent before the model starts) and takes it on
 * its way back to user mode: it stops (do_signal_stop), and its report
 * wakes P (do_notify_parent_cldstop → __wake_up_parent). S, queued behind
 * C on CPU0, sends SIGCONT once C sleeps in its stop; C reports the continue
 * (get_signal → do_notify_parent_cldstop(CLD_CONTINUED)), which wakes P
 * again, then exits, and exit_notify wakes P a third time.
 *
 * P asked neither for stops (WUNTRACED) nor for continues (WCONTINUED):
 * each wake before the exit must find nothing to report — wait_task_stopped
 * returns at "if (!ptrace && !(wo->wo_flags & WUNTRACED)) return 0"
 * (kernel/exit.c:1267-1268), wait_task_continued at "if
 * (!unlikely(wo->wo_flags & WCONTINUED)) return 0" (1334-1335) — and P goes
 * back to sleep, until C is a zombie and P reaps it.
 *
 * - wait-reports-asked (terminal): P's waitpid returned C's pid with the
 *   status of its exit (0), never a stop ((sig << 8) | 0x7f) nor a continue
 *   (0xffff) it did not ask for.
 *
 * Variants:
 * - linux-6.6: holds, on 1 and 2 CPUs, and on 2 CPUs under x86-TSO (the
 *   wait side's store of TASK_INTERRUPTIBLE is followed by
 *   read_lock(&tasklist_lock), a locked instruction that drains the store
 *   buffer before any load of C's state).
 * - stop-without-wuntraced (a bug put back): wait_task_stopped without its
 *   WUNTRACED test (1267): P is handed the group stop (status 0x147f,
 *   SIGTSTP) and consumes C's group_exit_code.
 * - continued-without-wcontinued (a bug put back): wait_task_continued
 *   without its WCONTINUED test (1334): P is handed the continue (status
 *   0xffff).
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { WCONTINUED, WUNTRACED } from '../../kernel/linux/consts.ts';
import { CONTINUED_STATUS } from '../../kernel/linux/exit-wait.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { asIfFlags, finishWaitModel, storeWaitResult, WAIT_INVARIANTS, WAIT_REPORTS_ASKED, waitCells } from './wait-common.ts';

export default defineScenario({
  name: 'linux/wait-options',
  summary: 'waitpid(C, 0) while C stops, is continued and exits: only the exit is reported (Linux 6.6)',
  cpus: 2,
  invariants: WAIT_INVARIANTS,
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'P: waitpid(C, &status, 0) — C: takes its pending SIGTSTP, exits once continued — S: kill(C, SIGCONT)',
      source: 'linux-6.6 kernel/exit.c:1256-1320 wait_task_stopped, 1328-1369 wait_task_continued, 1582-1641 do_wait',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'each wake before the exit finds no report P asked for; P sleeps again until C is a zombie. No tick here: with one on each CPU the search is long (the next row)',
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          long: true,
          why: 'the same with a tick on each CPU: 219,780 executions, 3.66M states (1.72M kept); 30 s under nice -n 19 at load 6.5',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: "x86-TSO: do_wait's TASK_INTERRUPTIBLE store is drained by read_lock(&tasklist_lock) before C's state is read (688 k states; the suite's cross-check of the search without blocks would take minutes). No tick: on sc the search with one each is already long",
        },
      ],
    },
    'stop-without-wuntraced': {
      summary: 'wait_task_stopped without "if (!ptrace && !(wo->wo_flags & WUNTRACED)) return 0"',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: WAIT_REPORTS_ASKED,
          why: "P's wake by C's stop report finds SIGNAL_STOP_STOPPED and returns the stop it did not ask for",
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: 'one CPU, no tick: S is queued ahead of the woken P, so the SIGCONT has ended the stop before P looks',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'violated',
          invariant: WAIT_REPORTS_ASKED,
          long: true,
          why: 'the same search under x86-TSO finds it (a long row beside its long holds row)',
        },
      ],
    },
    'continued-without-wcontinued': {
      summary: 'wait_task_continued without "if (!unlikely(wo->wo_flags & WCONTINUED)) return 0"',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: WAIT_REPORTS_ASKED,
          why: "P's wake by C's CLD_CONTINUED report finds SIGNAL_STOP_CONTINUED and returns the continue before C exits",
        },
        { cpus: 1, verdict: 'violated', invariant: WAIT_REPORTS_ASKED, why: 'as on two CPUs: no race is needed' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'stop-without-wuntraced') {
      k.override('wait_task_stopped', (kk, ctx, wo, ptrace, p) =>
        kk.base.wait_task_stopped(kk, ctx, asIfFlags(wo, WUNTRACED), ptrace, p),
      );
    }
    if (variant === 'continued-without-wcontinued') {
      k.override('wait_task_continued', (kk, ctx, wo, p) => kk.base.wait_task_continued(kk, ctx, asIfFlags(wo, WCONTINUED), p));
    }
    const { ret, status } = waitCells(b);
    let c = null as unknown as LinuxTask;
    const p = k.spawn(
      'P',
      1,
      script(function* (u) {
        const res = yield* u.waitpid(c, 0);
        yield* storeWaitResult(ret, status, res, 'P', 'r = waitpid(C, &status, 0)');
        yield* u.idle();
      }),
    );
    // C is the first task on CPU0, so it runs first there; S waits behind it (no tick: S runs once C sleeps)
    c = k.spawn(
      'C',
      0,
      script((u) => u.returnToUser()),
      { parent: p, pending: sigmask(SIG.SIGTSTP) },
    );
    k.spawn(
      'S',
      0,
      script(function* (u) {
        yield* u.kill(c, SIG.SIGCONT);
        yield* u.idle();
      }),
    );
    return finishWaitModel(
      b,
      k,
      c,
      { ret, status },
      {
        invariant: WAIT_REPORTS_ASKED,
        call: 'waitpid(C, &status, 0)',
        reported: (r, st) => r === c.id && st !== CONTINUED_STATUS && (st & 0xff) !== 0x7f,
        why: "with neither WUNTRACED nor WCONTINUED it reports only C's exit",
      },
    );
  },
});
