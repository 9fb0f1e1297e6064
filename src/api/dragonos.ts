/**
 * `ptrace-mc/dragonos`: the DragonOS model of PR #1663 (variants `pr1663`,
 * `head`, `master`, each step with its source line at that commit) and
 * what a concern about it is written with: the kernel for a variant, the
 * entry, signal and ptrace paths, the interrupt sources and their stated
 * bounds, the ghost signal ledger, and the invariants of the shipped
 * concerns.
 */

export { SIG, sigmask } from '../kernel/common/bits.ts';
// every path of the model, each by name and all of them as the table k.fn starts from (DRAGON_PATHS)
export * from '../kernel/dragonos/entry.ts';
export * from '../kernel/dragonos/generic-signal.ts';
export * from '../kernel/dragonos/job-control-master.ts';
export { DragonKernel, EXIT_WORK, type Pcb, PF, SF, ST } from '../kernel/dragonos/kernel.ts';
export * from '../kernel/dragonos/locks.ts';
export * from '../kernel/dragonos/paths.ts';
export * from '../kernel/dragonos/process.ts';
export * from '../kernel/dragonos/ptrace.ts';
export * from '../kernel/dragonos/sched.ts';
export * from '../kernel/dragonos/signal.ts';
export * from '../kernel/dragonos/x86-signal.ts';
export {
  BOUNDS,
  COMMITS,
  finishKernel,
  GhostLedger,
  NO_LEDGER,
  NO_TICK,
  newKernel,
  noReturnWithPendingWork,
  noStuckTraced,
  runqueueSane,
  signalHandledOnce,
  simpleHandler,
  TICK_EACH,
  timerBudget,
} from '../scenarios/dragonos/common.ts';
