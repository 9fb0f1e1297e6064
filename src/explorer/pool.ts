import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { interruptFlagBuffer, isLimitStop } from './limits.ts';
import type { SliceTask } from './slice-task.ts';
import type { SliceResult } from './slices.ts';

/**
 * The worker script, always the compiled one under dist/ (also when this
 * module itself runs from the TypeScript sources, as in the tests).
 */
function workerScript(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL('../../dist/src/explorer/slice-worker.js', here)
    : new URL('./slice-worker.js', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`the worker script ${path} is missing: run npm run build`);
  return path;
}

interface Slot {
  readonly worker: Worker;
  readonly port: MessagePort;
  busy: boolean;
}

/**
 * Searches slices on `n` worker threads and returns the results of those
 * that ran, by slice. Synchronous: the main thread blocks on a shared
 * counter (Atomics.wait) that each worker bumps after posting a result, and
 * takes the results off the ports with receiveMessageOnPort.
 *
 * Tasks are handed out in slice order. Once a slice reports a violation, no
 * later slice is started (slices before it still finish: the lowest
 * violating slice decides the result). Which later slices happened to run
 * depends on timing, so the caller must ignore results past the first
 * violation — mergeSlices does.
 *
 * A worker reports its own errors as messages. A worker thread killed
 * outright (its heap exhausted) posts nothing, and the main thread, which
 * cannot see the thread's exit event while it waits, would wait forever:
 * with --workers, give big searches --max-time.
 */
export function runSlicesInWorkers(
  tasks: readonly SliceTask[],
  n: number,
  onResult?: (r: SliceResult, done: readonly SliceResult[]) => void,
): SliceResult[] {
  const signal = new SharedArrayBuffer(4);
  const counter = new Int32Array(signal);
  const script = workerScript();
  const slots: Slot[] = [];
  for (let i = 0; i < Math.min(n, tasks.length); i++) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(script, {
      workerData: { port: port2, signal, interrupt: interruptFlagBuffer() },
      transferList: [port2],
      // each thread its share of three quarters of the machine (a thread's default heap is Node's, about 4 GB)
      resourceLimits: { maxOldGenerationSizeMb: Math.floor((totalmem() * 0.75) / 1048576 / Math.min(n, tasks.length)) },
    });
    worker.unref();
    slots.push({ worker, port: port1, busy: false });
  }
  const results: SliceResult[] = [];
  let next = 0;
  let firstViolation = Number.POSITIVE_INFINITY;
  let failure: string | null = null;
  try {
    for (;;) {
      for (const s of slots) {
        const t = tasks[next];
        if (s.busy || t === undefined || t.slice.index > firstViolation || failure !== null) continue;
        s.port.postMessage(t);
        s.busy = true;
        next++;
      }
      if (slots.every((s) => !s.busy)) break;
      const seen = Atomics.load(counter, 0);
      let got = false;
      for (const s of slots) {
        const msg = receiveMessageOnPort(s.port);
        if (!msg) continue;
        got = true;
        s.busy = false;
        const m = msg.message as { ok?: SliceResult; error?: string };
        if (m.error !== undefined) failure = m.error;
        else if (m.ok) {
          results.push(m.ok);
          onResult?.(m.ok, results);
          if (m.ok.verdict === 'violated') firstViolation = Math.min(firstViolation, m.ok.index);
          // time, memory or an interrupt: the slices not started yet would stop at once
          if (isLimitStop(m.ok.stoppedBy)) firstViolation = Math.min(firstViolation, m.ok.index);
        }
      }
      if (!got) Atomics.wait(counter, 0, seen);
    }
  } finally {
    for (const s of slots) {
      s.port.close();
      void s.worker.terminate();
    }
  }
  if (failure !== null) throw new Error(`a worker failed: ${failure}`);
  return results.sort((a, b) => a.index - b.index);
}
