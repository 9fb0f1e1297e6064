/**
 * BUG_ON / WARN_ON as assertion steps. A kernel assertion is a check the
 * kernel itself makes at one point of a path; in a model it is the engine's
 * `check` op, so it is one step with a footprint (the cells it reads) and a
 * source reference, and it fires under the `kernel-assert` invariant in any
 * kernel model.
 *
 * BUG_ON stops the CPU (an oops with the locks it holds still held): the
 * violation ends the execution, which is what the engine does with any
 * failed check. WARN_ON only prints in the kernel; a model that states an
 * invariant over WARN_ON treats the warning as a violation all the same,
 * since a warning that can fire is a finding.
 */
import { check, type MemView, type Op } from '../../cpu/ops.ts';

/** The invariant every BUG_ON and WARN_ON of every kernel model reports under. */
export const KERNEL_ASSERT = 'kernel-assert';

/**
 * BUG_ON(cond): `reads` are the cells `cond` looks at, `what` is the C
 * condition as written (`p->ptrace`), `detail` may describe the values.
 */
export function BUG_ON(
  reads: readonly number[],
  cond: (m: MemView) => boolean,
  what: string,
  ref: string,
  detail?: (m: MemView) => string,
): Op {
  return check(
    KERNEL_ASSERT,
    reads,
    (m) => (cond(m) ? `BUG_ON(${what}) fires${detail ? `: ${detail(m)}` : ''}` : null),
    ref,
    `BUG_ON(${what})`,
  );
}

/** WARN_ON(cond), reported like BUG_ON but named as a warning. */
export function WARN_ON(
  reads: readonly number[],
  cond: (m: MemView) => boolean,
  what: string,
  ref: string,
  detail?: (m: MemView) => string,
): Op {
  return check(
    KERNEL_ASSERT,
    reads,
    (m) => (cond(m) ? `WARN_ON(${what}) fires${detail ? `: ${detail(m)}` : ''}` : null),
    ref,
    `WARN_ON(${what})`,
  );
}
