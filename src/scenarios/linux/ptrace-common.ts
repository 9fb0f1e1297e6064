/** What the linux/ ptrace scenarios share: their invariant list and end checks. */
import { EXIT_DEAD, EXIT_ZOMBIE, TASK_DEAD } from '../../kernel/linux/consts.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import type { Expectation } from '../../model/scenario.ts';
import type { MachineView } from '../../model/types.ts';

/**
 * The interrupt bounds of the ptrace scenarios: no reschedule IPIs, and the
 * scheduler tick (tick@cpuN: scheduler_tick → resched_curr when another task
 * is runnable, preemption at irq exit) off unless a row turns it on. A 2-CPU
 * "holds" with every interrupt off says nothing of a preemption inside the
 * race window, so the rows that can afford it allow one tick on each CPU
 * (TICK_EACH); the others say why not.
 */
export const TICK_BOUNDS =
  'no reschedule IPIs; the scheduler tick on each CPU (tick@cpuN) only where the row says tick@cpuN=1 (one tick on each CPU)';
/** An expectation row's budgets: one scheduler tick on each CPU. */
export const TICK_EACH = { 'tick@cpuN': 1 } as const;
/** The same on one CPU (the short form tick@cpuN is for two CPUs or more). */
export const TICK_ONE = { 'tick@cpu0': 1 } as const;

/** The same claim on 1, 2 and 3 CPUs: a bug put back that breaks the invariant with or without a race. */
export function onOneToThreeCpus(row: Omit<Expectation, 'cpus'>): Expectation[] {
  return [1, 2, 3].map((cpus) => ({ cpus, ...row }));
}

export const PTRACE_INVARIANTS: readonly string[] = [
  'no-stuck-traced',
  'no-lost-wakeup',
  'ptrace-links',
  'ptrace-report-once',
  'ptrace-resume-delivered',
  'runqueue-sane',
  'lock-discipline',
  'deadlock',
  'legal-transition',
];

/** tracee-finished (terminal): every listed task has exited (its script ran to the end, or a signal killed it). */
export function stoppedAtEnd(w: MachineView, tasks: readonly LinuxTask[]): string | null {
  for (const t of tasks) {
    const es = w.mem[t.exit_state] as number;
    if (w.mem[t.state] !== TASK_DEAD || (es !== EXIT_ZOMBIE && es !== EXIT_DEAD)) return `${t.name} never exited`;
  }
  return null;
}

export { waitReportReady } from '../../kernel/linux/ptrace-invariants.ts';

/*
 * Why the `expect` rows stop at one CPU for most of these scenarios: every
 * step of the ptrace, signal and scheduler paths is its own step, and the
 * stateful DFS replays each execution from the start with no partial-order
 * reduction, so two CPUs already give tens of thousands of executions of
 * 300 to 700 steps each. A row is listed only when `check` settles it in
 * seconds; the two-CPU searches (and the seeded random searches that find
 * the violations a DFS reaches late) are run by test/linux-ptrace.test.ts
 * and their counterexamples are kept under traces/linux.
 */
