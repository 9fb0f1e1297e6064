/**
 * Starts the row runner (run-rows.ts) on a tree of the sources, in a child
 * process whose heap is bounded below the machine's memory, so that a
 * mutant that makes a search grow without end meets V8's limit (an outcome)
 * and not the OOM killer.
 *
 * `runRows`: the rows in one process, one line per row, until one differs
 * (`all`: every row). `runRowsApart` (the baseline with lines): each row in a
 * process of its own. V8 does not count the calls a function gets once it
 * runs as optimized code after the counts were taken (reset): a row run after
 * another in the same process was charged with only part of the lines it ran
 * (measured: 74 of 76 Linux rows missed lines, 8080 lines in all, one of them
 * the line whose mutant the missing row catches). In a fresh process every
 * function is first called unoptimized, so each line a row runs is counted
 * at least once (test/mutate-select.test.ts compares it with a run of the
 * interpreter alone).
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { RowLine, RunnerExit } from './judge-run.ts';
import type { Row } from './rows.ts';

/** The JS heap of a runner, in MiB (V8 stops it with "heap out of memory" past it). */
export const RUNNER_HEAP_MB = 4096;

export type RunMode = 'first-difference' | 'all' | 'lines';

export interface LoadLines {
  readonly load: Record<string, string>;
  readonly mapped: Record<string, string>;
}

export interface RunnerResult {
  readonly lines: RowLine[];
  readonly load: LoadLines | null;
  readonly exit: RunnerExit;
  /** why the runner did not end normally (an error code, a signal, a status), or null */
  readonly died: string | null;
}

function runnerArgs(root: string, tree: string, rowsFile: string, maxTimeS: number, mode: RunMode): string[] {
  return [
    `--max-old-space-size=${RUNNER_HEAP_MB}`,
    '--import',
    'tsx',
    join(root, 'tools/mutate/run-rows.ts'),
    tree,
    rowsFile,
    String(maxTimeS * 1000),
    ...(mode === 'first-difference' ? [] : [mode]),
  ];
}

function parse(stdout: string, exit: RunnerExit): RunnerResult {
  const parsed = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RowLine & { load?: Record<string, string>; mapped?: Record<string, string> });
  const head = parsed.find((l) => l.load !== undefined);
  return {
    lines: parsed.filter((l) => typeof l.id === 'string'),
    load: head?.load && head.mapped ? { load: head.load, mapped: head.mapped } : null,
    exit,
    died: exit.errorCode ?? exit.signal ?? (exit.status !== 0 ? `status ${exit.status}` : null),
  };
}

/** the guard of a whole run: every row's own guard, and a minute to start */
const guardMs = (rows: number, maxTimeS: number) => (rows * maxTimeS + 60) * 1000;

export function runRows(
  root: string,
  tree: string,
  rows: readonly Row[],
  maxTimeS: number,
  mode: RunMode = 'first-difference',
): RunnerResult {
  const rowsFile = join(tree, 'rows.json');
  writeFileSync(rowsFile, JSON.stringify(rows));
  const r = spawnSync(process.execPath, runnerArgs(root, tree, rowsFile, maxTimeS, mode), {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: guardMs(rows.length, maxTimeS),
    killSignal: 'SIGKILL',
  });
  const errorCode = r.error ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message) : null;
  return parse(r.stdout ?? '', { status: r.status, signal: r.signal, errorCode, stderr: r.stderr ?? '' });
}

function runOne(
  root: string,
  tree: string,
  rowsDir: string,
  row: Row,
  index: number,
  maxTimeS: number,
  mode: RunMode,
): Promise<RunnerResult> {
  const rowsFile = join(rowsDir, `rows-${index}.json`);
  writeFileSync(rowsFile, JSON.stringify([row]));
  return new Promise((res) => {
    const child = spawn(process.execPath, runnerArgs(root, tree, rowsFile, maxTimeS, mode), { cwd: root });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      guardMs(1, maxTimeS),
    );
    child.on('error', (e) => {
      clearTimeout(timer);
      res(parse('', { status: null, signal: null, errorCode: (e as NodeJS.ErrnoException).code ?? e.message, stderr: '' }));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      res(
        parse(Buffer.concat(out).toString('utf8'), {
          status,
          signal,
          errorCode: timedOut ? 'ETIMEDOUT' : null,
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    });
  });
}

/**
 * Each row in a process of its own, as many at once as the machine has cores; `done` is told of each
 * row as it ends (in the order they end), and the results come back in the order of the rows. The
 * rows' files go in `rowsDir` (the tree, unless told).
 */
export async function runRowsApart(
  root: string,
  tree: string,
  rows: readonly Row[],
  maxTimeS: number,
  mode: RunMode,
  done: (row: Row, r: RunnerResult) => void = () => {},
  rowsDir = tree,
  parallel = availableParallelism(),
): Promise<RunnerResult[]> {
  const results: RunnerResult[] = new Array(rows.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const row = rows[i] as Row;
      const r = await runOne(root, tree, rowsDir, row, i, maxTimeS, mode);
      results[i] = r;
      done(row, r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, rows.length)) }, worker));
  return results;
}
