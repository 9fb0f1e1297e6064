#!/usr/bin/env node
// Exhaustive searches keep every visited state in memory, and Node's default
// heap (about 4 GB) is far below what a two-CPU kernel search can need on a
// bigger machine. The commands that search re-run this file once with a heap
// of three quarters of the machine's memory; the others start at once.
import { spawnSync } from 'node:child_process';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';

const SEARCHING = new Set(['check', 'shrink', 'coverage']);
const wantMb = Math.floor((totalmem() * 0.75) / 1048576);
const haveMb = getHeapStatistics().heap_size_limit / 1048576;

if (SEARCHING.has(process.argv[2] ?? '') && process.env.PTRACE_MC_HEAP_MB === undefined && haveMb < wantMb * 0.9) {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${wantMb}`, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, PTRACE_MC_HEAP_MB: String(wantMb) } },
  );
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
} else {
  // Stack traces name the TypeScript source, so that steps a scenario writes
  // cite its own lines (src/model/source-ref.ts); on before anything loads.
  process.setSourceMapsEnabled(true);
  await import('../dist/src/cli/bin.js');
}
