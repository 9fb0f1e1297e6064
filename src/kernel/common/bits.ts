/**
 * Task sets and signal sets are bitmasks in one memory cell (see
 * src/cpu/memory.ts): a whole set is read or written in one step, as the
 * kernel does under the lock that protects it.
 */
import { bitsFormatter, type Formatter } from '../../cpu/memory.ts';

export function bit(n: number): number {
  if (n < 0 || n > 30) throw new Error(`bit ${n} out of range (0..30)`);
  return 1 << n;
}

export function has(set: number, n: number): boolean {
  return (set & (1 << n)) !== 0;
}

/** Members of a set, lowest first (a stable order for every iteration). */
export function members(set: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < 31; b++) if (set & (1 << b)) out.push(b);
  return out;
}

/** Lowest member, or -1 for the empty set. */
export function lowest(set: number): number {
  if (set === 0) return -1;
  return 31 - Math.clz32(set & -set);
}

/** Formats a task-set cell with task names. */
export function taskSetFormatter(nameOf: (id: number) => string): Formatter {
  return bitsFormatter(nameOf);
}

/** Linux signal numbers used by the models (x86). */
export const SIG = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGTRAP: 5,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGSYS: 31,
} as const;

const SIG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SIG).map(([n, v]) => [v, n]));

export function signalName(sig: number): string {
  return SIG_NAMES[sig] ?? `SIG${sig}`;
}

/** A pending-signal set: bit (sig - 1) for signal sig, as sigset_t. */
export function sigmask(sig: number): number {
  return 1 << (sig - 1);
}

export const sigsetFormatter: Formatter = bitsFormatter((b) => signalName(b + 1));

/** How many members a set has. */
export function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}
