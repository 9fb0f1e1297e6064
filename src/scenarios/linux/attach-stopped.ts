/**
 * linux/attach-stopped — PTRACE_ATTACH to a task in a group stop (Linux
 * 6.6): the attach turns the stop into a ptrace trap and waits for it.
 *
 * The job (CPU0) has a SIGSTOP pending at time 0 and takes it on its way
 * back to user mode (get_signal → do_signal_stop → schedule in
 * TASK_STOPPED). The debugger (CPU1) attaches at any point of that. When
 * it finds the job stopped, ptrace_attach sets
 * JOBCTL_TRAP_STOP | JOBCTL_TRAPPING, clears JOBCTL_STOPPED and wakes the
 * job (ptrace.c:472-476), then sleeps in wait_on_bit(&job->jobctl,
 * JOBCTL_TRAPPING_BIT, TASK_KILLABLE) (ptrace.c:494). The job traps
 * (do_jobctl_trap → ptrace_stop), and ptrace_stop clears the bit:
 * task_clear_jobctl_trapping (signal.c:314-321) stores
 * `jobctl &= ~JOBCTL_TRAPPING`, then smp_mb(), then wake_up_bit(), whose
 * waitqueue_active() is a lockless test of the bit's wait queue
 * (wait_bit.c:125). The waiter queues itself and sets its state
 * (prepare_to_wait, a full barrier) before it tests the bit. Under x86-TSO
 * the two sides are the store-buffering shape (litmus/SB): each stores,
 * then loads what the other stored. With both barriers one of them sees
 * the other's store: the job wakes the debugger, or the debugger sees the
 * bit clear and does not sleep.
 *
 * Variant trapping-clear-no-mb (a barrier taken out): task_clear_jobctl_trapping
 * without its smp_mb(). On sequentially consistent memory it still holds
 * (program order is enough); under x86-TSO the clear can wait in the job's
 * store buffer while it reads an empty wait queue, and the debugger, queued
 * by then, reads the bit still set and sleeps for good.
 *
 * The debugger then stays around (pause()) without a waitpid, the job in
 * its ptrace stop, which keeps the search small (linux/attach-detach has
 * the waitpid).
 */
import { load, type Program } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { plainRmw } from '../../kernel/common/plain-rmw.ts';
import { JOBCTL_TRAPPING, TASK_WAKEKILL } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants, sleepsWhile } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { PTRACE_INVARIANTS, TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';

export default defineScenario({
  name: 'linux/attach-stopped',
  summary: 'PTRACE_ATTACH to a task in a group stop: the attach waits for the trap on JOBCTL_TRAPPING (Linux 6.6)',
  cpus: 2,
  invariants: PTRACE_INVARIANTS,
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'debugger: ptrace(ATTACH); pause() — job: takes a pending SIGSTOP (group stop)',
      source:
        'linux-6.6 kernel/ptrace.c:472-494 ptrace_attach; kernel/signal.c:314-321 task_clear_jobctl_trapping, 2269-2312 ptrace_stop; kernel/sched/wait_bit.c:46-59 __wait_on_bit, 121-127 __wake_up_bit',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the job clears JOBCTL_TRAPPING before it tests the bit’s wait queue, the debugger queues itself before it tests the bit: one of them sees the other',
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO with a tick on each CPU: the same answer (626k executions, 1.34M states, 4.1× sc; 20 s under nice -n 19 at load 7)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO, no tick here (with one each the search is long: the row above): the smp_mb() after the clear drains it before waitqueue_active(), and prepare_to_wait’s set_current_state() drains the queueing before the test of the bit',
        },
        {
          cpus: 3,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'a spare CPU for the woken job to land on, and a tick on each CPU (654k states, 4.6 s at load 7)',
        },
        {
          cpus: 3,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'the same under x86-TSO (2.82M states, 4.3× sc; 21 s at load 7): long, as the 2-CPU row with ticks under x86-TSO',
        },
      ],
    },
    'trapping-clear-no-mb': {
      summary: 'task_clear_jobctl_trapping without the smp_mb() between the clear and wake_up_bit()',
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'sequential consistency, a tick on each CPU: program order alone keeps the clear before the wait-queue test',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the clear waits in the job’s store buffer while it reads an empty wait queue; the debugger, queued by then, reads JOBCTL_TRAPPING still set and sleeps for good (the store-buffering shape)',
        },
        {
          cpus: 3,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the 3-CPU x86-TSO search of linux-6.6 finds the same buffered clear',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'trapping-clear-no-mb') {
      k.override('task_clear_jobctl_trapping', function* (k, ctx: TaskContext, task: LinuxTask): Program<void> {
        const j: number = yield load(
          task.jobctl,
          here`task_clear_jobctl_trapping`,
          'if (unlikely(task->jobctl & JOBCTL_TRAPPING))',
        );
        if (!(j & JOBCTL_TRAPPING)) return;
        yield* plainRmw(
          task.jobctl,
          (v) => v & ~JOBCTL_TRAPPING,
          here`task_clear_jobctl_trapping`,
          'task->jobctl &= ~JOBCTL_TRAPPING',
        );
        // no smp_mb() here
        yield* k.fn.wake_up_bit(k, ctx, task.jobctl, JOBCTL_TRAPPING);
      });
    }
    let job = null as unknown as LinuxTask;
    const dbg = k.spawn(
      'debugger',
      1,
      script(function* (u) {
        if ((yield* u.ptrace(PTRACE.ATTACH, job)) < 0) return;
        yield* u.idle();
      }),
    );
    job = k.spawn(
      'job',
      0,
      script((u) => u.returnToUser()),
      { pending: sigmask(SIG.SIGSTOP) },
    );
    const pt = setupPtrace(k);
    k.finish();
    // the debugger asleep in wait_on_bit (TASK_KILLABLE: its only killable sleep here) once the bit is clear
    const trapped = sleepsWhile(
      dbg,
      'JOBCTL_TRAPPING of the job is clear',
      (m) => !((m[job.jobctl] as number) & JOBCTL_TRAPPING),
      TASK_WAKEKILL,
    );
    registerLinuxInvariants(b, k, { sleepsFor: [trapped] });
    registerPtraceInvariants(b, k, pt);
    return b.build();
  },
});
