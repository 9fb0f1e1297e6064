/**
 * linux/wake-list — wakeups through the wake list (sched_feat(TTWU_QUEUE),
 * Linux 6.6). Two tasks sleep on CPU0 waiting for a flag each; a waker on
 * CPU1 sets the flags and wakes them. A wakee still descheduling on CPU0
 * (p->on_cpu), or bound for CPU0 with nothing on its runqueue, is not
 * enqueued by the waker: it goes on CPU0's call_single_queue and, when the
 * list was empty, an IPI tells CPU0, whose handler takes the whole list
 * (llist_del_all) and enqueues each wakee once it is off its CPU
 * (sched_ttwu_pending). Variant del-all-in-two-steps, an invented bug: the
 * handler reads the list and then stores NULL — a wakee added in between,
 * by a waker that found the list non-empty and so sent no IPI, is dropped.
 */
import { load, store } from '../../cpu/ops.ts';
import { fifoEntries } from '../../kernel/common/fifo.ts';
import { registerLinuxInvariants, sleepsWhile } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { script } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import { TICK_BOUNDS, TICK_ONE } from './ptrace-common.ts';

export default defineScenario({
  name: 'linux/wake-list',
  summary: 'two wakeups from another CPU through the wake list and its IPI (Linux 6.6, TTWU_QUEUE)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: `${TICK_BOUNDS}; 8 wake-list IPIs per CPU`,
  variants: {
    'linux-6.6': {
      summary: "A, B (CPU0): wait for their flag — W (CPU1): set A's flag, wake A; set B's, wake B",
      source:
        'linux-6.6 kernel/sched/core.c:3874-4012 sched_ttwu_pending, ttwu_queue_wakelist, 4320-4322 try_to_wake_up; kernel/smp.c:349-383, 445-560',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          verdict: 'holds',
          long: true,
          search: { strategy: 'dpor' },
          why: 'dpor: 9,506 executions, 2.4M steps, 173 s under nice -n 19 at load 9-12 on the 2-core machine (dfs: 192,182 executions); no tick: the tick-free search is long already',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO, no tick: 6.55M states (2.6× the same search on sc, 2.55M), 38 s at load 4 on the 2-core machine',
        },
      ],
    },
    'del-all-in-two-steps': {
      summary: '__flush_smp_call_function_queue: entry = head->first; head->first = NULL (not one xchg)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'runqueue-sane',
          why: "B joins the list between CPU0's read and its store: B stays TASK_WAKING on no runqueue",
        },
        { cpus: 1, verdict: 'holds', why: 'one CPU wakes directly: the wake list is for other CPUs' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ttwuQueue: true });
    if (variant === 'del-all-in-two-steps') {
      k.override('__flush_smp_call_function_queue', function* (k, ctx) {
        const wl = k.wakeList(ctx.cpu());
        const list: number = yield load(wl.wake_list, here`__flush_smp_call_function_queue`, 'entry = head->first');
        yield store(wl.wake_list, 0, here`__flush_smp_call_function_queue`, 'head->first = NULL');
        const wakees = fifoEntries(list).map((e) => e.task);
        if (list) yield* k.fn.sched_ttwu_pending(k, ctx, wakees);
      });
    }
    const [fa, fb] = [b.layout.cell('user.flag_a'), b.layout.cell('user.flag_b')];
    const [waitA, waitB] = [script((u) => u.waitFlag(fa)), script((u) => u.waitFlag(fb))];
    const a = k.spawn('A', 0, waitA);
    const bb = k.spawn('B', 0, waitB);
    const wakes = script(function* (u) {
      yield* u.setFlag(fa, a);
      yield* u.setFlag(fb, bb);
    });
    k.spawn('W', 1, wakes);
    k.finish();
    const set = (f: number) => (m: ArrayLike<number>) => m[f] !== 0;
    registerLinuxInvariants(b, k, {
      sleepsFor: [sleepsWhile(a, 'its flag is set', set(fa)), sleepsWhile(bb, 'its flag is set', set(fb))],
    });
    return b.build();
  },
});
