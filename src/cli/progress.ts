import type { Progress } from '../explorer/explore.ts';

/** How often the status line is redrawn on a terminal, and printed off one. */
const TTY_EVERY_MS = 250;
const PLAIN_EVERY_MS = 5000;

/**
 * A status line on stderr while a search runs (never on stdout, so never in
 * --json output): on a terminal one line redrawn a few times a second, off a
 * terminal (CI logs) a plain line every few seconds.
 */
export class StatusLine {
  private last = 0;
  private shown = false;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly out: { write(text: string): unknown; readonly isTTY?: boolean } = process.stderr,
  ) {
    this.tty = out.isTTY === true;
  }

  readonly update = (p: Progress): void => {
    const every = this.tty ? TTY_EVERY_MS : PLAIN_EVERY_MS;
    if (p.elapsedMs - this.last < every) return;
    this.last = p.elapsedMs;
    const text = statusText(this.label, p);
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

export function statusText(label: string, p: Progress): string {
  const s = p.elapsedMs / 1000;
  const rate = s > 0 ? Math.round(p.executions / s) : 0;
  return `${label}: ${p.executions} executions (${rate}/s), ${p.steps} steps, depth ${p.depth}, ${s.toFixed(1)} s`;
}
