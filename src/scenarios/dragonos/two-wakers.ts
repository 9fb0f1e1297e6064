/**
 * dragonos/two-wakers — two CPUs wake one sleeping task at once (DragonOS
 * PR #1663). S sleeps (Blocked(interruptible), off its runqueue, parked in
 * schedule()); W1 on CPU0 and W2 on CPU1 each make the wait-queue wakeup
 * that ends in ProcessManager::wakeup(S). Both can read Blocked under the
 * read lock; the double check under the write lock (process/mod.rs
 * pr1663:263, head:307) lets the first through and turns the second back,
 * so activate_task runs once and S is queued once.
 *
 * - runqueue-sane: each runqueue's nr_running counts the tasks on it (an
 *   activate_task of a task already queued adds to nr_running only).
 * - no-lost-wakeup: S, woken, is Runnable and on its runqueue (wakeup
 *   preemption is not modelled and no tick comes with two CPUs, so the
 *   wakers keep their CPUs: S being queued is where the wakeup ends).
 *
 * - guard-held: S's state and sleep flag change only under its
 *   sched_info write lock (common.ts).
 *
 * Variant pr1663-no-recheck, an invented bug: wakeup without the double
 * check — the second waker makes S Runnable again and enqueues it again.
 * Variant pr1663-state-after-unlock, an invented bug: wakeup drops the
 * write guard before set_state(Runnable) — a write the Rust source cannot
 * make (the state is reachable only through the guard).
 */
import {
  irqRestore,
  irqSave,
  load,
  type Program,
  readLock,
  readUnlock,
  spinLock,
  spinUnlock,
  store,
  writeLock,
  writeUnlock,
} from '../../cpu/ops.ts';
import { type DragonKernel, type Pcb, ST } from '../../kernel/dragonos/kernel.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import {
  BOUNDS,
  COMMITS,
  finishKernel,
  GUARD_HELD,
  NO_LEDGER,
  newKernel,
  runqueueSane,
  simpleHandler,
  TICK_EACH,
} from './common.ts';

const INVARIANTS = ['runqueue-sane', 'no-lost-wakeup', 'lock-discipline', GUARD_HELD, 'deadlock'];

export default defineScenario({
  name: 'dragonos/two-wakers',
  summary: 'two CPUs wake one sleeping task at once: it is queued once and runs (DragonOS PR #1663)',
  cpus: 2,
  invariants: INVARIANTS,
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary: 'W1, W2: ProcessManager::wakeup(S) — S: Blocked(true), parked in schedule()',
      source: `${COMMITS.pr1663}: process/mod.rs:247-296 ProcessManager::wakeup`,
      expect: [
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'the double check under W(sched_info) (263) sends the second waker back once the first made S Runnable: S is enqueued once (with a tick on each CPU: 6,497 executions)',
        },
        { cpus: 1, verdict: 'holds', why: 'wakeup runs with irqs off: no tick splits one waker' },
      ],
    },
    head: {
      summary: 'the same on the PR head',
      source: `${COMMITS.head}: process/mod.rs:290-343 ProcessManager::wakeup`,
      expect: [
        { cpus: 2, irq: TICK_EACH, verdict: 'holds', why: 'the same double check (307), with a tick on each CPU' },
        { cpus: 1, verdict: 'holds', why: 'as on pr1663' },
      ],
    },
    'pr1663-no-recheck': {
      summary:
        'pr1663 with ProcessManager::wakeup going from the read-locked state check to set_state(Runnable) without the double check',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'runqueue-sane',
          why: 'both wakers read Blocked; each makes S Runnable and calls activate_task: the second enqueue counts S twice',
        },
        { cpus: 1, verdict: 'holds', why: 'irqs are off through each wakeup: the second waker reads Runnable and returns' },
      ],
    },
    'pr1663-state-after-unlock': {
      summary: 'pr1663 with ProcessManager::wakeup writing set_state(Runnable) after drop(writer)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: GUARD_HELD,
          why: "the first waker's set_state(Runnable) comes after its write guard is gone",
        },
        { cpus: 1, verdict: 'violated', invariant: GUARD_HELD, why: 'the same with one waker after the other' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = newKernel(b, variant === 'pr1663-no-recheck' || variant === 'pr1663-state-after-unlock' ? 'pr1663' : variant);
    if (variant === 'pr1663-no-recheck') k.override('wakeup', buggyWakeup('no-recheck'));
    if (variant === 'pr1663-state-after-unlock') k.override('wakeup', buggyWakeup('state-after-unlock'));
    const envOf = (_p: Pcb): DoSignalEnv => ({ ledger: NO_LEDGER, handle: simpleHandler(k) });
    const S = k.spawn('S', { cpu: 0, start: 'parked', state: ST.BlockedInterruptible, sleep: true }, (ctx) =>
      k.fn.syscallReturnAndRun(k, S, envOf(S), ctx),
    );
    const waker = (name: string, cpu: number) => {
      const w: Pcb = k.spawn(name, { cpu, start: 'current' }, function* (ctx) {
        yield* k.fn.wakeup(k, S, ctx); // WaitQueue::wakeup → ProcessManager::wakeup
        yield* k.fn.syscallReturnAndRun(k, w, envOf(w), ctx);
      });
    };
    waker('W1', 0);
    waker('W2', 1);
    finishKernel(k, envOf);
    runqueueSane(b, k);
    b.atEnd({
      name: 'no-lost-wakeup',
      check: (w) => {
        const queued = ((w.mem[k.rqOf(S).queue] as number) & (1 << S.id)) !== 0;
        if (w.mem[S.state] === ST.Runnable && queued) return null;
        return `S, woken twice, is ${w.layout.format(S.state, w.mem[S.state] as number)} and ${queued ? 'on' : 'off'} its runqueue: the wakeup is lost`;
      },
    });
    return b.build();
  },
});

/**
 * ProcessManager::wakeup (pr1663 247-296) with a bug put back: without the double check under the
 * write lock (263-275), or with set_state(Runnable) after drop(writer) (278 after 282).
 */
function buggyWakeup(bug: 'no-recheck' | 'state-after-unlock') {
  return function* (k: DragonKernel, p: Pcb, ctx: TaskContext): Program<boolean> {
    const irq: number = yield irqSave(here`wakeup`, 'save_and_disable_irq');
    yield readLock(p.schedInfo, here`wakeup`, 'inner_lock_read_irqsave()');
    const st: number = yield load(p.state, here`wakeup`, 'state()');
    yield readUnlock(p.schedInfo, here`wakeup`, 'read guard dropped');
    if (st !== ST.BlockedInterruptible && st !== ST.TracedStopped) {
      yield irqRestore(irq, here`wakeup`, 'not Blocked/TracedStopped: return');
      return false;
    }
    yield writeLock(p.schedInfo, here`wakeup`, 'inner_lock_write_irqsave()');
    if (bug === 'state-after-unlock') {
      const st2: number = yield load(p.state, here`wakeup`, 'double check: current_state');
      if (st2 !== ST.BlockedInterruptible && st2 !== ST.TracedStopped) {
        yield writeUnlock(p.schedInfo, here`wakeup`, 'drop(writer)');
        yield irqRestore(irq, here`wakeup`, 'return Ok');
        return false;
      }
      yield store(p.sleep, 0, here`wakeup`, 'set_wakeup(): sleep = false');
      yield writeUnlock(p.schedInfo, here`wakeup`, 'drop(writer)');
      yield store(p.state, ST.Runnable, here`wakeup`, 'set_state(Runnable), the guard dropped');
    } else {
      yield store(p.state, ST.Runnable, here`wakeup`, 'set_state(Runnable)');
      yield store(p.sleep, 0, here`wakeup`, 'set_wakeup(): sleep = false');
      yield writeUnlock(p.schedInfo, here`wakeup`, 'drop(writer)');
    }
    const cpu: number = yield load(p.onCpu, here`wakeup`, 'cpu_rq(on_cpu)');
    const rq = k.rq(cpu);
    yield spinLock(rq.lock, here`wakeup`, 'rq.self_lock()');
    yield* k.fn.activateTask(k, rq, p);
    yield* k.fn.checkPreemptCurrnet(k, rq, p, ctx);
    yield spinUnlock(rq.lock, here`wakeup`, 'rq guard dropped');
    yield irqRestore(irq, here`wakeup`, 'irq guard dropped');
    return true;
  };
}
