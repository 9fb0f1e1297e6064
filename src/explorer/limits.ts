import { availableParallelism, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/**
 * The hard limits of a search, in one place, with a narrow API that any
 * search loop calls cheaply: `tick()` once a step (it does real work only
 * every CHECK_EVERY calls), `poll()` between executions. A loop that sees
 * a stop reason ends the search as `incomplete` with that reason: never a
 * hang, never a crash, never a silent "holds".
 */

/**
 * The most CPUs a model may have. A model has at least one task per CPU
 * (its idle task) and task sets are 31-bit masks; and the interleavings
 * grow exponentially with the CPU count, so an exhaustive search past a few
 * CPUs never ends on any machine.
 */
export const MAX_CPUS = 8;

/** Bad input that passes a limit; the message names the option and the limit. Exit status 2. */
export class LimitError extends Error {}

/** `what` (an option or a trace field) names a CPU count; it must be 1…MAX_CPUS. */
export function checkCpuCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CPUS) {
    throw new LimitError(
      `${what} must be between 1 and ${MAX_CPUS} (got ${n}): every added CPU multiplies the interleavings, and a model has at most 31 tasks`,
    );
  }
}

/**
 * The most worker threads `--workers` may start: the CPUs this process may
 * run on. More threads than that only take turns on the same cores (and
 * each one builds its own copy of the model), and the result is the same
 * for every number of workers.
 */
export function maxWorkers(): number {
  return Math.max(1, availableParallelism());
}

export function checkWorkers(n: number, option = '--workers'): void {
  const max = maxWorkers();
  if (n > max) {
    throw new LimitError(
      `${option} must be at most ${max}, the CPUs this machine gives the process (got ${n}); the result is the same for every number of threads`,
    );
  }
}

/** Why a search stopped before its end (besides --max-executions and --max-steps, which the loops count themselves). */
export type LimitStop = 'max-time' | 'max-memory' | 'interrupted';

const LIMIT_STOPS: readonly string[] = ['max-time', 'max-memory', 'interrupted'] satisfies LimitStop[];

/** Did a search stop because of one of these limits (after which the searches that follow would stop too)? */
export function isLimitStop(reason: string | null): reason is LimitStop {
  return reason !== null && LIMIT_STOPS.includes(reason);
}

/** Steps between two real checks: a poll costs about a microsecond, a step about as much. */
export const CHECK_EVERY = 4096;

/**
 * The share of the heap limit a search may fill. Past it V8 collects
 * garbage ever more often and then aborts the whole process; stopping here
 * leaves room to print the partial result and write a checkpoint.
 */
export const HEAP_FRACTION = 0.85;

/** The default bound on the process's resident memory (also memory outside the JS heap, e.g. typed arrays): 80% of the machine's. */
export function defaultMemoryBudgetMb(): number {
  return Math.floor((totalmem() * 0.8) / 1048576);
}

export interface LimitOptions {
  /** absolute time (`wallNow()`) after which the search stops */
  readonly deadline?: number;
  /** resident memory of the process, in MiB, past which the search stops (default: defaultMemoryBudgetMb) */
  readonly maxMemoryMb?: number;
}

/** Milliseconds on a clock every thread of the process shares (a deadline crosses into worker threads). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

// ---- interruption (SIGINT, SIGTERM, SIGHUP) ------------------------------

/**
 * A flag shared by every thread of the process: the signal number that
 * asked the searches to stop, 0 while none did. The thread that receives the
 * signal sets it; searches in any thread see it at their next poll.
 */
let interruptCell = new Int32Array(new SharedArrayBuffer(4));

/** The shared memory of the flag, to hand to a worker thread (which calls useInterruptFlag with it). */
export function interruptFlagBuffer(): SharedArrayBuffer {
  return interruptCell.buffer as SharedArrayBuffer;
}

/** In a worker thread: share the flag of the thread that started it. */
export function useInterruptFlag(buffer: SharedArrayBuffer): void {
  interruptCell = new Int32Array(buffer);
}

/** Asks every search of the process to stop (the signal's number, for the exit status). */
export function requestInterrupt(signal: number): void {
  Atomics.store(interruptCell, 0, signal);
}

/** The signal that asked the searches to stop, or 0. */
export function interruptSignal(): number {
  return Atomics.load(interruptCell, 0);
}

/** Clears the flag (tests, and a process that goes on after an interrupted search). */
export function clearInterrupt(): void {
  Atomics.store(interruptCell, 0, 0);
}

// ---- the checks a search loop makes -----------------------------------------

/**
 * One search's limits. `tick()` is the per-step call: a decrement and a
 * compare, with a real poll every CHECK_EVERY ticks. `stopped` keeps the
 * first reason found.
 */
export class SearchLimits {
  /** the first tick polls: a search that starts past a limit does not begin */
  private countdown = 1;
  private readonly rssBudget: number;
  stopped: LimitStop | null = null;

  constructor(private readonly o: LimitOptions = {}) {
    this.rssBudget = (o.maxMemoryMb ?? defaultMemoryBudgetMb()) * 1048576;
  }

  /** Once a step: true when the search must stop now (the reason is in `stopped`). */
  tick(): boolean {
    if (--this.countdown > 0) return false;
    this.countdown = CHECK_EVERY;
    return this.poll() !== null;
  }

  /** Checks every limit now. */
  poll(): LimitStop | null {
    if (this.stopped !== null) return this.stopped;
    if (interruptSignal() !== 0) this.stopped = 'interrupted';
    else if (this.o.deadline !== undefined && wallNow() > this.o.deadline) this.stopped = 'max-time';
    else if (this.memoryDue() && memoryExceeded(this.rssBudget)) this.stopped = 'max-memory';
    return this.stopped;
  }

  /** when memory was last measured: asking the system for it is much dearer than reading the clock */
  private lastMemoryCheck = Number.NEGATIVE_INFINITY;

  private memoryDue(): boolean {
    const now = wallNow();
    if (now - this.lastMemoryCheck < MEMORY_CHECK_MS) return false;
    this.lastMemoryCheck = now;
    return true;
  }
}

/** Memory is measured at most this often (a search grows it by a few MB a second at most). */
const MEMORY_CHECK_MS = 100;

function memoryExceeded(rssBudget: number): boolean {
  const h = getHeapStatistics();
  if (h.used_heap_size > HEAP_FRACTION * h.heap_size_limit) return true;
  return process.memoryUsage.rss() > rssBudget;
}
