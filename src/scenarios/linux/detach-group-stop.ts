/**
 * linux/detach-group-stop — a tracee detached in a group stop it has
 * already counted stops again without counting itself twice (Linux 6.6).
 *
 * C did PTRACE_TRACEME (its parent D traces it) and sends itself SIGSTOP:
 * the signal-delivery stop is reported to D, which resumes C with that
 * SIGSTOP. C starts a group stop (do_signal_stop: JOBCTL_STOP_PENDING |
 * JOBCTL_STOP_CONSUME, group_stop_count 1) and, traced, takes it in
 * ptrace_stop, where task_participate_group_stop consumes its share: the
 * count is 0 and the stop complete (SIGNAL_STOP_STOPPED). D waits for that
 * trap and detaches. __ptrace_unlink re-arms the group stop for C
 * (ptrace.c:147-160: JOBCTL_STOP_PENDING only, no JOBCTL_STOP_CONSUME) and
 * wakes it; C stops again in do_signal_stop(0), whose
 * task_participate_group_stop takes nothing off the count: the share was
 * consumed once (signal.c:370, 376-377 "if (!consume) return false").
 *
 * - group-stop-count: signal->group_stop_count (an unsigned int) is never
 *   taken below 0 — signal.c:379 WARN_ON_ONCE(sig->group_stop_count == 0)
 *   guards the decrement.
 *
 * Variant consume-ignored, an invented bug: task_participate_group_stop
 * takes a share off the count whether or not the task holds one
 * (JOBCTL_STOP_CONSUME untested): C's second stop takes the count to -1.
 */
import { load, type Program } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { plainRmw } from '../../kernel/common/plain-rmw.ts';
import { JOBCTL_STOP_PENDING, SIGNAL_STOP_STOPPED } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import { PTRACE_INVARIANTS } from './ptrace-common.ts';

const COUNT = 'group-stop-count';

export default defineScenario({
  name: 'linux/detach-group-stop',
  summary: 'a tracee detached in a completed group stop stops again without taking a second share off the count (Linux 6.6)',
  cpus: 2,
  invariants: [COUNT, ...PTRACE_INVARIANTS],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'C: traceme; kill(C, SIGSTOP) — D: waitpid(C); PTRACE_CONT(C, SIGSTOP); waitpid(C); PTRACE_DETACH(C)',
      source:
        'linux-6.6 kernel/signal.c:367-391 task_participate_group_stop, 2417-2520 do_signal_stop; kernel/ptrace.c:147-160 __ptrace_unlink',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    'consume-ignored': {
      summary: 'task_participate_group_stop: sig->group_stop_count-- without the "if (!consume) return false" test',
      expect: [1, 2].map((cpus) => ({
        cpus,
        verdict: 'violated' as const,
        invariant: COUNT,
        why: "C's stop after the detach takes a second share: the count goes from 0 to -1 (no race needed)",
      })),
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'consume-ignored') {
      k.override('task_participate_group_stop', function* (k, ctx, task): Program<boolean> {
        yield* k.fn.task_clear_jobctl_pending(k, ctx, task, JOBCTL_STOP_PENDING);
        // the bug: no JOBCTL_STOP_CONSUME test
        const sig = task.signal;
        const n: number = yield* plainRmw(
          sig.group_stop_count,
          (c) => c - 1,
          here`task_participate_group_stop`,
          'sig->group_stop_count--',
        );
        if (n - 1 !== 0) return false;
        const flags: number = yield load(sig.flags, here`task_participate_group_stop`, '!(sig->flags & SIGNAL_STOP_STOPPED)');
        if (flags & SIGNAL_STOP_STOPPED) return false;
        yield* k.fn.signal_set_stop_flags(k, ctx, task, SIGNAL_STOP_STOPPED, here`task_participate_group_stop`);
        return true;
      });
    }
    let c = null as unknown as LinuxTask;
    const d = k.spawn(
      'D',
      1,
      script(function* (u) {
        yield* u.waitpid(c);
        yield* u.ptrace(PTRACE.CONT, c, SIG.SIGSTOP);
        yield* u.waitpid(c);
        yield* u.ptrace(PTRACE.DETACH, c);
        yield* u.idle();
      }),
    );
    c = k.spawn(
      'C',
      0,
      script(function* (u) {
        yield* u.traceme();
        yield* u.kill(c, SIG.SIGSTOP);
        yield* u.idle();
      }),
      { parent: d },
    );
    const pt = setupPtrace(k);
    k.finish();
    registerLinuxInvariants(b, k);
    registerPtraceInvariants(b, k, pt);
    const count = c.signal.group_stop_count;
    b.invariant({
      name: COUNT,
      watch: [count],
      reads: [count],
      check: (w) =>
        (w.mem[count] as number) < 0
          ? `C's group_stop_count is ${w.mem[count]}: a share taken off a count of 0 (signal.c:379 WARN_ON_ONCE(sig->group_stop_count == 0))`
          : null,
    });
    return b.build();
  },
});
