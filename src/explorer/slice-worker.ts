/**
 * A worker thread that searches slices: it receives SliceTasks on the port
 * it is given and answers each with its SliceResult (or an error message),
 * then bumps the shared counter so that the main thread, waiting on it,
 * wakes up (see pool.ts). It finds the task's scenario through the loader
 * the command uses: a built-in by name, or a scenario file by path (which
 * must still have the text the search started with).
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import type { SliceTask } from './slice-task.ts';

// Stack traces name the TypeScript source (see src/model/source-ref.ts): on
// before the model's modules load, hence the dynamic imports.
process.setSourceMapsEnabled(true);
const { loadSource } = await import('../load/from-source.ts');
const { useInterruptFlag } = await import('./limits.ts');
const { runSliceTask } = await import('./slice-task.ts');

const { port, signal, interrupt } = workerData as { port: MessagePort; signal: SharedArrayBuffer; interrupt: SharedArrayBuffer };
useInterruptFlag(interrupt);
const counter = new Int32Array(signal);

port.on('message', async (task: SliceTask) => {
  try {
    port.postMessage({ ok: runSliceTask(task, await loadSource(task.scenario)) });
  } catch (e) {
    port.postMessage({ error: (e as Error).message.split('\n')[0] });
  }
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
});
