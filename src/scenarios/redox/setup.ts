/**
 * The setting every Redox scenario shares: a tracer current on CPU0 with a
 * blocking trace handle on a tracee that starts frozen on CPU 1 (mod the CPU
 * count), opened with O_TRUNC (proc.rs:203-216), so its session exists and
 * its ptrace_stop is set at time 0.
 */
import type { Program } from '../../cpu/ops.ts';
import type { RedoxContext } from '../../kernel/redox/context.ts';
import { type ContextSpec, RedoxKernel } from '../../kernel/redox/kernel.ts';
import type { TraceHandle } from '../../kernel/redox/proc-scheme.ts';
import { newSession, type Session } from '../../kernel/redox/ptrace.ts';
import type { RedoxVersion } from '../../kernel/redox/refs.ts';
import { ModelBuilder } from '../../model/build.ts';
import type { TaskContext } from '../../model/types.ts';

export interface TraceSetup {
  readonly b: ModelBuilder;
  readonly k: RedoxKernel;
  readonly s: Session;
  readonly tracer: RedoxContext;
  readonly tracee: RedoxContext;
}

export type TracerBody = (k: RedoxKernel, h: TraceHandle, clones: number[], ctx: TaskContext) => Program<void>;

export function traceSetup(
  variant: string,
  cpus: number,
  tracerBody: TracerBody,
  tracee: Omit<ContextSpec, 'name' | 'cpu' | 'current' | 'ptraceStop'>,
  /** contexts created later (clone children), declared after the tracee */
  later: (k: RedoxKernel) => RedoxContext[] = () => [],
): TraceSetup {
  const b = new ModelBuilder(cpus);
  const k = new RedoxKernel(b, variant as RedoxVersion);
  let children: RedoxContext[] = [];
  const tracer = k.spawn({
    name: 'tracer',
    cpu: 0,
    current: true,
    *body(k, me, ctx) {
      yield* tracerBody(k, { session: s, tracer: me, children }, [], ctx);
    },
  });
  const traceeCtx = k.spawn({ ...tracee, name: 'tracee', cpu: 1 % cpus, ptraceStop: true });
  children = later(k);
  const s = newSession(k, traceeCtx, true);
  k.finish();
  return { b, k, s, tracer, tracee: traceeCtx };
}
