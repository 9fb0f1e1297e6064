/**
 * kernel/sched/core.c (Linux 6.6.9) wait_task_inactive and task_rq_lock:
 * wait until a task in `match_state` is off its CPU, as ptrace_check_attach
 * does before a request touches the stopped tracee.
 *
 * The `while (task_on_cpu(rq, p)) cpu_relax()` spin is one blocking step
 * (enabled once p is off its CPU or has left the state; the !RT state test
 * is lockless). The one-tick sleep for a task still queued
 * (schedule_hrtimeout, 2366-2370) is abstracted to a schedule() that keeps
 * the caller runnable: whatever is queued on its CPU runs before the retry.
 */
import { awaitCond, load, type Program, spinLock, spinUnlock } from '../../../cpu/ops.ts';
import type { TaskContext } from '../../../model/types.ts';
import type { LinuxKernel } from '../kernel.ts';
import { raw_spin_lock_irqsave, raw_spin_unlock_irqrestore } from '../locking.ts';
import type { LinuxTask, Runqueue } from '../objects.ts';

const C = 'linux-6.6 kernel/sched/core.c';
const r = (line: number, fn: string) => `${C}:${line} ${fn}`;

/** task_rq_lock — core.c:651-688: p->pi_lock, then its runqueue's lock, retrying if p moved. Returns rq and the saved flags. */
export function* task_rq_lock(k: LinuxKernel, _ctx: TaskContext, p: LinuxTask): Program<[Runqueue, number]> {
  const F = 'task_rq_lock';
  for (;;) {
    const flags = yield* raw_spin_lock_irqsave(p.pi_lock, r(658, F), `raw_spin_lock_irqsave(&${p.name}->pi_lock)`);
    const cpu: number = yield load(p.cpu, r(659, F), 'rq = task_rq(p)');
    const rq = k.rq(cpu);
    yield spinLock(rq.lock, r(660, F), 'raw_spin_rq_lock(rq)');
    const again: number = yield load(p.cpu, r(678, F), 'if (likely(rq == task_rq(p) && !task_on_rq_migrating(p)))');
    if (again === cpu) return [rq, flags];
    yield spinUnlock(rq.lock, r(682, F), 'raw_spin_rq_unlock(rq)');
    yield* raw_spin_unlock_irqrestore(p.pi_lock, flags, r(683, F));
  }
}

/** wait_task_inactive — core.c:2285-2382: nonzero (the switch count, here 1) once p is seen off-CPU, dequeued, in match_state. */
export function* wait_task_inactive(k: LinuxKernel, ctx: TaskContext, p: LinuxTask, matchState: number): Program<number> {
  const F = 'wait_task_inactive';
  for (;;) {
    yield load(p.cpu, r(2299, F), 'rq = task_rq(p)');
    yield awaitCond(
      [p.on_cpu, p.state],
      (m) => m[p.on_cpu] === 0 || ((m[p.state] as number) & matchState) === 0,
      r(2312, F),
      'while (task_on_cpu(rq, p)) { if (!task_state_match(p, match_state)) return 0; cpu_relax(); }',
    );
    const onCpu: number = yield load(p.on_cpu, r(2312, F), 'while (task_on_cpu(rq, p))');
    if (onCpu) {
      const st: number = yield load(p.state, r(2313, F), 'if (!task_state_match(p, match_state)) return 0');
      if (!(st & matchState)) return 0;
      continue;
    }
    const [rq, flags] = yield* k.fn.task_rq_lock(k, ctx, p); // 2323
    const running: number = yield load(p.on_cpu, r(2325, F), 'running = task_on_cpu(rq, p)');
    const queued: number = yield load(p.on_rq, r(2326, F), 'queued = task_on_rq_queued(p)');
    const st: number = yield load(p.state, r(2328, F), 'if ((match = __task_state_match(p, match_state)))');
    const ncsw = st & matchState ? 1 : 0; // 2335 p->nvcsw | LONG_MIN
    yield spinUnlock(rq.lock, r(2337, F), 'task_rq_unlock: raw_spin_rq_unlock(rq)');
    yield* raw_spin_unlock_irqrestore(p.pi_lock, flags, r(2337, F), 'task_rq_unlock: raw_spin_unlock_irqrestore(&p->pi_lock)');
    if (!ncsw) return 0; // 2342-2343
    if (running) continue; // 2351-2354
    if (queued) {
      // 2366-2370: set_current_state(TASK_UNINTERRUPTIBLE); schedule_hrtimeout(&to, HRTIMER_MODE_REL_HARD), a
      // one-tick sleep that its hrtimer ends. No hrtimer is modelled: the caller stays TASK_RUNNING and calls
      // schedule(), so p — preempted before its own schedule(), still queued, maybe on this very CPU — runs before
      // the retry, as it does while the caller sleeps. (Retrying at once spun forever when p shared the CPU.)
      yield* k.fn.schedule(k, ctx);
      continue;
    }
    return ncsw; // 2378-2381
  }
}
