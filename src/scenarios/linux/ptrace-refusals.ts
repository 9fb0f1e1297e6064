/**
 * linux/ptrace-refusals — requests Linux 6.6 refuses with ESRCH and EIO
 * (ptrace(2), ERRORS), and the tracee after each: a refused request changes
 * nothing.
 *
 * T (CPU1) debugs C (CPU0, asleep in pause(); its parent is outside the
 * model). T makes, in order, checking each return value as its program would:
 *
 *   ptrace(CONT, no such pid)  -ESRCH: find_get_task_by_vpid gives NULL (ptrace.c:1289-1293)
 *   ptrace(ATTACH, C)          0; waitpid(C) reports the SIGSTOP's stop (status 0x137f)
 *   ptrace(CONT, C, 100)       -EIO: !valid_signal(data) (ptrace.c:846-847); C is still in
 *                              TASK_TRACED with JOBCTL_TRACED: nothing woke it
 *   ptrace(DETACH, C, 100)     -EIO: !valid_signal(data) (ptrace.c:585-586); C is still T's
 *                              tracee, in its stop
 *   ptrace(LISTEN, C)          -EIO: C was attached, not seized (ptrace.c:1153-1154)
 *
 * - ptrace-returns: each return value is the one above (a check step right
 *   after the call, on the value the user program got), and after the
 *   refused CONT and DETACH C is as it was.
 *
 * Variants (a known-buggy kernel each: one test of the source taken out):
 * - resume-no-valid-signal: ptrace_resume without valid_signal(data): the
 *   CONT with 100 returns 0 (and wakes C).
 * - detach-no-valid-signal: ptrace_detach without valid_signal(data): the
 *   DETACH with 100 returns 0 (and C is untraced).
 * Two tests have no variant. PTRACE_LISTEN's `!seized`: for a PTRACE_ATTACH
 * tracee the si_code test that follows (ptrace.c:1157-1158) refuses it as
 * well, since only do_jobctl_trap's PT_SEIZED branch stops with a
 * PTRACE_EVENT_STOP siginfo (signal.c:2547-2548). sys_ptrace's `!child`:
 * without it the kernel would dereference NULL, which the model shows as a
 * crash, not as a verdict.
 */
import { check, type Program, rmw, store } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { writeLockIrq, writeUnlockIrq } from '../../kernel/common/locks.ts';
import { plainRmw } from '../../kernel/common/plain-rmw.ts';
import { __TASK_TRACED, JOBCTL_TRACED } from '../../kernel/linux/consts.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { spin_lock_irq, spin_unlock_irq } from '../../kernel/linux/locking.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { EIO, ESRCH, PTRACE } from '../../kernel/linux/ptrace.ts';
import { ptraceState, TIF_SINGLESTEP } from '../../kernel/linux/ptrace-state.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { PTRACE_INVARIANTS, TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import {
  expectCall,
  expectReturn,
  PTRACE_RETURNS,
  ptraceNoSuchPid,
  tracerAndPausedTracee,
  wrongReturnRows,
} from './refusal-common.ts';

const P = 'linux-6.6 kernel/ptrace.c';
/** an invalid signal number for ptrace's data (valid_signal: 0 ≤ sig ≤ _NSIG = 64) */
const BAD_SIG = 100;
const STOPPED_BY_SIGSTOP = (SIG.SIGSTOP << 8) | 0x7f;

export default defineScenario({
  name: 'linux/ptrace-refusals',
  summary: 'ptrace requests Linux 6.6 refuses (ESRCH, EIO): the errno, and the tracee left as it was',
  cpus: 2,
  invariants: [PTRACE_RETURNS, ...PTRACE_INVARIANTS],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'T: CONT no such pid; ATTACH C; waitpid; CONT C 100; DETACH C 100; LISTEN C — C: pause()',
      source:
        'linux-6.6 kernel/ptrace.c:585-586 ptrace_detach, 846-847 ptrace_resume, 1153-1154 ptrace_request, 1289-1293 sys_ptrace',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'each refused request returns its errno and leaves C stopped and traced, however the attach and C’s stop interleave, with a tick on each CPU (21,206 executions; 3.3 s under nice -n 19 at load 7)',
        },
      ],
    },
    'resume-no-valid-signal': {
      summary: 'ptrace_resume without "if (!valid_signal(data)) return -EIO"',
      expect: wrongReturnRows('PTRACE_CONT with 100 returns 0'),
    },
    'detach-no-valid-signal': {
      summary: 'ptrace_detach without "if (!valid_signal(data)) return -EIO"',
      expect: wrongReturnRows('PTRACE_DETACH with 100 returns 0'),
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'resume-no-valid-signal') {
      k.override('ptrace_resume', function* (k, ctx, child, request, data): Program<number> {
        // no valid_signal(data) test (ptrace.c:846-847)
        yield* k.fn.ptrace_resume_flags(k, ctx, child, request);
        yield* spin_lock_irq(child.siglock, here`ptrace_resume`, 'spin_lock_irq(&child->sighand->siglock)');
        yield store(child.exit_code, data, here`ptrace_resume`, 'child->exit_code = data');
        ctx.ghost.set(ptraceState(k).of(child).g_resumes, 1);
        ctx.ghost.set(ptraceState(k).of(child).g_resume_sig, data);
        yield* plainRmw(child.jobctl, (v) => v & ~JOBCTL_TRACED, here`ptrace_resume`, 'child->jobctl &= ~JOBCTL_TRACED');
        yield* k.fn.wake_up_state(k, ctx, child, __TASK_TRACED);
        yield* spin_unlock_irq(child.siglock, here`ptrace_resume`);
        return 0;
      });
    }
    if (variant === 'detach-no-valid-signal') {
      k.override('ptrace_detach', function* (k, ctx: TaskContext, child: LinuxTask, data: number): Program<number> {
        // no valid_signal(data) test (ptrace.c:585-586); the WARN_ON at 596 is left out
        yield rmw(
          ptraceState(k).of(child).syscall_work,
          (w) => w & ~TIF_SINGLESTEP,
          here`ptrace_detach`,
          'ptrace_disable(child)',
        );
        yield* writeLockIrq(k.tasklist_lock, here`ptrace_detach`, 'write_lock_irq(&tasklist_lock)');
        yield store(child.exit_code, data, here`ptrace_detach`, 'child->exit_code = data');
        ctx.ghost.set(ptraceState(k).of(child).g_resumes, 1);
        ctx.ghost.set(ptraceState(k).of(child).g_resume_sig, data);
        yield* k.fn.__ptrace_detach(k, ctx, k.current(ctx), child);
        yield* writeUnlockIrq(k.tasklist_lock, here`ptrace_detach`, 'write_unlock_irq(&tasklist_lock)');
        return 0;
      });
    }
    return tracerAndPausedTracee(b, k, function* (u, c, t) {
      const call = (what: string, run: Program<number>, want: number, ref: string) => expectCall('T', what, run, want, ref);
      yield* call('ptrace(PTRACE_CONT, no such pid)', ptraceNoSuchPid(u, PTRACE.CONT), -ESRCH, `${P}:1289-1293 sys_ptrace`);
      yield* call('ptrace(PTRACE_ATTACH, C)', u.ptrace(PTRACE.ATTACH, c), 0, `${P}:480 ptrace_attach`);
      const st = yield* u.waitpid(c);
      yield expectReturn(
        'T',
        'waitpid(C): status',
        st.status,
        STOPPED_BY_SIGSTOP,
        'linux-6.6 kernel/exit.c:1310 wait_task_stopped',
      );
      yield* call('ptrace(PTRACE_CONT, C, 100)', u.ptrace(PTRACE.CONT, c, BAD_SIG), -EIO, `${P}:846-847 ptrace_resume`);
      yield stillTraced('T', c, t);
      yield* call('ptrace(PTRACE_DETACH, C, 100)', u.ptrace(PTRACE.DETACH, c, BAD_SIG), -EIO, `${P}:585-586 ptrace_detach`);
      yield stillTraced('T', c, t);
      yield* call('ptrace(PTRACE_LISTEN, C)', u.ptrace(PTRACE.LISTEN, c), -EIO, `${P}:1153-1154 ptrace_request`);
      yield* u.idle();
    });
  },
});

/** after a refused CONT or DETACH: C is still T's tracee, in TASK_TRACED with JOBCTL_TRACED (ptrace(2): the request failed, nothing changed) */
function stillTraced(who: string, c: LinuxTask, t: LinuxTask) {
  return check(
    PTRACE_RETURNS,
    [c.state, c.jobctl, c.ptrace, c.parent],
    (m) =>
      (m[c.state] as number) & __TASK_TRACED && (m[c.jobctl] as number) & JOBCTL_TRACED && m[c.ptrace] && m[c.parent] === t.id
        ? null
        : `after a refused request ${c.name} is no longer ${t.name}'s tracee in its ptrace stop`,
    `user ${who}`,
    'C is still traced by T and stopped',
  );
}
