/**
 * linux/exec-zap — the leader L of a two-thread process execs while the
 * other thread T sleeps in pause() (Linux 6.6): de_thread has
 * zap_other_threads queue SIGKILL on T and wake it (signal_wake_up), then
 * waits in TASK_KILLABLE until T is gone. The same tasks as
 * linux/exec-kills-threads [linux-6.6], as a reviewer would write a concern
 * about zap_other_threads alone. Variant zap-without-wake, an invented bug:
 * zap_other_threads queues the SIGKILL but leaves the wakeup out — T sleeps
 * on in pause() with SIGKILL pending, and the exec waits for it for good.
 */
import { load, type Program, store } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { plainRmw } from '../../kernel/common/plain-rmw.ts';
import { JOBCTL_PENDING_MASK } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';

export default defineScenario({
  name: 'linux/exec-zap',
  summary: 'the leader of two threads execs while the other sleeps in pause(): it is killed and the exec goes on (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'L: execve() — T: pause()',
      source: 'linux-6.6 kernel/signal.c:1378-1399 zap_other_threads; fs/exec.c:1044-1178 de_thread',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'zap-without-wake': {
      summary: 'zap_other_threads: sigaddset(&t->pending.signal, SIGKILL) without signal_wake_up(t, 1)',
      expect: [
        { cpus: 1, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'T sleeps in pause() with SIGKILL pending' },
        { cpus: 2, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'as on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'zap-without-wake') {
      k.override('zap_other_threads', function* (k, ctx, p): Program<number> {
        yield store(p.signal.group_stop_count, 0, here`zap_other_threads`, 'p->signal->group_stop_count = 0');
        let count = 0;
        for (const t of yield* k.fn.thread_walk(k, ctx, p, false, here`zap_other_threads`)) {
          yield* k.fn.task_clear_jobctl_pending(k, ctx, t, JOBCTL_PENDING_MASK);
          count++;
          if (yield load(t.exit_state, here`zap_other_threads`, 'if (t->exit_state) continue')) continue;
          yield* plainRmw(
            t.pending,
            (s) => s | sigmask(SIG.SIGKILL),
            here`zap_other_threads`,
            'sigaddset(&t->pending.signal, SIGKILL)',
          );
        }
        return count;
      });
    }
    const [execs, pause] = [script((u) => u.exec()), script((u) => u.pause())];
    const leader = k.spawn('L', 0, execs);
    k.spawn('T', 1, pause, { threadOf: leader });
    k.credGuard(leader);
    k.finish();
    registerLinuxInvariants(b, k);
    return b.build();
  },
});
