/**
 * linux/thread-signal-traced — a process-directed SIGUSR1 reaches a process
 * of two threads while thread A is stopped by its tracer and thread B sleeps
 * in pause() (Linux 6.6). A did PTRACE_TRACEME and sent its process SIGUSR2,
 * which B blocks: A takes it and stops in a signal-delivery-stop
 * (ptrace_signal → ptrace_stop, TASK_TRACED), and its tracer P leaves it
 * there. complete_signal asks wants_signal of each thread: a stopped or
 * traced thread does not want a signal (signal.c:998-999,
 * task_is_stopped_or_traced), so the pick is B, which wakes and takes it.
 * Variant wants-stopped, an invented bug: wants_signal without that test —
 * A, traced with nothing pending, "wants" SIGUSR1; signal_wake_up cannot
 * wake a TASK_TRACED task, and B sleeps with SIGUSR1 shared-pending and
 * unblocked.
 */
import { load, type Program } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { TIF_SIGPENDING } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { PTRACE_INVARIANTS } from './ptrace-common.ts';

export default defineScenario({
  name: 'linux/thread-signal-traced',
  summary: 'a process-directed signal while one thread is stopped by its tracer: does the other thread take it? (Linux 6.6)',
  cpus: 2,
  invariants: PTRACE_INVARIANTS,
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'A: traceme; kill(own process, SIGUSR2) and stop — B: pause(), SIGUSR2 blocked — S: kill(process, SIGUSR1)',
      source: 'linux-6.6 kernel/signal.c:987-1002 wants_signal, 1004-1077 complete_signal, 2592-2636 ptrace_signal',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    'wants-stopped': {
      summary: 'wants_signal without "if (task_is_stopped_or_traced(p)) return false" (signal.c:998-999)',
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'A is traced when S sends: the pick is A, which no wakeup moves; B sleeps with SIGUSR1 shared-pending',
        },
        { cpus: 2, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'the same on two CPUs' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'wants-stopped') {
      k.override('wants_signal', function* (k, _ctx: TaskContext, sig: number, p: LinuxTask): Program<boolean> {
        const blocked: number = yield load(p.blocked, here`wants_signal`, 'if (sigismember(&p->blocked, sig))');
        if (blocked & sigmask(sig)) return false;
        if (sig === SIG.SIGKILL) return true;
        // the bug: no task_is_stopped_or_traced(p) test
        const cpu: number = yield load(p.cpu, here`wants_signal`, 'task_curr(p): task_cpu(p)');
        const curr: number = yield load(k.rq(cpu).curr, here`wants_signal`, 'task_curr(p): cpu_curr(cpu) == p');
        if (curr === p.id) return true;
        const tif: number = yield load(p.tif, here`wants_signal`, '!task_sigpending(p)');
        return !(tif & TIF_SIGPENDING);
      });
    }
    const actions = { [SIG.SIGUSR1]: 'handler' as const, [SIG.SIGUSR2]: 'handler' as const };
    const p = k.spawn(
      'P',
      1,
      script((u) => u.idle()),
    );
    let a = null as unknown as LinuxTask;
    a = k.spawn(
      'A',
      0,
      script(function* (u) {
        yield* u.traceme();
        yield* u.kill(a, SIG.SIGUSR2);
        yield* u.idle();
      }),
      { parent: p, actions },
    );
    k.spawn(
      'B',
      1,
      script((u) => u.pause()),
      { threadOf: a, actions, blocked: sigmask(SIG.SIGUSR2) },
    );
    k.spawn(
      'S',
      1,
      script((u) => u.kill(a, SIG.SIGUSR1)),
    );
    const pt = setupPtrace(k);
    k.finish();
    registerLinuxInvariants(b, k);
    registerPtraceInvariants(b, k, pt);
    return b.build();
  },
});
