/**
 * Ghost bookkeeping for `ptrace-resume-delivered` (the DragonOS counterpart
 * of the Linux invariant): what the tracer injected when it resumed a
 * tracee from its ptrace stop (ptrace_resume's or detach's store of
 * injected_signal), and what that tracee's ptrace_stop then took from
 * injected_signal. A scenario follows a tracee with `followResumes(k, t)`
 * (after the spawns, before finish); the paths write the ghosts only for
 * the tracees followed, and never take a step for them.
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { TaskContext } from '../../model/types.ts';
import { signalName } from '../common/bits.ts';
import type { DragonKernel, Pcb } from './kernel.ts';

export interface ResumeGhosts {
  /** 1 once the tracer resumed the tracee from its current stop */
  readonly resumed: number;
  /** the signal it injected (0: none) */
  readonly sig: number;
  /** 1 once ptrace_stop came back after that resume */
  readonly returned: number;
  /** what ptrace_stop took from injected_signal */
  readonly got: number;
}

const followed = new WeakMap<DragonKernel, Map<number, ResumeGhosts>>();

const sigFmt = (v: number) => (v === 0 ? 'none' : signalName(v));

/** Allocates the ghosts for tracee `t`. */
export function followResumes(k: DragonKernel, t: Pcb): ResumeGhosts {
  const L = k.b.layout;
  const g: ResumeGhosts = {
    resumed: L.ghost(`ghost.${t.name}.resumed`, 0),
    sig: L.ghost(`ghost.${t.name}.resume_signal`, 0, sigFmt),
    returned: L.ghost(`ghost.${t.name}.stop_returned`, 0),
    got: L.ghost(`ghost.${t.name}.stop_took`, 0, sigFmt),
  };
  const m = followed.get(k) ?? new Map<number, ResumeGhosts>();
  m.set(t.id, g);
  followed.set(k, m);
  return g;
}

/** ptrace_stop begins a new stop: nothing resumed it yet. */
export function noteStop(k: DragonKernel, t: Pcb, ctx: TaskContext): void {
  const g = followed.get(k)?.get(t.id);
  if (!g) return;
  ctx.ghost.set(g.resumed, 0);
  ctx.ghost.set(g.returned, 0);
}

/**
 * The tracer stored `sig` in injected_signal to resume `t`. A return that
 * came first is kept (not reset): a tracee that left its stop before the
 * resume's signal was stored took something else, which is the bug.
 */
export function noteResume(k: DragonKernel, t: Pcb, sig: number, ctx: TaskContext): void {
  const g = followed.get(k)?.get(t.id);
  if (!g) return;
  ctx.ghost.set(g.resumed, 1);
  ctx.ghost.set(g.sig, sig);
}

/** `t`'s ptrace_stop came back with `sig` taken from injected_signal. */
export function noteReturn(k: DragonKernel, t: Pcb, sig: number, ctx: TaskContext): void {
  const g = followed.get(k)?.get(t.id);
  if (!g) return;
  ctx.ghost.set(g.returned, 1);
  ctx.ghost.set(g.got, sig);
}

/**
 * ptrace-resume-delivered (terminal): when the tracer resumed `t` from a
 * stop and t's ptrace_stop came back, it took the signal the tracer
 * injected — nobody else consumed or overwrote injected_signal in between.
 */
export function registerResumeDelivered(b: ModelBuilder, t: Pcb, g: ResumeGhosts): void {
  b.atEnd({
    name: 'ptrace-resume-delivered',
    check: (w) => {
      if (w.mem[g.resumed] !== 1 || w.mem[g.returned] !== 1 || w.mem[g.got] === w.mem[g.sig]) return null;
      return `${t.name} was resumed with ${sigFmt(w.mem[g.sig] as number)} injected, but its ptrace_stop took ${sigFmt(w.mem[g.got] as number)}: the injected signal was lost`;
    },
  });
}
