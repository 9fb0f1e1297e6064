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

type Detail = (m: MemView) => string;

function assertion(
  kind: 'BUG_ON' | 'WARN_ON',
  reads: readonly number[],
  cond: (m: MemView) => boolean,
  what: string,
  ref: string,
  detail?: Detail,
): Op {
  const name = `${kind}(${what})`;
  return check(KERNEL_ASSERT, reads, (m) => (cond(m) ? `${name} fires${detail ? `: ${detail(m)}` : ''}` : null), ref, name);
}

/**
 * BUG_ON(cond): `reads` are the cells `cond` looks at, `what` is the C
 * condition as written (`p->ptrace`), `detail` may describe the values.
 */
export function BUG_ON(reads: readonly number[], cond: (m: MemView) => boolean, what: string, ref: string, detail?: Detail): Op {
  return assertion('BUG_ON', reads, cond, what, ref, detail);
}

/** WARN_ON(cond), reported like BUG_ON but named as a warning. */
export function WARN_ON(reads: readonly number[], cond: (m: MemView) => boolean, what: string, ref: string, detail?: Detail): Op {
  return assertion('WARN_ON', reads, cond, what, ref, detail);
}
