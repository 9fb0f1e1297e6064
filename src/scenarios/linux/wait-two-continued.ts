/**
 * linux/wait-two-continued — two threads of one process wait, with
 * WCONTINUED, for the same child, and one SIGCONT continues it (Linux 6.6).
 * C (the child of P) starts with a SIGTSTP pending and stops; S sends
 * SIGCONT once C sleeps in its stop; C's CLD_CONTINUED report
 * (do_notify_parent_cldstop) wakes both waiters at once — they share
 * signal->wait_chldexit. C then stays (pause()): it never exits, which
 * keeps the search to the continue race.
 *
 * prepare_signal(SIGCONT) sets SIGNAL_STOP_CONTINUED once; each waiter can
 * see it in wait_task_continued's lockless test (kernel/exit.c:1337), but
 * the re-check and the clear are under C's siglock (1340-1349), so exactly
 * one of them takes the continue. The other sleeps on.
 *
 * - continued-once (terminal): when the SIGCONT found C stopped
 *   (prepare_signal's `why`, k.watchContinue), exactly one waitpid returned
 *   the continue (status 0xffff), and the other has not returned.
 *
 * Variant continued-unlocked (a bug put back): wait_task_continued tests
 * and clears SIGNAL_STOP_CONTINUED without C's siglock: both waiters pass
 * the re-check before either clears the flag, and one continue is reported
 * twice.
 */
import { load, type Program, readUnlock } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { plainRmw } from '../../kernel/common/plain-rmw.ts';
import { SIGNAL_STOP_CONTINUED, WCONTINUED, WNOWAIT } from '../../kernel/linux/consts.ts';
import { CONTINUED_STATUS } from '../../kernel/linux/exit-wait.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { MachineView } from '../../model/types.ts';
import { TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { NOT_RETURNED, storeWaitResult, waitResultText } from './wait-common.ts';

const CONTINUED_ONCE = 'continued-once';

export default defineScenario({
  name: 'linux/wait-two-continued',
  summary: 'two threads waitpid(C, WCONTINUED) for one SIGCONT: the continue is reported once (Linux 6.6)',
  cpus: 2,
  invariants: [CONTINUED_ONCE, 'no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary:
        'P, P2 (thread of P): waitpid(C, &status, WCONTINUED) — C: stops on its SIGTSTP, then pause() — S: kill(C, SIGCONT)',
      source: 'linux-6.6 kernel/exit.c:1328-1369 wait_task_continued; kernel/signal.c:959-972 prepare_signal',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'both waiters can pass the lockless test of SIGNAL_STOP_CONTINUED, but the re-check and the clear under the siglock let one through. No tick here: with one on each CPU the search is long (the next row)',
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          long: true,
          why: 'the same with a tick on each CPU: 2.03M executions, 57.8M states (28.2M kept); 7 min under nice -n 19 at load 7-9 on the 2-core machine',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick (on sc the search with one each is 57.8M states): 1.60M states (2.8× the same search on sc, 575k), 6 s on the quiet 2-core machine',
        },
      ],
    },
    'continued-unlocked': {
      summary: 'wait_task_continued re-checks and clears SIGNAL_STOP_CONTINUED without spin_lock_irq(&p->sighand->siglock)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: CONTINUED_ONCE,
          why: 'both waiters pass the re-check before either clears the flag: the continue is reported twice',
        },
        { cpus: 1, verdict: 'holds', why: 'with no tick, a waiter runs from its re-check to its clear alone' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'continued-unlocked') k.override('wait_task_continued', continuedUnlocked);
    let c = null as unknown as LinuxTask;
    const rets: number[] = [];
    const statuses: number[] = [];
    const waiter = (name: string) => {
      const ret = b.layout.cell(`${name}.waitpid`, NOT_RETURNED);
      const status = b.layout.cell(`${name}.status`, 0);
      rets.push(ret);
      statuses.push(status);
      return script(function* (u) {
        const res = yield* u.waitpid(c, WCONTINUED);
        yield* storeWaitResult(ret, status, res, name, 'r = waitpid(C, &status, WCONTINUED)');
        yield* u.idle();
      });
    };
    const p = k.spawn('P', 1, waiter('P'));
    // C is the first task on CPU0, so it runs first there; P2 and S wait behind it (no tick: they run once C sleeps)
    c = k.spawn(
      'C',
      0,
      script(function* (u) {
        yield* u.returnToUser();
        yield* u.idle();
      }),
      { parent: p, pending: sigmask(SIG.SIGTSTP) },
    );
    k.spawn('P2', 0, waiter('P2'), { threadOf: p });
    k.spawn(
      'S',
      0,
      script(function* (u) {
        yield* u.kill(c, SIG.SIGCONT);
        yield* u.idle();
      }),
    );
    // what prepare_signal(SIGCONT) found: a continue is owed only to a stopped group (signal.c:959-972)
    const owed = k.watchContinue(c);
    k.finish();
    registerLinuxInvariants(b, k);
    b.atEnd({ name: CONTINUED_ONCE, check: (w) => continuedOnce(w, c, owed, rets, statuses) });
    return b.build();
  },
});

/** The bug: wait_task_continued (kernel/exit.c:1328-1369) with its re-check and clear outside the siglock. */
function* continuedUnlocked(
  k: LinuxKernel,
  _ctx: unknown,
  wo: Parameters<LinuxKernel['base']['wait_task_continued']>[2],
  p: LinuxTask,
): Program<number> {
  if (!(wo.flags & WCONTINUED)) return 0;
  const f: number = yield load(p.signal.flags, here`wait_task_continued`, 'if (!(p->signal->flags & SIGNAL_STOP_CONTINUED))');
  if (!(f & SIGNAL_STOP_CONTINUED)) return 0;
  // no spin_lock_irq(&p->sighand->siglock)
  const again: number = yield load(p.signal.flags, here`wait_task_continued`, 'the re-check, without the siglock');
  if (!(again & SIGNAL_STOP_CONTINUED)) return 0;
  if (!(wo.flags & WNOWAIT)) {
    yield* plainRmw(
      p.signal.flags,
      (v) => v & ~SIGNAL_STOP_CONTINUED,
      here`wait_task_continued`,
      'p->signal->flags &= ~SIGNAL_STOP_CONTINUED',
    );
  }
  yield readUnlock(k.tasklist_lock, here`wait_task_continued`, 'read_unlock(&tasklist_lock)');
  wo.result = { ret: p.id, status: CONTINUED_STATUS, stopped: false };
  return p.id + 1;
}

function continuedOnce(
  w: MachineView,
  c: LinuxTask,
  owed: number,
  rets: readonly number[],
  statuses: readonly number[],
): string | null {
  const got = rets.map((r, i) => ({ r: w.mem[r] as number, st: w.mem[statuses[i] as number] as number }));
  const continued = got.filter((g) => g.r === c.id && g.st === CONTINUED_STATUS).length;
  const why = w.mem[owed] as number;
  const others = got.every((g) => g.r === NOT_RETURNED || (g.r === c.id && g.st === CONTINUED_STATUS));
  if (others && continued === (why !== 0 ? 1 : 0)) return null;
  const said = got.map((g, i) => `${i === 0 ? 'P' : 'P2'}: ${waitResultText(c, g.r, g.st)}`).join(', ');
  return `the waitpid(C, WCONTINUED) calls returned ${said}; the SIGCONT found C ${why !== 0 ? 'stopped' : 'running'} (why = ${w.layout.format(owed, why)}): its continue is reported exactly once${why !== 0 ? '' : ' (here: not at all)'}, and C never exits`;
}
