/**
 * The two Redox kernel states we model and how a step names its source line.
 *
 * 2019 is redox-os/kernel at cf0a7620 ("Add ptrace exit breakpoint", the
 * final state of the 2019 ptrace work). 2020 is cbb17327 ("ptrace: Block on
 * read, not on write"), which carries fdf46d80 (multi_core by default,
 * WaitCondition::wait takes a guard), 75872cc5 (per-session `data` mutex held
 * across check-and-queue) and 3420339c (breakpoint installed before the
 * tracee is released).
 */
export type RedoxVersion = '2019' | '2020';

export const COMMIT: Readonly<Record<RedoxVersion, string>> = { '2019': 'cf0a7620', '2020': 'cbb17327' };

/** `redox@<commit> <file>:<line> <function>`, with the line of the version being modelled. */
export function redoxRef(
  v: RedoxVersion,
  file: string,
  fn: string,
  line2019: number | string,
  line2020: number | string,
): string {
  return `redox@${COMMIT[v]} ${file}:${v === '2019' ? line2019 : line2020} ${fn}`;
}
