/**
 * What the self-ptrace scenarios share: the variant table, the traced
 * process's set-up (its interception cells and its user-space runtime),
 * the invariants they check, and a sender of SIGUSR1.
 */

import { nop } from '../../cpu/ops.ts';
import { SIG, signalName } from '../../kernel/common/bits.ts';
import { KERNEL_ASSERT } from '../../kernel/common/kernel-assert.ts';
import type { LinuxKernel, SpawnOptions } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import type { Site } from '../../kernel/selfptrace/design.ts';
import { declareSelfptraceGuards } from '../../kernel/selfptrace/guards.ts';
import { allocSelfProcess, type SelfProcess } from '../../kernel/selfptrace/process.ts';
import { group_send_sig_info, SIGSYS_NOT_FATAL } from '../../kernel/selfptrace/signal.ts';
import { CAN_DISARM, type Handler, INTERCEPT_ONCE, type Script, UserProcess } from '../../kernel/selfptrace/user.ts';
import type { SelfVariant } from '../../kernel/selfptrace/variants.ts';

export const SELF_INVARIANTS = [
  KERNEL_ASSERT,
  INTERCEPT_ONCE,
  CAN_DISARM,
  SIGSYS_NOT_FATAL,
  'deadlock',
  'lock-discipline',
] as const;

/**
 * Ends the build of a self-ptrace model: the kernel's finish(), then the
 * lock rules of its tasks and of the self-intercepting processes.
 */
export function finishSelf(k: LinuxKernel, procs: readonly SelfProcess[]): void {
  k.finish();
  declareSelfptraceGuards(k.b, k, procs);
}

/** Spawns the self-intercepting process: `main` runs with `handlers` installed for SIGSYS (and any others). */
export function spawnTraced(
  k: LinuxKernel,
  v: SelfVariant,
  name: string,
  cpu: number,
  handlers: Readonly<Record<number, Handler>>,
  main: Script,
  opts: Omit<SpawnOptions, 'actions'> & {
    readonly configured?: boolean;
    readonly userInterrupts?: boolean;
    /** where the signal restorer lives (default: the tracer's code, the allowed region) */
    readonly restorer?: Site;
  } = {},
): SelfProcess {
  const configured = opts.configured === true;
  const actions = Object.fromEntries(Object.keys(handlers).map((s) => [Number(s), 'handler' as const]));
  let sp: SelfProcess | null = null;
  const t = k.spawn(
    name,
    cpu,
    function* (kk, _me, ctx) {
      // a fresh runtime per execution: its state is a function of this run's steps
      yield* main(
        new UserProcess(
          kk,
          ctx,
          v.design,
          sp as NonNullable<typeof sp>,
          handlers,
          configured,
          opts.userInterrupts === true,
          opts.restorer ?? 'tracer',
        ),
      );
    },
    { ...opts, actions },
  );
  sp = allocSelfProcess(k.b, t, configured && v.design.name === 'sud');
  return sp;
}

/**
 * A signal sent to `target` from interrupt context on `cpu` (as a timer or
 * an fasync notification sends one), at any moment the explorer picks: once.
 * An interrupt on an idle CPU rather than a task, so the sender brings no
 * exit path of its own into the interleavings.
 */
export function signalFromIrq(k: LinuxKernel, v: SelfVariant, cpu: number, target: () => LinuxTask, sig = SIG.SIGUSR1): void {
  k.b.irq({
    name: `${signalName(sig)}@cpu${cpu}`,
    cpu,
    budget: 1,
    reads: [],
    enabled: () => true,
    *handler() {
      yield nop(`interrupt on CPU${cpu}`, `a ${signalName(sig)} for ${target().name} (kill_fasync / timer expiry)`);
      yield* group_send_sig_info(v.design.era, sig, target());
    },
  });
}
