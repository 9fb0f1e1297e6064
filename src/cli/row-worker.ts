/**
 * A worker thread that runs whole rows of a table (see row-pool.ts): it
 * receives RowTasks, finds each row's scenario through the loader the
 * command used (a built-in by name, or a scenario file by path, which must
 * still have the text it had), runs the row as the main thread would, and
 * answers with the outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RowDone, RowTask } from './row-pool.ts';

// Stack traces name the TypeScript source (see src/model/source-ref.ts): on
// before the model's modules load, hence the dynamic imports.
process.setSourceMapsEnabled(true);
const { loadSource } = await import('../load/from-source.ts');
const { useInterruptFlag } = await import('../explorer/limits.ts');
const { runJob } = await import('./check.ts');
const { isBadInput } = await import('./errors.ts');

useInterruptFlag((workerData as { interrupt: SharedArrayBuffer }).interrupt);
const port = parentPort;
if (port === null) throw new Error('row-worker runs in a worker thread');

port.on('message', async (t: RowTask) => {
  let done: RowDone;
  try {
    const { source, ...job } = t.job;
    const { job: _, ...outcome } = runJob({ ...job, scenario: await loadSource(source) }, t.flags, {
      row: t.index + 1,
      of: t.of,
    });
    done = { index: t.index, outcome };
  } catch (e) {
    done = { index: t.index, error: (e as Error).message.split('\n')[0] ?? String(e), badInput: isBadInput(e) };
  }
  port.postMessage(done);
});
