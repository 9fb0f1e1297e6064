/**
 * What one mutant's run says, from the lines the runner (run-rows.ts) printed
 * and how its process ended. Every way the runner can end gives a stated
 * outcome or stops the whole run; none is guessed:
 *   - a row whose verdict differs: killed; a row whose model throws: crashed
 *     (the table fails too: caught);
 *   - every row as expected: survived; some row cut by its budget: undecided;
 *   - the runner out of memory (V8's heap limit, an abort), or past the
 *     wall-clock guard of the whole run: undecided, with that reason, and the
 *     rows that ran before it kept;
 *   - the runner ended with an error of its own before a row could answer (a
 *     module that throws when loaded): crashed, with the error's first line;
 *   - the runner killed by a signal from outside (the run being stopped, the
 *     machine's OOM killer), or not started at all: no outcome: nothing is
 *     kept for the mutant and the run stops (`interrupted`), so a mutant is
 *     never recorded as caught because its runner was killed.
 */
import type { Outcome, RowOutcome } from './results.ts';

export interface RowLine {
  readonly id: string;
  readonly outcome: string;
  readonly verdict?: string;
  readonly executions?: number;
  readonly error?: string;
  /** in a baseline run with lines: the lines of each kernel source the row's search ran (line-coverage.ts) */
  readonly lines?: Readonly<Record<string, string>>;
}

/** How the runner's process ended (from spawnSync). */
export interface RunnerExit {
  readonly status: number | null;
  readonly signal: string | null;
  /** the error of a spawn that failed or was cut by its timeout (`ETIMEDOUT`) */
  readonly errorCode: string | null;
  readonly stderr: string;
}

export type RunJudgement =
  | { readonly kind: 'outcome'; readonly outcome: Outcome; readonly by: string | null; readonly ran: Record<string, RowOutcome> }
  | { readonly kind: 'interrupted'; readonly reason: string };

const OUT_OF_MEMORY = /heap out of memory|Reached heap limit|Allocation failed/;

export function judgeRun(rowIds: readonly string[], lines: readonly RowLine[], exit: RunnerExit): RunJudgement {
  const bad = lines.find((l) => l.outcome === 'differs' || l.outcome === 'crash');
  if (bad) {
    return {
      kind: 'outcome',
      outcome: bad.outcome === 'crash' ? 'crashed' : 'killed',
      by: bad.error ? `${bad.id}: ${bad.error}` : bad.id,
      ran: {},
    };
  }
  const ran: Record<string, RowOutcome> = {};
  for (const l of lines) ran[l.id] = l.outcome === 'undecided' ? 'undecided' : 'as-expected';
  const complete = exit.status === 0 && exit.signal === null && exit.errorCode === null && lines.length === rowIds.length;
  if (complete) {
    return { kind: 'outcome', outcome: Object.values(ran).includes('undecided') ? 'undecided' : 'survived', by: null, ran };
  }
  // the row the runner was on when it ended
  const at = rowIds[lines.length] ?? '(after the last row)';
  if (OUT_OF_MEMORY.test(exit.stderr) || exit.signal === 'SIGABRT') {
    return {
      kind: 'outcome',
      outcome: 'undecided',
      by: `${at}: the runner ran out of memory`,
      ran: { ...ran, [at]: 'undecided' },
    };
  }
  if (exit.errorCode === 'ETIMEDOUT') {
    return {
      kind: 'outcome',
      outcome: 'undecided',
      by: `${at}: past the wall-clock guard of the run`,
      ran: { ...ran, [at]: 'undecided' },
    };
  }
  if (exit.errorCode !== null) return { kind: 'interrupted', reason: `the runner could not start (${exit.errorCode})` };
  if (exit.signal !== null) return { kind: 'interrupted', reason: `the runner was killed by ${exit.signal} on ${at}` };
  const first = exit.stderr.split('\n').find((l) => l.trim() !== '');
  if (exit.status !== 0 && first !== undefined)
    return { kind: 'outcome', outcome: 'crashed', by: `${at}: ${first.trim()}`, ran: {} };
  return {
    kind: 'interrupted',
    reason: `the runner ended with status ${exit.status} after ${lines.length} of ${rowIds.length} rows and said nothing`,
  };
}
