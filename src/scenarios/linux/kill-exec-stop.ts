/**
 * linux/kill-exec-stop — gdb SIGKILLs its child, stopped at exec
 * (PTRACE_TRACEME, then execve: the SIGTRAP ptrace stop), and reaps it.
 * The search starts once gdb has the stop reported (a prologue run in one
 * order: the child traces itself, execs and stops), so it covers only the
 * race: the SIGKILL against the child's way from the report into
 * schedule(), or asleep there. signal_wake_up(fatal) must wake a
 * TASK_TRACED child: in 6.6 it wakes __TASK_TRACED (TASK_TRACED is
 * __TASK_TRACED alone); in 5.18 it wakes TASK_WAKEKILL, which 5.18's
 * TASK_TRACED has in it (variant linux-5.18: 5.18's constants and
 * signal_wake_up, its states printed by their 5.18 names). Variant
 * wakekill-on-6.6-traced, an invented bug: 5.18's signal_wake_up on 6.6's
 * constants — the fatal wakeup matches nothing and the child sleeps on,
 * traced, with SIGKILL pending.
 */
import { SIG } from '../../kernel/common/bits.ts';
import { LINUX_5_18 } from '../../kernel/linux/consts.ts';
import { signal_wake_up_5_18 } from '../../kernel/linux/history.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { registerPtraceInvariants, waitReportReady } from '../../kernel/linux/ptrace-invariants.ts';
import { registerSigkillKills } from '../../kernel/linux/signal-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const PROLOGUE = 'the child traces itself, execs and stops with SIGTRAP; gdb has the stop reported';

export default defineScenario({
  name: 'linux/kill-exec-stop',
  summary: 'gdb SIGKILLs its child stopped at exec: it dies and is reaped (Linux 6.6, and 5.18 with its own TASK_TRACED)',
  cpus: 2,
  invariants: [
    'no-lost-wakeup',
    'sigkill-kills',
    'ptrace-links',
    'runqueue-sane',
    'lock-discipline',
    'deadlock',
    'legal-transition',
  ],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'gdb: waitpid; kill(child, SIGKILL); waitpid — child: ptrace(TRACEME); execve',
      prologue: PROLOGUE,
      source: 'linux-6.6 include/linux/sched/signal.h:446-451 signal_wake_up; include/linux/sched.h:124 TASK_TRACED',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'linux-5.18': {
      summary: "5.18's TASK_TRACED (TASK_WAKEKILL | __TASK_TRACED) and signal_wake_up (fatal: TASK_WAKEKILL)",
      prologue: PROLOGUE,
      source: 'linux-5.18 include/linux/sched/signal.h signal_wake_up; include/linux/sched.h TASK_TRACED',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    'wakekill-on-6.6-traced': {
      summary: "5.18's signal_wake_up (fatal: TASK_WAKEKILL) on 6.6's TASK_TRACED (no TASK_WAKEKILL in it)",
      prologue: PROLOGUE,
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the fatal wakeup matches nothing: the child sleeps, traced, with SIGKILL pending',
        },
        { cpus: 2, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'as on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, variant === 'linux-5.18' ? { consts: LINUX_5_18, ticks: 1 } : { ticks: 1 });
    // 5.18's signal_wake_up, with its constants or not (its request freeze, useFreeze5_18, is on no path run here)
    if (variant !== 'linux-6.6') k.override('signal_wake_up', signal_wake_up_5_18);
    let child = null as unknown as LinuxTask;
    const gdb = k.spawn(
      'gdb',
      0,
      script(function* (u) {
        yield* u.waitpid(child);
        yield* u.kill(child, SIG.SIGKILL);
        yield* u.waitpid(child);
      }),
    );
    child = k.spawn(
      'child',
      1,
      script(function* (u) {
        yield* u.traceme();
        yield* u.exec();
      }),
      { parent: gdb },
    );
    const pt = setupPtrace(k);
    b.prologue(PROLOGUE, (w) => (w.mem[pt.of(child).g_reports] as number) > 0);
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(gdb, child)] });
    registerPtraceInvariants(b, k, pt);
    registerSigkillKills(b, k, [child]);
    return b.build();
  },
});
