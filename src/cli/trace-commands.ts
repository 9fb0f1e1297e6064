import { renderText } from '../explorer/render-text.ts';
import { ReplayMismatch, replayTrace } from '../explorer/replay.ts';
import { parseTrace, type TraceFile, TraceFormatError } from '../explorer/trace.ts';
import { EXIT, readUserFile, UsageError } from './errors.ts';
import { scenarioByName } from './scenario-select.ts';

export function readTrace(file: string): TraceFile {
  return readUserFile(file, parseTrace, TraceFormatError);
}

/** `ptrace-mc replay FILE`: 1 when the recorded violation reproduces, 2 when it does not or the file is bad. */
export function replayCommand(file: string, opts: { json?: boolean }): number {
  const t = readTrace(file);
  const s = scenarioByName(t.scenario);
  try {
    const v = replayTrace(s, t);
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ trace: file, scenario: t.scenario, variant: t.variant, cpus: t.options.cpus, reproduced: true, verdict: 'violated', invariant: v.invariant, message: v.message, steps: t.steps.length })}\n`,
      );
    } else {
      process.stdout.write(
        `${file}: reproduces ${v.invariant} in ${t.steps.length} steps (${t.scenario} [${t.variant}] on ${t.options.cpus} CPUs)\n  ${v.message}\n`,
      );
    }
    return EXIT.violated;
  } catch (e) {
    if (e instanceof ReplayMismatch) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

export const FORMATS = ['text'] as const;

export function renderCommand(file: string, opts: { format: string }): number {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`unknown format '${opts.format}' (one of: ${FORMATS.join(', ')})`);
  }
  const t = readTrace(file);
  process.stdout.write(renderText(t));
  return 0;
}
