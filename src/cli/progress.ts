import type { Progress } from '../explorer/explore.ts';

/** How often the status line is redrawn on a terminal, and printed off one. */
const TTY_EVERY_MS = 250;
const PLAIN_EVERY_MS = 5000;

/**
 * A status line on stderr while a search runs (never on stdout, so never in
 * --json output): on a terminal one line redrawn a few times a second, off a
 * terminal (CI logs) a plain line every few seconds.
 */
/** The budget a search runs under (either may be absent): the status line says how much of it is spent. */
export interface StatusBudget {
  readonly maxExecutions?: number;
  readonly maxTimeMs?: number;
}

export class StatusLine {
  private last = 0;
  private shown = false;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly out: { write(text: string): unknown; readonly isTTY?: boolean } = process.stderr,
    private readonly budget: StatusBudget = {},
  ) {
    this.tty = out.isTTY === true;
  }

  readonly update = (p: Progress): void => {
    const every = this.tty ? TTY_EVERY_MS : PLAIN_EVERY_MS;
    if (p.elapsedMs - this.last < every) return;
    this.last = p.elapsedMs;
    const text = statusText(this.label, p, this.budget);
    if (this.tty) {
      this.out.write(`\r\x1b[2K${text}`);
      this.shown = true;
    } else {
      this.out.write(`${text}\n`);
    }
  };

  /** Clears the line on a terminal before the result is printed. */
  done(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function statusText(label: string, p: Progress, budget: StatusBudget = {}): string {
  const s = p.elapsedMs / 1000;
  const rate = s > 0 ? Math.round(p.executions / s) : 0;
  const spent: string[] = [];
  if (budget.maxExecutions !== undefined) {
    spent.push(`${pct(p.executions, budget.maxExecutions)} of --max-executions ${budget.maxExecutions}`);
  }
  if (budget.maxTimeMs !== undefined)
    spent.push(`${pct(p.elapsedMs, budget.maxTimeMs)} of --max-time ${budget.maxTimeMs / 1000} s`);
  const of = spent.length > 0 ? ` (budget: ${spent.join(', ')})` : '';
  return `${label}: ${p.executions} executions (${rate}/s), ${p.steps} steps, depth ${p.depth}, ${s.toFixed(1)} s${of}`;
}

function pct(x: number, of: number): string {
  return `${Math.min(100, Math.floor((100 * x) / Math.max(1, of)))}%`;
}
