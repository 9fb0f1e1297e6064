/**
 * linux/wait-signal — a signal to a parent blocked in waitpid (Linux 6.6).
 * P waits for its child C, which never changes state (it sleeps in
 * pause()); S sends P a SIGUSR1, which P catches with a handler. The wait
 * must give way: signal_wake_up ends P's TASK_INTERRUPTIBLE sleep, do_wait
 * finds the signal pending and returns -ERESTARTSYS (kernel/exit.c:1631-1632;
 * a wake that lands before P sleeps is seen the same way, through
 * set_current_state's barrier or schedule()'s signal_pending_state), the
 * return to user mode runs the handler, and — the handler being
 * SA_RESTART, as glibc's signal() installs it — handle_signal restarts the
 * system call (arch/x86/kernel/signal.c handle_signal: -ERESTARTSYS with
 * SA_RESTART rewinds the ip to the syscall instruction). The model
 * abstracts syscall restart: P's program makes the call again, as the
 * rewound instruction does. P then sleeps in the restarted wait for good.
 *
 * - signal-taken (terminal): P's waitpid returned -ERESTARTSYS to the
 *   signal delivery, and SIGUSR1 is no longer pending for P (get_signal
 *   dequeued it and the handler ran).
 * - livelock: do_wait never goes round its loop for ever (a wait that
 *   neither sleeps nor returns with a signal pending).
 *
 * Variant wait-uninterruptible (a bug put back): do_wait sleeps in
 * TASK_UNINTERRUPTIBLE instead of TASK_INTERRUPTIBLE (1603): the signal's
 * wake (signal_wake_up → TASK_INTERRUPTIBLE) does not reach P, which
 * sleeps on with SIGUSR1 pending.
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { ERESTARTSYS } from '../../kernel/linux/sched/wait.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import type { MachineView } from '../../model/types.ts';
import { TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { NOT_RETURNED, storeWaitResult, waitResultText } from './wait-common.ts';

const SIGNAL_TAKEN = 'signal-taken';

export default defineScenario({
  name: 'linux/wait-signal',
  summary: 'SIGUSR1 to a parent blocked in waitpid: -ERESTARTSYS, the handler runs, the wait restarts (Linux 6.6)',
  cpus: 2,
  invariants: [SIGNAL_TAKEN, 'livelock', 'no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'P (SIGUSR1 caught, SA_RESTART): waitpid(C, &status, 0), restarted — C: pause() — S: kill(P, SIGUSR1)',
      source: 'linux-6.6 kernel/exit.c:1582-1641 do_wait (1631-1633: -ERESTARTSYS, signal_pending, schedule)',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'wherever the signal lands in the wait loop, do_wait returns -ERESTARTSYS and the handler runs (with a tick on each CPU: 4,874 executions)',
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO store buffers on both CPUs, a tick on each: the same answer (133k states, 1.9× sc)',
        },
      ],
    },
    'wait-uninterruptible': {
      summary: 'do_wait: set_current_state(TASK_UNINTERRUPTIBLE) for TASK_INTERRUPTIBLE',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: SIGNAL_TAKEN,
          why: 'signal_wake_up wakes TASK_INTERRUPTIBLE sleepers only: P sleeps on in the wait with SIGUSR1 pending',
        },
        { cpus: 1, verdict: 'violated', invariant: SIGNAL_TAKEN, why: 'as on two CPUs: P sleeps before S runs' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'wait-uninterruptible') {
      // both ways of setting the state (with and without the barrier): the bug is the state, not the barrier
      const un = (state: number) => (state === TASK_INTERRUPTIBLE ? TASK_UNINTERRUPTIBLE : state);
      k.override('set_current_state', (kk, ctx, state) => kk.base.set_current_state(kk, ctx, un(state)), { within: 'do_wait' });
      k.override('__set_current_state', (kk, ctx, state) => kk.base.__set_current_state(kk, ctx, un(state)), {
        within: 'do_wait',
      });
    }
    const ret = b.layout.cell('P.waitpid', NOT_RETURNED);
    const status = b.layout.cell('P.status', 0);
    let c = null as unknown as LinuxTask;
    const p = k.spawn(
      'P',
      1,
      script(function* (u) {
        for (;;) {
          const res = yield* u.waitpid(c, 0);
          yield* storeWaitResult(ret, status, res, 'P', 'r = waitpid(C, &status, 0)');
          // handle_signal restarted the call (SA_RESTART): the program makes it again
          if (res.ret !== -ERESTARTSYS) break;
        }
        yield* u.idle();
      }),
      { actions: { [SIG.SIGUSR1]: 'handler' } },
    );
    c = k.spawn(
      'C',
      0,
      script((u) => u.idle()),
      { parent: p },
    );
    k.spawn(
      'S',
      0,
      script(function* (u) {
        yield* u.kill(p, SIG.SIGUSR1);
        yield* u.idle();
      }),
    );
    k.finish();
    registerLinuxInvariants(b, k);
    b.atEnd({ name: SIGNAL_TAKEN, check: (w) => signalTaken(w, p, c, ret, status) });
    return b.build();
  },
});

function signalTaken(w: MachineView, p: LinuxTask, c: LinuxTask, ret: number, status: number): string | null {
  const r = w.mem[ret] as number;
  const pending = ((w.mem[p.pending] as number) | (w.mem[p.signal.shared_pending] as number)) & sigmask(SIG.SIGUSR1);
  if (r === -ERESTARTSYS && pending === 0) return null;
  return `P's waitpid(C, &status, 0) returned ${waitResultText(c, r, w.mem[status] as number)}${pending ? ' and SIGUSR1 is still pending for P' : ''}: a caught signal ends the wait with -ERESTARTSYS and is delivered`;
}
