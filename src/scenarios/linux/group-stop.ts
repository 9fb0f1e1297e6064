/**
 * linux/group-stop — a SIGSTOP to a process of two threads (Linux 6.6). The
 * stop is pending in the shared set at time 0 (sent before the model
 * starts; complete_signal picked the leader L, on its way back to user
 * mode). L takes it in get_signal: do_signal_stop starts the group stop,
 * counts itself and the other thread T (JOBCTL_STOP_PENDING, signal_wake_up
 * out of pause()), and stops. T stops on its way back to user mode; whichever thread stops last completes the group stop
 * (task_participate_group_stop: SIGNAL_STOP_STOPPED) and notifies the
 * parent, the shell, asleep in waitpid(L, WUNTRACED) on another CPU.
 * Variant count-tested-first, an invented bug: task_participate_group_stop
 * tests group_stop_count before decrementing it — no thread completes the
 * stop, and the shell sleeps although both threads are stopped.
 */
import { load, type Program, rmw } from '../../cpu/ops.ts';
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import {
  JOBCTL_STOP_CONSUME,
  JOBCTL_STOP_PENDING,
  JOBCTL_STOPPED,
  SIGNAL_STOP_STOPPED,
  WUNTRACED,
} from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants, sleepsWhile } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';

export default defineScenario({
  name: 'linux/group-stop',
  summary: 'SIGSTOP to a process of two threads: both stop, and the parent waiting for the stop is told (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'L returns to user mode with SIGSTOP shared-pending, T sleeps in pause(); the shell: waitpid(L, WUNTRACED)',
      source:
        'linux-6.6 kernel/signal.c:367-391 task_participate_group_stop, 2417-2520 do_signal_stop; kernel/exit.c:1256 wait_task_stopped',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'count-tested-first': {
      summary: 'task_participate_group_stop: if (!sig->group_stop_count) tested before sig->group_stop_count--',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the count reaches 0 after the last test: nobody sets SIGNAL_STOP_STOPPED',
        },
        { cpus: 1, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'the same on one CPU: the bug needs no race' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    if (variant === 'count-tested-first') {
      k.override('task_participate_group_stop', function* (k, ctx, task): Program<boolean> {
        const [jobctl, count] = [task.jobctl, task.signal.group_stop_count];
        const j: number = yield load(jobctl, here`task_participate_group_stop`, 'consume = task->jobctl & JOBCTL_STOP_CONSUME');
        yield* k.fn.task_clear_jobctl_pending(k, ctx, task, JOBCTL_STOP_PENDING);
        if (!(j & JOBCTL_STOP_CONSUME)) return false;
        const n: number = yield load(count, here`task_participate_group_stop`, 'last = !sig->group_stop_count');
        yield rmw(count, (c) => c - 1, here`task_participate_group_stop`, 'sig->group_stop_count--');
        if (n === 0) yield* k.fn.signal_set_stop_flags(k, ctx, task, SIGNAL_STOP_STOPPED, here`task_participate_group_stop`);
        return n === 0;
      });
    }
    let leader = null as unknown as LinuxTask;
    const waits = script(function* (u) {
      yield* u.waitpid(leader, WUNTRACED);
      yield* u.idle();
    });
    const shell = k.spawn('shell', 1, waits);
    const [toUser, pause] = [script((u) => u.returnToUser()), script((u) => u.pause())];
    leader = k.spawn('L', 0, toUser, { parent: shell, sharedPending: sigmask(SIG.SIGSTOP) });
    const t = k.spawn('T', 1, pause, { threadOf: leader });
    k.finish();
    const stopped = (m: ArrayLike<number>) => [leader, t].every((x) => (m[x.jobctl] as number) & JOBCTL_STOPPED);
    const unreported = (m: ArrayLike<number>) => stopped(m) && m[leader.signal.group_exit_code] !== 0;
    registerLinuxInvariants(b, k, { sleepsFor: [sleepsWhile(shell, 'both threads are stopped and unreported', unreported)] });
    return b.build();
  },
});
