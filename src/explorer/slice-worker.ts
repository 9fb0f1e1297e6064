/**
 * A worker thread that searches slices: it receives SliceTasks on the port
 * it is given and answers each with its SliceResult (or an error message),
 * then bumps the shared counter so that the main thread, waiting on it,
 * wakes up (see pool.ts). It finds the task's scenario through the loader
 * the command uses: a built-in by name, or a scenario file by path (which
 * must still have the text the search started with).
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { loadSource } from '../load/from-source.ts';
import { useInterruptFlag } from './limits.ts';
import { runSliceTask, type SliceTask } from './slice-task.ts';

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
