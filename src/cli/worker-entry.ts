/**
 * The command line run in a worker thread (bin/ptrace-mc.js starts it for
 * the commands that search): the thread's heap limit is set by the
 * launcher, and the launcher's main thread stays free to receive signals,
 * which it passes on through the shared interrupt flag (limits.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useInterruptFlag } from '../explorer/limits.ts';
import { main } from './main.ts';

interface LaunchData {
  readonly args: readonly string[];
  readonly interrupt: SharedArrayBuffer;
  /** the launcher's terminal: a worker's own stdout and stderr are pipes to it */
  readonly tty: { readonly stdout: boolean; readonly stderr: boolean; readonly columns: number | undefined };
}

const d = workerData as LaunchData;
// as in the launcher: stack traces name the TypeScript source (src/model/source-ref.ts)
process.setSourceMapsEnabled(true);
useInterruptFlag(d.interrupt);
for (const [stream, isTTY] of [
  [process.stdout, d.tty.stdout],
  [process.stderr, d.tty.stderr],
] as const) {
  Object.defineProperty(stream, 'isTTY', { value: isTTY, configurable: true });
  if (isTTY && d.tty.columns !== undefined)
    Object.defineProperty(stream, 'columns', { value: d.tty.columns, configurable: true });
}
parentPort?.postMessage({ exit: await main(d.args) });
