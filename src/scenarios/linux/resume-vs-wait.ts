/**
 * linux/resume-vs-wait — a two-threaded tracer: one thread resumes the
 * stopped tracee with a signal (PTRACE_CONT, SIGUSR1) while the other calls
 * waitpid(WNOHANG) (Linux 6.6). ptrace_resume stores exit_code = SIGUSR1,
 * clears JOBCTL_TRACED and wakes the tracee, all under the tracee's siglock;
 * wait_task_stopped reads and clears exit_code under the same lock. So the
 * waiter sees either the stop not yet resumed but already reported
 * (exit_code 0: nothing) or the tracee no longer traced: each stop is
 * reported once and the tracee gets SIGUSR1 (its handler runs).
 *
 * The tracee's stop is the exec SIGTRAP of a TRACEME child. The second
 * thread calls waitpid once the first has had the stop reported (a flag in
 * user memory and a futex-style sleep), so it races with PTRACE_CONT only.
 * The tracer's threads then stay around (pause()) rather than exit: their
 * exit is not what this scenario is about, and it keeps the search small.
 *
 * Variant pre-fix: ptrace_resume stores exit_code before taking the siglock,
 * as before b72c186999e6 (2015): between that store and the JOBCTL_TRACED
 * clear, the other thread's wait sees a traced tracee with exit_code
 * SIGUSR1, reports a second stop and consumes the signal.
 */
import { SIG } from '../../kernel/common/bits.ts';
import { TASK_UNINTERRUPTIBLE, WNOHANG } from '../../kernel/linux/consts.ts';
import { ptrace_resume_4_0 } from '../../kernel/linux/history.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, stoppedAtEnd, TICK_BOUNDS, TICK_ONE } from './ptrace-common.ts';

export default defineScenario({
  name: 'linux/resume-vs-wait',
  summary: 'tracer thread 1 PTRACE_CONT(SIGUSR1) against tracer thread 2 waitpid(WNOHANG) (Linux 6.6)',
  cpus: 2,
  invariants: PTRACE_INVARIANTS,
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'exit_code = data, JOBCTL_TRACED clear and the wake, all under the tracee siglock',
      source: 'linux-6.6 kernel/ptrace.c:882-886 ptrace_resume; kernel/exit.c:1256-1320 wait_task_stopped',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          why: 'exit_code, JOBCTL_TRACED and the wake change together under siglock: each stop is reported once and SIGUSR1 delivered. No tick: with tick@cpuN=1 the search had not ended after 240 s (42,107 executions, nice -n 19 at load 24; 159,429 executions without ticks)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick: 12.1M states explored (2.9× the same search on sc, 4.14M); 84 s under nice -n 19 at load 10-19 on the 2-core machine',
        },
        {
          cpus: 3,
          verdict: 'holds',
          long: true,
          why: 'each of the three tasks on its own CPU: 126 M states and 341 M steps, 4.7 GB; 36 min under nice -n 19 at load 10-30 on the 2-core machine (about ten minutes alone). No tick: the tick-free search is already the longest of the table, and the 2-CPU tick row did not end in 240 s',
        },
      ],
    },
    'pre-fix': {
      summary: 'child->exit_code = data before the siglock (the order before b72c186999e6)',
      source: 'linux-4.0 kernel/ptrace.c ptrace_resume',
      expect: [
        {
          cpus: 1,
          verdict: 'holds',
          why: 'one CPU, no ticks: nothing runs between the store and the lock; two CPUs break it (traces/linux)',
        },
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: 'ptrace-report-once',
          why: 'one CPU and one tick are enough: the tick preempts thread 1 between its unlocked store and the siglock (127 executions)',
        },
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'ptrace-report-once',
          why: "thread 2's wait sees JOBCTL_TRACED and the new exit_code between thread 1's unlocked store and its siglock: the stop is reported twice",
          search: { strategy: 'bounded', preemptions: 1 },
        },
        {
          cpus: 3,
          verdict: 'violated',
          invariant: 'ptrace-report-once',
          why: 'the same window with each task on its own CPU',
          search: { strategy: 'bounded', preemptions: 1 },
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const reported = b.layout.cell('user.reported', 0);
    let child = null as unknown as ReturnType<typeof k.spawn>;
    let t2 = null as unknown as ReturnType<typeof k.spawn>;
    const t1 = k.spawn(
      'tracer',
      0,
      script(function* (u) {
        const st = yield* u.waitpid(child);
        if (!st.stopped) return;
        yield* u.setFlag(reported, t2);
        yield* u.ptrace(PTRACE.CONT, child, SIG.SIGUSR1);
        yield* u.idle();
      }),
    );
    t2 = k.spawn(
      'tracer2',
      2,
      script(function* (u) {
        yield* u.waitFlag(reported);
        yield* u.waitpid(child, WNOHANG);
        yield* u.idle();
      }),
      { threadOf: t1 },
    );
    child = k.spawn(
      'child',
      1,
      script(function* (u) {
        yield* u.traceme();
        yield* u.exec();
        yield* u.run('the SIGUSR1 handler has run; the program goes on');
      }),
      { parent: t1, actions: { [SIG.SIGUSR1]: 'handler' } },
    );
    const pt = setupPtrace(k);
    if (variant === 'pre-fix') k.override('ptrace_resume', ptrace_resume_4_0);
    k.finish();
    registerLinuxInvariants(b, k, {
      sleepsFor: [{ task: t2, states: TASK_UNINTERRUPTIBLE, what: 'its flag is set', holds: (m) => m[reported] !== 0 }],
    });
    registerPtraceInvariants(b, k, pt);
    b.atEnd({ name: 'tracee-finished', check: (w) => stoppedAtEnd(w, [child]) });
    return b.build();
  },
});
