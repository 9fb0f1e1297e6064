/**
 * `npm run retrace -- [--check] [FILE|DIR …]` (default: traces/): the saved
 * traces whose only difference from today's model is the line number of a
 * reference to a TypeScript source (an edit above a `here` site moved it)
 * are written again with the new lines; any other difference is reported
 * and the file left alone (src/explorer/retrace.ts). With --check nothing
 * is written: the command fails if a trace needs either.
 *
 * Exit status: 0 when every trace replays (after the rewrite), 1 when some
 * trace needs a person (or, with --check, a rewrite), 2 on bad input.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retrace } from '../src/explorer/retrace.ts';
import { parseTrace, traceToText } from '../src/explorer/trace.ts';
import { findScenario } from '../src/scenarios/index.ts';

function traceFiles(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((f) => {
      const q = join(p, f);
      return statSync(q).isDirectory() ? traceFiles(q) : f.endsWith('.json') ? [q] : [];
    });
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const unknown = args.find((a) => a.startsWith('--') && a !== '--check');
if (unknown !== undefined) {
  process.stderr.write(`retrace: unknown option ${unknown} (usage: npm run retrace -- [--check] [FILE|DIR …])\n`);
  process.exit(2);
}
const paths = args.filter((a) => !a.startsWith('--'));
let same = 0;
let failed = 0;
const moved: string[] = [];
for (const f of (paths.length > 0 ? paths : ['traces']).flatMap(traceFiles)) {
  const t = parseTrace(readFileSync(f, 'utf8'), f);
  const s = findScenario(t.scenario);
  if (!s) {
    process.stdout.write(`${f}: no built-in scenario ${t.scenario}\n`);
    failed++;
    continue;
  }
  const r = retrace(s, t);
  if (r.kind === 'same') same++;
  else if (r.kind === 'mismatch') {
    process.stdout.write(`${f}: ${r.message}\n`);
    failed++;
  } else {
    const lines = [...new Set(r.moved.map((m) => `${m.from} → ${m.to.replace(/^.*?:(\d+).*$/, ':$1')}`))];
    process.stdout.write(`${f}: ${check ? 'stale' : 'updated'} source lines (${r.moved.length} steps): ${lines.join('; ')}\n`);
    if (!check) writeFileSync(f, traceToText(r.trace));
    moved.push(f);
  }
}
process.stdout.write(
  `${same} traces replay unchanged, ${moved.length} ${check ? 'have stale source lines' : 'updated (source lines only)'}, ${failed} do not reproduce\n`,
);
process.exit(failed > 0 || (check && moved.length > 0) ? 1 : 0);
