import type { TraceAnalysis } from './analyze.ts';
import { VIEWER_CSS, VIEWER_JS } from './html-viewer.ts';
import type { TraceFile } from './trace.ts';

/**
 * One self-contained HTML file that steps through a trace: per-CPU columns,
 * the source reference of each step, what changed in the world (from the
 * recorded patches), the causal steps marked and the violation highlighted.
 * No network access: the data, the stylesheet and the script are inline.
 */
export function renderHtml(t: TraceFile, a: TraceAnalysis): string {
  const cpus = t.options.cpus;
  const data = {
    scenario: t.scenario,
    variant: t.variant,
    cpus,
    violation: t.violation,
    initial: t.initial,
    steps: t.steps,
    slice: a.slice,
    story: a.story.steps,
  };
  const title = `${t.scenario} [${t.variant}] on ${cpus} CPU${cpus > 1 ? 's' : ''}`;
  const heads = Array.from({ length: cpus }, (_, c) => `<th>CPU${c}</th>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${esc(title)} — ${esc(t.violation.invariant)}</title>
<style>${VIEWER_CSS}</style>
</head>
<body>
<header>
<h1>${esc(t.scenario)} <span class="variant">[${esc(t.variant)}] on ${cpus} CPU${cpus > 1 ? 's' : ''} · ${t.steps.length} steps</span></h1>
<div id="violation"><b>VIOLATED ${esc(t.violation.invariant)}</b>: ${esc(t.violation.message)}</div>
<div class="controls">
<button id="first" title="Home">« first</button>
<button id="prev" title="← or k">‹ back</button>
<button id="next" title="→, j or space">forward ›</button>
<button id="last" title="End">last »</button>
<span id="pos"></span>
<span class="hint">keys: ← → Home End · click a row · <span class="legend"><span class="star">★</span> = the race (${a.story.steps.length} steps, as explain tells it) · <span class="dot">●</span> = the violation depends on it (${a.slice.length} of ${t.steps.length} steps)</span></span>
</div>
</header>
<main>
<section>
<table id="timeline"><thead><tr><th>step</th>${heads}<th>source</th></tr></thead><tbody></tbody></table>
</section>
<aside>
<div class="card"><h2>This step</h2><div id="step-info"></div></div>
<div class="card"><h2>What changed</h2><ul class="diff" id="diff"></ul></div>
<div class="card"><h2>Memory</h2><table class="kv" id="cells"></table></div>
<div class="card"><h2>CPUs</h2><table class="kv" id="cpus"></table></div>
<div class="card"><h2>Tasks</h2><table class="kv" id="tasks"></table></div>
</aside>
</main>
<script type="application/json" id="trace-data">${jsonForScript(data)}</script>
<script>${VIEWER_JS}</script>
</body>
</html>
`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that cannot close its <script> element early. */
function jsonForScript(x: unknown): string {
  return JSON.stringify(x)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
