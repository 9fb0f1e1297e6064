import { readFileSync } from 'node:fs';
import { LimitError } from '../explorer/limits.ts';
import { ScenarioLoadError, SelectionError } from '../load/errors.ts';
import { IrqBoundError } from '../model/irq-bounds.ts';

/** Bad input from the user: printed as one line, exit status 2. */
export class UsageError extends Error {}

/** A row's thread ran out of heap: the command ends with this message and exit status 3, as for one search. */
export class RowsOutOfMemory extends Error {}

/**
 * Errors that are the user's input, not the tool's failing: a bad option or
 * budget, a scenario that cannot be found, loaded or built, a limit passed.
 * One line, exit status 2, and never called an internal error — also when a
 * row's thread meets them.
 */
export function isBadInput(e: unknown): boolean {
  return (
    e instanceof UsageError ||
    e instanceof IrqBoundError ||
    e instanceof ScenarioLoadError ||
    e instanceof SelectionError ||
    e instanceof LimitError
  );
}

export const EXIT = { holds: 0, violated: 1, usage: 2, incomplete: 3 } as const;

export function parseIntOption(name: string, min: number): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new UsageError(`${name} takes a whole number (got '${v}')`);
    const n = Number(v);
    if (n < min) throw new UsageError(`${name} must be at least ${min} (got ${n})`);
    return n;
  };
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/**
 * Reads and parses a file the user named; an unreadable file or one the
 * parser rejects (with `BadFormat`) becomes a one-line UsageError.
 */
export function readUserFile<T>(
  file: string,
  parse: (text: string, source: string) => T,
  BadFormat: new (...a: never[]) => Error,
): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parse(text, file);
  } catch (e) {
    if (e instanceof BadFormat) throw new UsageError(e.message);
    throw e;
  }
}
