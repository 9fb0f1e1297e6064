import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { analyzeTrace } from '../explorer/analyze.ts';
import { renderExplain } from '../explorer/explain.ts';
import { renderMermaidStory } from '../explorer/render-mermaid.ts';
import { parseTrace } from '../explorer/trace.ts';
import { applyIrqBounds } from '../model/irq-bounds.ts';
import type { ScenarioDef } from '../model/scenario.ts';

/** What a report row needs of an outcome (check.ts's Outcome, without importing it back). */
export interface ReportRow {
  readonly scenario: ScenarioDef;
  readonly variant: string;
  readonly cpus: number;
  /** `timer@cpu0=0`, or '' for the scenario's own budgets; the invariants checked, or '' for all */
  readonly irq: string;
  readonly checking: string;
  readonly verdict: string;
  readonly invariant: string | null;
  readonly message: string | null;
  readonly expected: string;
  readonly ok: boolean;
  readonly search: string;
  readonly executions: number;
  readonly tracePath: string | null;
}

/** A table cell: pipes escaped, code where it names a thing. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function rowTitle(r: ReportRow): string {
  const irq = r.irq ? `, irq ${r.irq}` : '';
  return `${r.scenario.name} [${r.variant}] on ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}${irq}`;
}

/** The explain story and the mermaid story of a trace, from the trace file and its scenario. */
function stories(r: ReportRow, file: string): { explain: string; mermaid: string } {
  const t = parseTrace(readFileSync(file, 'utf8'), file);
  const irq = t.options.irq;
  const s: ScenarioDef = irq ? { ...r.scenario, build: (b) => applyIrqBounds(r.scenario.build(b), irq) } : r.scenario;
  const a = analyzeTrace(s, t);
  return { explain: renderExplain(t, a), mermaid: renderMermaidStory(t, a) };
}

/**
 * The Markdown a CI job posts on a pull request: the table, one row per
 * check, then for each violated row the race as `explain` tells it, the
 * same race as a Mermaid diagram (GitHub renders it), the trace file and
 * the command that replays it. Deterministic: no times.
 */
export function renderReport(rows: readonly ReportRow[], summary: string): string {
  const out: string[] = ['## ptrace-mc check', ''];
  out.push('| scenario | variant | cpus | bounds | verdict | expected | | search | executions |');
  out.push('|---|---|--:|---|---|---|---|---|--:|');
  for (const r of rows) {
    const bounds = [r.irq && `irq ${r.irq}`, r.checking && `checking ${r.checking}`].filter(Boolean).join('; ') || '-';
    const verdict = r.verdict === 'violated' && r.invariant ? `**violated** (${r.invariant})` : r.verdict;
    out.push(
      `| \`${cell(r.scenario.name)}\` | ${cell(r.variant)} | ${r.cpus} | ${cell(bounds)} | ${cell(verdict)} | ${cell(r.expected)} | ${r.ok ? 'ok' : '**MISMATCH**'} | ${cell(r.search)} | ${r.executions} |`,
    );
  }
  out.push('', summary);
  for (const r of rows) {
    if (r.verdict !== 'violated' || r.tracePath === null) continue;
    const { explain, mermaid } = stories(r, r.tracePath);
    out.push('', `### ${rowTitle(r)}: ${r.invariant} violated`, '', `> ${r.message ?? ''}`, '');
    out.push('```text', explain.trimEnd(), '```', '', '```mermaid', mermaid.trimEnd(), '```', '');
    out.push(
      `Trace: \`${r.tracePath}\` — replay it with \`npx ptrace-mc replay ${r.tracePath}\`; step through it with \`npx ptrace-mc render ${r.tracePath} --format html > trace.html\`.`,
    );
  }
  return `${out.join('\n')}\n`;
}

export function writeReport(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
