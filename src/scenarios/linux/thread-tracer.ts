/**
 * linux/thread-tracer — the tracer is a thread that is not its group's
 * leader (Linux 6.6). Thread TR of process {PL, TR} forked X, which does
 * PTRACE_TRACEME and execs: its exec SIGTRAP stops it, reported to TR
 * (X->parent). The leader PL waits for X: do_wait_pid accepts a tracee of
 * another thread of its group (is_effectively_child: same_thread_group
 * unless __WNOTHREAD), and X's report wakes PL through the group's shared
 * wait_chldexit (child_wait_callback filters by parent only for a
 * __WNOTHREAD waiter). Variant wnothread-always, an invented bug:
 * child_wait_callback tests `wait->private != p->parent` for every waiter —
 * PL, asleep before X stops, is never woken for TR's tracee.
 */
import { load } from '../../cpu/ops.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import { PTRACE_INVARIANTS, waitReportReady } from './ptrace-common.ts';

export default defineScenario({
  name: 'linux/thread-tracer',
  summary: "a tracer thread that is not the leader: its tracee's stop is reported to the leader's waitpid (Linux 6.6)",
  cpus: 2,
  invariants: PTRACE_INVARIANTS,
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'X (child of thread TR): traceme; exec — PL (the leader): waitpid(X)',
      source: 'linux-6.6 kernel/exit.c:1520-1534 child_wait_callback, 1542-1550 is_effectively_child, 1556-1580 do_wait_pid',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'wnothread-always': {
      summary: 'child_wait_callback: if (wait->private != p->parent) return 0, whatever the wait options',
      expect: [
        { cpus: 1, verdict: 'violated', invariant: 'no-lost-wakeup', why: "PL sleeps before X stops; X's report wakes only TR" },
        { cpus: 2, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'the same on two CPUs' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'wnothread-always') {
      k.override('child_wait_callback', function* (k, ctx, task, mode, wakeFlags, _wnothread, p) {
        const parent: number = p ? yield load(p.parent, here`child_wait_callback`, 'if (wait->private != p->parent)') : task;
        if (parent !== task) return false;
        return yield* k.fn.default_wake_function(k, ctx, k.task(task), mode, wakeFlags);
      });
    }
    let x = null as unknown as ReturnType<typeof k.spawn>;
    const waits = script(function* (u) {
      yield* u.waitpid(x);
      yield* u.idle();
    });
    const traced = script(function* (u) {
      yield* u.traceme();
      yield* u.exec();
    });
    const pl = k.spawn('PL', 0, waits);
    const idles = script((u) => u.idle());
    const tr = k.spawn('TR', 1, idles, { threadOf: pl });
    x = k.spawn('X', 0, traced, { parent: tr });
    const pt = setupPtrace(k);
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(pl, x)] });
    registerPtraceInvariants(b, k, pt);
    return b.build();
  },
});
