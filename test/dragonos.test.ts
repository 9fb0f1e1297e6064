import { describe, expect, it } from 'vitest';
import { load, spinLock, spinUnlock, store } from '../src/cpu/ops.ts';
import { DEFAULT_MAX_STEPS, runScenario } from '../src/explorer/run.ts';
import { PF, ST } from '../src/kernel/dragonos/consts.ts';
import type { Pcb } from '../src/kernel/dragonos/kernel.ts';
import { DragonKernel } from '../src/kernel/dragonos/kernel.ts';
import { wakeup } from '../src/kernel/dragonos/process.ts';
import { activateTask, idleLoop, resumeFromSchedule } from '../src/kernel/dragonos/sched.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { runFirst } from './helpers.ts';

/** The verdict (and broken invariant) of one exhaustive stateful-DFS run. */
function check(name: string, variant: string, cpus: number, only: string[] | null = null) {
  const s = findScenario(name);
  if (!s) throw new Error(`no scenario ${name}`);
  const { search, trace } = runScenario(s, {
    variant,
    cpus,
    strategy: 'dfs',
    seed: 1,
    runs: 1,
    invariants: only,
    maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
    cache: true,
    budget: {},
  });
  return { verdict: search.verdict, invariant: search.violation?.invariant ?? null, trace };
}

describe('dragonos/c1-siginfo-trylock', () => {
  it('pr1663 drops the injected signal when another CPU reads sig_info during the five try-locks', () => {
    const r = check('dragonos/c1-siginfo-trylock', 'pr1663', 2);
    expect([r.verdict, r.invariant]).toEqual(['violated', 'signal-handled-once']);
    expect(r.trace?.steps.some((s) => s.what.includes('try_siginfo_mut(5) failed: return'))).toBe(true);
  });
  it('head delivers the signal PTRACE_CONT injects; the same search finds it lost when the store comes after the wakeup', () => {
    const RD = ['ptrace-resume-delivered'];
    expect(check('dragonos/c1-siginfo-trylock', 'head', 2, RD).verdict).toBe('holds');
    const bug = check('dragonos/c1-siginfo-trylock', 'resume-wakes-before-inject', 2, RD);
    expect(bug).toMatchObject({ verdict: 'violated', invariant: 'ptrace-resume-delivered' });
    expect(bug.trace?.violation.message).toMatch(/resumed with SIGUSR1 injected, but its ptrace_stop took none/);
  });
  it('pr1663 holds on one CPU: the reader holds sig_info with irqs off', () => {
    expect(check('dragonos/c1-siginfo-trylock', 'pr1663', 1).verdict).toBe('holds');
  });
});

describe('dragonos/c2-irq-enable', () => {
  const LOST = ['no-return-with-pending-work'];
  const IRQ = ['lock-discipline'];
  it('master loses the kick after the last flag re-read, on one CPU too (a timer tick)', () => {
    expect(check('dragonos/c2-irq-enable', 'master', 1, LOST)).toMatchObject({ verdict: 'violated', invariant: LOST[0] });
  });
  it('pr1663 disables irqs before every flag check: the same search finds no lost kick', () => {
    expect(check('dragonos/c2-irq-enable', 'pr1663', 1, LOST).verdict).toBe('holds');
  });
  it('master do_signal returns with irqs on although entered with them off; pr1663 enters with them on', () => {
    expect(check('dragonos/c2-irq-enable', 'master', 1, IRQ)).toMatchObject({ verdict: 'violated', invariant: IRQ[0] });
    expect(check('dragonos/c2-irq-enable', 'pr1663', 1, IRQ).verdict).toBe('holds');
  });
});

describe('dragonos/c3-detach-wakeup', () => {
  it('pr1663 detach enqueues a tracee that is still queued: nr_running drifts, on two CPUs and on one', () => {
    expect(check('dragonos/c3-detach-wakeup', 'pr1663', 1)).toMatchObject({ verdict: 'violated', invariant: 'runqueue-sane' });
  });
  it('pr1663 detach before the tracee publishes TracedStopped leaves it stuck with no tracer', () => {
    expect(check('dragonos/c3-detach-wakeup', 'pr1663', 1, ['no-stuck-traced'])).toMatchObject({
      verdict: 'violated',
      invariant: 'no-stuck-traced',
    });
  });
  it('master has no ptrace stop: nothing to get stuck in or enqueue twice', () => {
    expect(check('dragonos/c3-detach-wakeup', 'master', 1, ['no-stuck-traced', 'runqueue-sane']).verdict).toBe('holds');
  });
});

describe('dragonos/c4-mark-stop-vs-sigcont', () => {
  it('pr1663: SIGCONT between the stop flags and mark_stop is lost, on two CPUs and on one (a timer tick)', () => {
    expect(check('dragonos/c4-mark-stop-vs-sigcont', 'pr1663', 1, ['no-lost-wakeup'])).toMatchObject({
      verdict: 'violated',
      invariant: 'no-lost-wakeup',
    });
  });
  it('pr1663 and head: a task that mark_stop made Stopped stays queued and returns to user mode (no race needed); master dequeues it', () => {
    const SNR = ['stopped-never-runs'];
    for (const v of ['pr1663', 'head']) {
      const r = check('dragonos/c4-mark-stop-vs-sigcont', v, 2, SNR);
      expect(r).toMatchObject({ verdict: 'violated', invariant: 'stopped-never-runs' });
      expect(r.trace?.stats.preemptions).toBe(0);
      // __schedule read is_mark_sleep() as 0 and picked T again
      expect(r.trace?.steps.some((s) => s.what.includes('is_mark_sleep()') && s.ref.includes('__schedule'))).toBe(true);
    }
    expect(check('dragonos/c4-mark-stop-vs-sigcont', 'master', 2, SNR).verdict).toBe('holds');
  });
});

describe('dragonos/two-wakers', () => {
  it('two CPUs waking one sleeping task: pr1663 and head queue it once; without the double check it is queued twice', () => {
    for (const v of ['pr1663', 'head']) expect(check('dragonos/two-wakers', v, 2).verdict).toBe('holds');
    const bug = check('dragonos/two-wakers', 'pr1663-no-recheck', 2);
    expect(bug).toMatchObject({ verdict: 'violated', invariant: 'runqueue-sane' });
    // both wakers passed the read-locked state check before either made S Runnable
    expect(bug.trace?.steps.filter((s) => s.what === 'set_state(Runnable)').length).toBe(2);
  });
});

describe('wakeup preemption: check_preempt_currnet after activate_task (sched/mod.rs 469-490, 634-659)', () => {
  /**
   * S, current on CPU0, wakes T (Blocked, parked on `tCpu`) with wakeup();
   * then S records its own NEED_SCHEDULE and whether a kick IPI waits on
   * T's CPU. No interrupt source is installed, so a sent IPI stays pending.
   */
  function afterWakeup(tCpu: number, skipResched = false) {
    const b = new ModelBuilder(2);
    const k = new DragonKernel(b, 'pr1663');
    if (skipResched) k.override('reschedCurrent', function* () {});
    const [needResched, ipi] = [b.layout.cell('seen.need_schedule'), b.layout.cell('seen.ipi')];
    const t: Pcb = k.spawn('T', { cpu: tCpu, start: 'parked', state: ST.BlockedInterruptible, sleep: true }, function* () {});
    const s: Pcb = k.spawn('S', { cpu: 0, start: 'current' }, function* (ctx) {
      yield* wakeup(k, t, ctx);
      const f: number = yield load(s.flags, 'test');
      yield store(needResched, f & PF.NEED_SCHEDULE ? 1 : 0, 'test');
      const sent: number = yield load(k.rq(tCpu).ipi, 'test');
      yield store(ipi, sent, 'test');
    });
    k.finish(
      (ctx) => resumeFromSchedule(k, ctx),
      (rq, ctx) => idleLoop(k, rq, ctx),
    );
    const m = runFirst(new Machine(b.build()));
    return { needResched: m.mem[needResched], ipi: m.mem[ipi] };
  }
  it('T queued on the waker’s CPU: NEED_SCHEDULE goes into the waker’s own flags (resched_current, 654)', () => {
    expect(afterWakeup(0)).toEqual({ needResched: 1, ipi: 0 });
  });
  it('T queued on another CPU, running its idle task: a reschedule IPI, the kick (659, send_resched_ipi)', () => {
    expect(afterWakeup(1)).toEqual({ needResched: 0, ipi: 1 });
  });
  it('with resched_current left out, neither happens', () => {
    expect(afterWakeup(0, true)).toEqual({ needResched: 0, ipi: 0 });
    expect(afterWakeup(1, true)).toEqual({ needResched: 0, ipi: 0 });
  });
});

describe('CFS enqueue of a task already on the runqueue', () => {
  /** One task current on CPU0; a second activate_task of it under the rq lock. */
  function nrRunningAfterDoubleActivate(variant: 'pr1663' | 'master'): number {
    const b = new ModelBuilder(1);
    const k = new DragonKernel(b, variant);
    const seen = b.layout.cell('seen.nr_running');
    const t = k.spawn('T', { cpu: 0, start: 'current' }, function* () {
      const rq = k.rq(0);
      yield spinLock(rq.lock, 'test');
      yield* activateTask(k, rq, t);
      const nr: number = yield load(rq.nr, 'test');
      yield spinUnlock(rq.lock, 'test');
      yield store(seen, nr, 'test');
    });
    k.finish(
      (ctx) => resumeFromSchedule(k, ctx),
      (rq, ctx) => idleLoop(k, rq, ctx),
    );
    const m = runFirst(new Machine(b.build()));
    return m.mem[seen] as number;
  }
  it('adds one to nr_running in pr1663 (fair.rs:1414 then 1465) and nothing in master (1403-1404)', () => {
    expect(nrRunningAfterDoubleActivate('pr1663')).toBe(2);
    expect(nrRunningAfterDoubleActivate('master')).toBe(1);
  });
});
