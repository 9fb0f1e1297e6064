/**
 * Small generated workloads on the Linux substrate: each task either sleeps
 * on its own condition (wait_event in some state) or acts on another task
 * (sets its condition and wakes it, kills it, or stops and continues it);
 * every task returns to user mode at the end, where it takes its signals.
 * Bounds: one tick on a uniprocessor (else none), no reschedule IPIs.
 */
import fc from 'fast-check';
import { load, type Program, store } from '../../cpu/ops.ts';
import { ModelBuilder } from '../../model/build.ts';
import type { ModelDef } from '../../model/types.ts';
import { SIG } from '../common/bits.ts';
import { __TASK_STOPPED, TASK_INTERRUPTIBLE, TASK_KILLABLE, TASK_NORMAL, TASK_UNINTERRUPTIBLE } from './consts.ts';
import { registerLinuxInvariants, type SleepCondition } from './invariants.ts';
import { LinuxKernel } from './kernel.ts';
import { type LinuxBug, putBack } from './known-bugs.ts';
import type { LinuxTask } from './objects.ts';

export type Action =
  | { readonly kind: 'sleep'; readonly state: 'interruptible' | 'uninterruptible' | 'killable' }
  | { readonly kind: 'wake' | 'kill' | 'stopcont'; readonly target: number };

export interface TaskSpec {
  readonly cpu: number;
  readonly action: Action;
}

export interface Workload {
  readonly cpus: number;
  readonly tasks: readonly TaskSpec[];
}

const STATES = { interruptible: TASK_INTERRUPTIBLE, uninterruptible: TASK_UNINTERRUPTIBLE, killable: TASK_KILLABLE } as const;

/**
 * 2–3 tasks on 1–3 CPUs. A workload that sends signals has 2 tasks and one
 * sender: with more, the signal paths make some exhaustive searches take
 * minutes (two SIGSTOP/SIGCONT senders on 3 CPUs: ~110,000 states).
 */
export function workloadArb(maxCpus = 3): fc.Arbitrary<Workload> {
  return fc
    .record({ cpus: fc.integer({ min: 1, max: maxCpus }), n: fc.integer({ min: 2, max: 3 }) })
    .chain(({ cpus, n }) =>
      fc.record({
        cpus: fc.constant(cpus),
        tasks: fc.array(
          fc.record({
            cpu: fc.integer({ min: 0, max: cpus - 1 }),
            action: fc.oneof(
              fc.record({
                kind: fc.constant('sleep' as const),
                state: fc.constantFrom('interruptible' as const, 'uninterruptible' as const, 'killable' as const),
              }),
              fc.record({
                kind: fc.constantFrom('wake' as const, 'kill' as const, 'stopcont' as const),
                target: fc.integer({ min: 0, max: n - 1 }),
              }),
            ),
          }),
          { minLength: n, maxLength: n },
        ),
      }),
    )
    .filter((w) => {
      const senders = w.tasks.filter((t) => t.action.kind === 'kill' || t.action.kind === 'stopcont').length;
      return senders === 0 || (senders === 1 && w.tasks.length === 2);
    });
}

const REF = 'property workload';

export function buildWorkload(w: Workload, bugs: readonly LinuxBug[] = []): ModelDef {
  const b = new ModelBuilder(w.cpus);
  const k = new LinuxKernel(b, { ticks: w.cpus === 1 ? 1 : 0, ipis: 0 });
  for (const bug of bugs) putBack(k, bug);
  const conds = w.tasks.map((_, i) => b.layout.cell(`cond${i}`, 0));
  const wqs = w.tasks.map((_, i) => k.waitQueue(`wq${i}`));
  const tasks: LinuxTask[] = [];
  w.tasks.forEach((spec, i) => {
    const a = spec.action;
    tasks.push(
      k.spawn(`t${i}`, spec.cpu, function* (kk, _me, ctx): Program<void> {
        if (a.kind === 'sleep') {
          const cond = conds[i] as number;
          yield* kk.fn.___wait_event(kk, ctx, wqs[i]!, STATES[a.state], function* () {
            return (yield load(cond, REF, `condition: cond${i}`)) !== 0;
          });
        } else if (a.kind === 'wake') {
          yield store(conds[a.target] as number, 1, REF, `cond${a.target} = 1`);
          yield* kk.fn.__wake_up(kk, ctx, wqs[a.target]!, TASK_NORMAL);
        } else if (a.kind === 'kill') {
          yield* kk.fn.group_send_sig_info(kk, ctx, SIG.SIGKILL, tasks[a.target]!);
        } else {
          yield* kk.fn.group_send_sig_info(kk, ctx, SIG.SIGSTOP, tasks[a.target]!);
          yield* kk.fn.group_send_sig_info(kk, ctx, SIG.SIGCONT, tasks[a.target]!);
        }
        yield* kk.fn.exit_to_user_mode(kk, ctx);
      }),
    );
  });
  k.finish();
  const sleepsFor: SleepCondition[] = [];
  w.tasks.forEach((spec, i) => {
    if (spec.action.kind === 'sleep')
      sleepsFor.push({ task: tasks[i]!, what: `cond${i} = 1`, holds: (m) => m[conds[i] as number] === 1 });
    const stoppers = w.tasks.filter((t) => t.action.kind === 'stopcont' && t.action.target === i).length;
    if (stoppers === 1)
      sleepsFor.push({ task: tasks[i]!, states: __TASK_STOPPED, what: 'SIGCONT followed the SIGSTOP', holds: () => true });
  });
  registerLinuxInvariants(b, k, { sleepsFor });
  return b.build();
}
