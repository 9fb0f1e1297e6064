/**
 * linux/attach-own-thread — PTRACE_ATTACH and PTRACE_SEIZE of a thread of
 * the caller's own group fail with EPERM (Linux 6.6).
 *
 * Process {T, T2}: T (CPU1) asks PTRACE_ATTACH of T2 (CPU0, asleep in
 * pause()), then PTRACE_SEIZE of T2, then PTRACE_ATTACH of itself. Each is
 * refused before anything is touched: ptrace_attach returns -EPERM at
 * "if (same_thread_group(task, current)) goto out" (ptrace.c:420-421), so
 * T2 is never linked, never sent SIGSTOP.
 *
 * - ptrace-returns: the three calls return -EPERM.
 *
 * Variant attach-own-thread (a bug put back): ptrace_attach without the
 * thread-group test: T becomes its own thread's tracer.
 */
import type { Program } from '../../cpu/ops.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { EPERM, PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { expectCall, PTRACE_RETURNS, wrongReturnRows } from './refusal-common.ts';

const REF = 'linux-6.6 kernel/ptrace.c:420-421 ptrace_attach';

export default defineScenario({
  name: 'linux/attach-own-thread',
  summary: 'PTRACE_ATTACH/SEIZE of a thread of the caller’s own group, or of itself: EPERM (Linux 6.6)',
  cpus: 2,
  invariants: [PTRACE_RETURNS, ...PTRACE_INVARIANTS],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'T: ATTACH T2; SEIZE T2; ATTACH T — T2 (a thread of T’s process): pause()',
      source: REF,
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'each call is refused before it touches T2, whatever T2 is doing, with a tick on each CPU',
        },
      ],
    },
    'attach-own-thread': {
      summary: 'ptrace_attach without "if (same_thread_group(task, current)) goto out"',
      expect: wrongReturnRows('T attaches its own thread T2'),
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'attach-own-thread') {
      // same_thread_group(task, current) is the first thing ptrace_attach tests, before its first step: the
      // variant runs 6.6's function with that test answering "no" until its first step, and as it is after
      k.override('ptrace_attach', function* (kk, ctx, task, seize, options): Program<number> {
        const run = kk.base.ptrace_attach(kk, ctx, task, seize, options);
        const same = kk.sameThreadGroup;
        kk.sameThreadGroup = () => false;
        let r: IteratorResult<unknown, number>;
        try {
          r = run.next();
        } finally {
          kk.sameThreadGroup = same;
        }
        while (!r.done) r = run.next(yield r.value as never);
        return r.value;
      });
    }
    let t2 = null as unknown as LinuxTask;
    const t = k.spawn(
      'T',
      1,
      script(function* (u) {
        yield* expectCall('T', 'ptrace(PTRACE_ATTACH, T2)', u.ptrace(PTRACE.ATTACH, t2), -EPERM, REF);
        yield* expectCall('T', 'ptrace(PTRACE_SEIZE, T2)', u.ptrace(PTRACE.SEIZE, t2), -EPERM, REF);
        yield* expectCall('T', 'ptrace(PTRACE_ATTACH, T)', u.ptrace(PTRACE.ATTACH, u.me), -EPERM, REF);
        yield* u.idle();
      }),
    );
    t2 = k.spawn(
      'T2',
      0,
      script((u) => u.pause()),
      { threadOf: t },
    );
    const pt = setupPtrace(k);
    k.finish();
    registerLinuxInvariants(b, k);
    registerPtraceInvariants(b, k, pt);
    return b.build();
  },
});
