#!/usr/bin/env node
// The commands that search run in a worker thread of this process, for two
// reasons. Its heap limit can be set (three quarters of the machine's
// memory: Node's default heap, about 4 GB, is far below what a two-CPU
// kernel search can need), with no second Node process to start. And this
// thread stays free to receive SIGINT, SIGTERM and SIGHUP while the search
// runs synchronously: it raises the shared interrupt flag, the search stops
// at its next check, prints its partial result and writes its checkpoint,
// and the process exits 128 + the signal's number. A second signal ends it
// at once. There is no child process, so nothing is left behind.
// The other commands run here directly.
import { totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';

const SEARCHING = new Set(['check', 'shrink', 'coverage', 'merge']);
// Stack traces name the TypeScript source, so that steps a scenario writes
// cite its own lines (src/model/source-ref.ts); on before anything loads.
process.setSourceMapsEnabled(true);
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

if (!SEARCHING.has(process.argv[2] ?? '')) {
  await import('../dist/src/cli/bin.js');
} else {
  const interrupt = new SharedArrayBuffer(4);
  const flag = new Int32Array(interrupt);
  const worker = new Worker(new URL('../dist/src/cli/worker-entry.js', import.meta.url), {
    workerData: {
      args: process.argv.slice(2),
      interrupt,
      tty: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true, columns: process.stdout.columns },
    },
    resourceLimits: { maxOldGenerationSizeMb: Math.floor((totalmem() * 0.75) / 1048576) },
  });
  let status = 2;
  let signalled = 0;
  for (const [name, number] of Object.entries(SIGNALS)) {
    process.on(name, () => {
      if (signalled !== 0) {
        // a second signal: stop now, partial result or not
        void worker.terminate();
        process.exit(128 + number);
      }
      signalled = number;
      Atomics.store(flag, 0, number);
    });
  }
  worker.on('message', (m) => {
    if (typeof m?.exit === 'number') status = m.exit;
  });
  worker.on('error', (e) => {
    const oom = e?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    process.stderr.write(
      oom
        ? 'ptrace-mc: the search ran out of memory before its memory check stopped it (give it --max-memory)\n'
        : `ptrace-mc: internal error: ${String(e?.message ?? e).split('\n')[0]}\n`,
    );
    status = oom ? 3 : 2;
  });
  worker.on('exit', () => {
    process.exitCode = signalled !== 0 ? 128 + signalled : status;
  });
}
