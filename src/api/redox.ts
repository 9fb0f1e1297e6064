/**
 * `ptrace-mc/redox`: the Redox ptrace model — contexts, the proc: scheme's
 * trace handle (read, write, close), the ptrace session and its events,
 * and the system calls a traced context makes.
 */

export { SIG, sigmask } from '../kernel/common/bits.ts';
export * from '../kernel/redox/context.ts';
export { type ContextBody, type ContextSpec, RedoxKernel } from '../kernel/redox/kernel.ts';
export * from '../kernel/redox/paths.ts';
export * from '../kernel/redox/proc-scheme.ts';
export * from '../kernel/redox/ptrace.ts';
export * from '../kernel/redox/refs.ts';
export * from '../kernel/redox/switch.ts';
export * from '../kernel/redox/syscall.ts';
export * from '../kernel/redox/wait-condition.ts';
