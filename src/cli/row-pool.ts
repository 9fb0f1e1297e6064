import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { interruptFlagBuffer, interruptSignal } from '../explorer/limits.ts';
import { sourceOf } from '../load/source.ts';
import type { CheckFlags, Job, Outcome } from './check.ts';
import { RowsOutOfMemory, UsageError } from './errors.ts';

/** A row of a table as plain data (it crosses into a worker thread): the job without its scenario, and where to find that. */
export interface RowTask {
  readonly index: number;
  readonly of: number;
  readonly job: Omit<Job, 'scenario'> & { readonly source: NonNullable<ReturnType<typeof sourceOf>> };
  readonly flags: CheckFlags;
}

/** What a worker sends back for a row: the outcome without its job (the main thread has it). */
export type RowDone =
  | { readonly index: number; readonly outcome: Omit<Outcome, 'job'> }
  | { readonly index: number; readonly error: string; readonly badInput: boolean };

const OUT_OF_MEMORY = 'the search ran out of memory before its memory check stopped it (give it --max-memory)';

/** The worker script, always the compiled one under dist/ (also when this module runs from the TypeScript sources, as in the tests). */
function workerScript(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/src/cli/row-worker.js', here) : new URL('./row-worker.js', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`the worker script ${path} is missing: run npm run build`);
  return path;
}

/** Can the rows run in worker threads: every scenario was loaded from somewhere a thread can load it again. */
export function rowsCanRunInWorkers(jobs: readonly Job[]): boolean {
  return jobs.every((j) => sourceOf(j.scenario) !== null);
}

/**
 * Runs the rows of a table on `n` worker threads, each row whole on one
 * thread, and gives the outcomes in row order: a row's result does not
 * depend on which thread ran it or when, so the output is the same for
 * every n. Rows are handed out in order as threads come free. Once the
 * process is interrupted no row is started; the rows already running stop
 * at their next check and report what they had. The outcomes returned are
 * those of the rows that ran (in row order), and how many did not.
 */
export async function runRowsInWorkers(
  jobs: readonly Job[],
  f: CheckFlags,
  n: number,
): Promise<{ outcomes: Outcome[]; notRun: number }> {
  const script = workerScript();
  const threads = Math.min(n, jobs.length);
  const results: (Outcome | undefined)[] = new Array(jobs.length);
  let next = 0;
  let failure: string | null = null;
  /** the first failure was the user's input (a scenario that does not build, say), not the tool's */
  let badInput = false;
  const taskOf = (index: number): RowTask => {
    const { scenario, ...rest } = jobs[index] as Job;
    return {
      index,
      of: jobs.length,
      job: { ...rest, source: sourceOf(scenario) as NonNullable<ReturnType<typeof sourceOf>> },
      flags: f,
    };
  };
  const runThread = () =>
    new Promise<void>((resolve) => {
      const worker = new Worker(script, {
        workerData: { interrupt: interruptFlagBuffer() },
        // each thread its share of three quarters of the machine (a thread's default heap is Node's, about 4 GB)
        resourceLimits: { maxOldGenerationSizeMb: Math.floor((totalmem() * 0.75) / 1048576 / threads) },
      });
      const feed = () => {
        if (next >= jobs.length || failure !== null || interruptSignal() !== 0) {
          void worker.terminate();
          return;
        }
        worker.postMessage(taskOf(next++));
      };
      worker.on('message', (d: RowDone) => {
        if ('error' in d && failure === null) {
          failure = d.error;
          badInput = d.badInput;
        } else if (!('error' in d)) results[d.index] = { job: jobs[d.index] as Job, ...d.outcome };
        feed();
      });
      worker.on('error', (e) => {
        // as the launcher says it when the one search thread runs out of memory
        failure ??=
          (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? OUT_OF_MEMORY
            : (e.message.split('\n')[0] ?? 'a worker thread failed');
      });
      worker.on('exit', () => resolve());
      feed();
    });
  await Promise.all(Array.from({ length: threads }, runThread));
  if (failure === OUT_OF_MEMORY) throw new RowsOutOfMemory(failure);
  // the user's input, met by a row's thread, is told as the main thread tells it
  if (failure !== null) throw badInput ? new UsageError(failure) : new Error(failure);
  const outcomes = results.filter((o): o is Outcome => o !== undefined);
  return { outcomes, notRun: jobs.length - outcomes.length };
}
