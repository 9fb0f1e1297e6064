/**
 * linux/listen-refusal — a request on a tracee in PTRACE_LISTEN fails with
 * ESRCH (Linux 6.6): a listening tracee does not count as stopped.
 *
 * T (CPU1) seizes C (CPU0, asleep in pause()), interrupts it, and waitpid
 * reports the PTRACE_EVENT_STOP (status SIGTRAP | PTRACE_EVENT_STOP << 8,
 * shifted: (128 << 16) | 0x57f). T puts C in LISTEN (0), then asks
 * PTRACE_CONT: ptrace_check_attach → ptrace_freeze_traced returns false at
 * its lockless test "if (task->jobctl & JOBCTL_LISTENING) return false"
 * (ptrace.c:200-201), so the request is refused with -ESRCH
 * (ptrace.c:250-277) and C is still listening: JOBCTL_LISTENING set, still
 * in TASK_TRACED. ptrace(2): a request that needs a stopped tracee fails
 * with ESRCH when it is not stopped; PTRACE_LISTEN lets the tracee go on
 * in its stop only as far as a new event.
 *
 * - ptrace-returns: LISTEN returns 0, the CONT returns -ESRCH, and C is
 *   still listening after it.
 *
 * Variant freeze-ignores-listening (a bug put back): ptrace_freeze_traced
 * without the JOBCTL_LISTENING test: the CONT freezes the listening tracee,
 * returns 0 and resumes it.
 */
import { check, load, type Program } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { plainRmw } from '../../kernel/common/plain-rmw.ts';
import { __TASK_TRACED, JOBCTL_LISTENING, JOBCTL_PTRACE_FROZEN, JOBCTL_TRACED } from '../../kernel/linux/consts.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { spin_lock_irq, spin_unlock_irq } from '../../kernel/linux/locking.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { ESRCH, PTRACE } from '../../kernel/linux/ptrace.ts';
import { PTRACE_EVENT_STOP } from '../../kernel/linux/ptrace-state.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { PTRACE_INVARIANTS, TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { expectCall, expectReturn, PTRACE_RETURNS, tracerAndPausedTracee, wrongReturnRows } from './refusal-common.ts';

const P = 'linux-6.6 kernel/ptrace.c';
/** waitpid's status for a PTRACE_EVENT_STOP of a seized tracee outside a group stop (signal.c:2545-2548) */
const EVENT_STOP_STATUS = (PTRACE_EVENT_STOP << 16) | (SIG.SIGTRAP << 8) | 0x7f;

export default defineScenario({
  name: 'linux/listen-refusal',
  summary: 'PTRACE_CONT on a tracee in PTRACE_LISTEN fails with ESRCH, and the tracee goes on listening (Linux 6.6)',
  cpus: 2,
  invariants: [PTRACE_RETURNS, ...PTRACE_INVARIANTS],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'T: SEIZE C; INTERRUPT C; waitpid; LISTEN C; CONT C — C: pause()',
      source: 'linux-6.6 kernel/ptrace.c:195-212 ptrace_freeze_traced, 250-277 ptrace_check_attach, 1153-1177 ptrace_request',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the CONT finds C listening and is refused, however the seize, the trap and the wait interleave, with a tick on each CPU (5,969 executions; 4.6 s under nice -n 19 at load 9)',
        },
      ],
    },
    'freeze-ignores-listening': {
      summary: 'ptrace_freeze_traced without "if (task->jobctl & JOBCTL_LISTENING) return false"',
      expect: wrongReturnRows('the CONT on the listening C returns 0'),
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'freeze-ignores-listening') {
      k.override('ptrace_freeze_traced', function* (k, ctx: TaskContext, task: LinuxTask): Program<boolean> {
        // no "if (task->jobctl & JOBCTL_LISTENING) return false" (ptrace.c:200-201)
        let ret = false;
        yield* spin_lock_irq(task.siglock, here`ptrace_freeze_traced`, 'spin_lock_irq(&task->sighand->siglock)');
        const j: number = yield load(task.jobctl, here`ptrace_freeze_traced`, 'if (task_is_traced(task) &&');
        if (j & JOBCTL_TRACED) {
          yield load(task.exit_code, here`looks_like_a_spurious_pid`, '!looks_like_a_spurious_pid(task)');
          if (!(yield* k.fn.__fatal_signal_pending(k, ctx, task, 'ptrace_freeze_traced'))) {
            yield* plainRmw(
              task.jobctl,
              (v) => v | JOBCTL_PTRACE_FROZEN,
              here`ptrace_freeze_traced`,
              'jobctl |= JOBCTL_PTRACE_FROZEN',
            );
            ret = true;
          }
        }
        yield* spin_unlock_irq(task.siglock, here`ptrace_freeze_traced`);
        return ret;
      });
    }
    return tracerAndPausedTracee(b, k, function* (u, c, _t) {
      const call = (what: string, run: Program<number>, want: number, ref: string) => expectCall('T', what, run, want, ref);
      yield* call('ptrace(PTRACE_SEIZE, C)', u.ptrace(PTRACE.SEIZE, c), 0, `${P}:480 ptrace_attach`);
      yield* call('ptrace(PTRACE_INTERRUPT, C)', u.ptrace(PTRACE.INTERRUPT, c), 0, `${P}:1126-1151 ptrace_request`);
      const st = yield* u.waitpid(c);
      yield expectReturn(
        'T',
        'waitpid(C): status',
        st.status,
        EVENT_STOP_STATUS,
        'linux-6.6 kernel/exit.c:1310 wait_task_stopped',
      );
      yield* call('ptrace(PTRACE_LISTEN, C)', u.ptrace(PTRACE.LISTEN, c), 0, `${P}:1153-1177 ptrace_request`);
      yield* call(
        'ptrace(PTRACE_CONT, C) while C listens',
        u.ptrace(PTRACE.CONT, c, 0),
        -ESRCH,
        `${P}:200-201 ptrace_freeze_traced`,
      );
      yield stillListening(c);
      yield* u.idle();
    });
  },
});

/** after the refused CONT: C is still in TASK_TRACED, listening, not frozen (nothing of the request reached it) */
function stillListening(c: LinuxTask) {
  return check(
    PTRACE_RETURNS,
    [c.state, c.jobctl],
    (m) => {
      const j = m[c.jobctl] as number;
      return (m[c.state] as number) & __TASK_TRACED && j & JOBCTL_LISTENING && !(j & JOBCTL_PTRACE_FROZEN)
        ? null
        : `after the refused PTRACE_CONT ${c.name} is no longer listening in its stop`;
    },
    'user T',
    'C still listens in its stop',
  );
}
