/**
 * linux/wait-nothing-to-report — waitpid(C, WUNTRACED | WCONTINUED) while
 * C neither stops nor is continued: only its exit is reported (Linux 6.6).
 *
 * P (CPU1) waits for its child C (CPU0), which runs and exits. P asked for
 * stops and continues, but none happens: wait_task_stopped finds no stop
 * (task_stopped_code is NULL: no SIGNAL_STOP_STOPPED, exit.c:1270-1271 and
 * again under the siglock, 1276) and wait_task_continued no continue (no
 * SIGNAL_STOP_CONTINUED: only a SIGCONT that ends a stop sets it,
 * signal.c prepare_signal; exit.c:1337-1338 and again under the siglock,
 * 1342-1343). P sleeps until C is a zombie and reaps it: wait(2),
 * WCONTINUED "also return if a stopped child has been resumed by delivery
 * of SIGCONT" — C never was.
 *
 * - wait-reports-asked (terminal): P's waitpid returned C's pid with its
 *   exit status (0), never a stop nor a continue (0xffff).
 *
 * Variant continued-without-sigcont (a bug of our own design):
 * wait_task_continued without its two tests of SIGNAL_STOP_CONTINUED: P is
 * handed a continue (0xffff) that never happened.
 */
import { readUnlock } from '../../cpu/ops.ts';
import { WCONTINUED, WUNTRACED } from '../../kernel/linux/consts.ts';
import { CONTINUED_STATUS } from '../../kernel/linux/exit-wait.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import { TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { finishWaitModel, storeWaitResult, WAIT_INVARIANTS, WAIT_REPORTS_ASKED, waitCells } from './wait-common.ts';

export default defineScenario({
  name: 'linux/wait-nothing-to-report',
  summary: 'waitpid(C, WUNTRACED|WCONTINUED) while C neither stops nor is continued: only the exit is reported (Linux 6.6)',
  cpus: 2,
  invariants: WAIT_INVARIANTS,
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'P: waitpid(C, &status, WUNTRACED | WCONTINUED) — C: runs, exit(0)',
      source: 'linux-6.6 kernel/exit.c:1256-1320 wait_task_stopped, 1328-1369 wait_task_continued',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'every look before C’s exit finds neither a stop nor a continue, with a tick on each CPU (869 executions)',
        },
      ],
    },
    'continued-without-sigcont': {
      summary: 'wait_task_continued without "if (!(p->signal->flags & SIGNAL_STOP_CONTINUED)) return 0" and its re-check',
      expect: [
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: WAIT_REPORTS_ASKED,
          why: 'P’s first look reports a continue that never happened',
        },
        { cpus: 2, irq: TICK_EACH, verdict: 'violated', invariant: WAIT_REPORTS_ASKED, why: 'as on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'continued-without-sigcont') {
      k.override('wait_task_continued', function* (kk, _ctx, wo, p) {
        if (!(wo.flags & WCONTINUED)) return 0; // 1334-1335; the tests of SIGNAL_STOP_CONTINUED are left out
        yield readUnlock(kk.tasklist_lock, here`wait_task_continued`, 'read_unlock(&tasklist_lock)');
        wo.result = { ret: p.id, status: CONTINUED_STATUS, stopped: false };
        return p.id + 1;
      });
    }
    const { ret, status } = waitCells(b);
    let c = null as unknown as LinuxTask;
    const p = k.spawn(
      'P',
      1,
      script(function* (u) {
        const res = yield* u.waitpid(c, WUNTRACED | WCONTINUED);
        yield* storeWaitResult(ret, status, res, 'P', 'r = waitpid(C, &status, WUNTRACED | WCONTINUED)');
        yield* u.idle();
      }),
    );
    c = k.spawn(
      'C',
      0,
      script((u) => u.run()),
      { parent: p },
    );
    return finishWaitModel(
      b,
      k,
      c,
      { ret, status },
      {
        invariant: WAIT_REPORTS_ASKED,
        call: 'waitpid(C, &status, WUNTRACED | WCONTINUED)',
        reported: (r, st) => r === c.id && st === 0,
        why: 'C neither stopped nor was continued, only its exit (status 0) is to report',
      },
    );
  },
});
