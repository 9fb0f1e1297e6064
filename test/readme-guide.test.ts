import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../src/explorer/analyze.ts';
import { renderExplain } from '../src/explorer/explain.ts';
import { renderMermaidStory } from '../src/explorer/render-mermaid.ts';
import { renderText } from '../src/explorer/render-text.ts';
import { DEFAULT_MAX_STEPS, runScenario } from '../src/explorer/run.ts';
import type { ScenarioDef } from '../src/model/scenario.ts';

/**
 * The reviewer's guide in the README: its scenario is compiled as written,
 * searched as `check` searches it, and every output the guide shows is the
 * output of that trace.
 */
const README = readFileSync('README.md', 'utf8');
const guide = README.slice(README.indexOf("## Reviewer's guide"), README.indexOf('## What "holds" means'));

/** The fenced block that follows `marker` in the guide. */
function block(marker: string): string {
  const at = guide.indexOf(marker);
  expect(at, marker).toBeGreaterThanOrEqual(0);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(guide.slice(at));
  return (m?.[1] ?? '').replace(/\n$/, '');
}

/** The output shown after `$ cmd`, up to the end of its block. */
function output(cmd: string): string {
  const at = guide.indexOf(`$ ${cmd}\n`);
  expect(at, cmd).toBeGreaterThanOrEqual(0);
  const rest = guide.slice(guide.indexOf('\n', at) + 1);
  return rest.slice(0, rest.indexOf('```')).replace(/\n$/, '');
}

async function guideScenario(): Promise<{ src: string; s: ScenarioDef }> {
  const src = block('### 1. Write the concern as a scenario');
  const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-guide-'));
  const file = join(dir, 'sigcont-vs-stop.ts');
  // the guide saves it in src/scenarios/review/; from elsewhere its one import needs the full path
  writeFileSync(file, src.replace("'../dragonos/common.ts'", JSON.stringify(resolve('src/scenarios/dragonos/common.ts'))));
  const mod = (await import(pathToFileURL(file).href)) as { default: ScenarioDef };
  return { src, s: mod.default };
}

describe("the README's reviewer's guide", () => {
  it('its scenario is at most 30 lines, and every output it shows is what the tool prints', async () => {
    const { src, s } = await guideScenario();
    expect(src.split('\n').length).toBeLessThanOrEqual(30);
    expect(s.name).toBe('review/sigcont-vs-stop');
    const { search, trace } = runScenario(s, {
      variant: 'pr1663',
      cpus: 2,
      strategy: 'auto',
      seed: 1,
      runs: 1,
      invariants: ['no-lost-wakeup'],
      maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
      cache: true,
      budget: {},
    });
    expect([search.verdict, search.violation?.invariant]).toEqual(['violated', 'no-lost-wakeup']);
    expect(output('npx ptrace-mc check review/sigcont-vs-stop --compare')).toMatch(
      new RegExp(`^pr1663 +2 +violated +no-lost-wakeup +violated \\(no-lost-wakeup\\) +ok +${search.executions}$`, 'm'),
    );
    const t = trace!;
    const a = analyzeTrace(s, t);
    const file = 'ptrace-mc-out/review/sigcont-vs-stop/pr1663.cpus2.no-lost-wakeup.json';
    expect(`${output(`npx ptrace-mc explain ${file}`)}\n`).toBe(renderExplain(t, a));
    expect(`${block('```mermaid')}\n`).toBe(renderMermaidStory(t, a));
    // the timeline excerpt: its lines are the timeline's, in order
    const timeline = renderText(t).split('\n');
    let at = 0;
    for (const line of output(`npx ptrace-mc render ${file}`).split('\n')) {
      if (line === '  ...') continue;
      const k = timeline.indexOf(line, at);
      expect(k, line).toBeGreaterThanOrEqual(at);
      at = k;
    }
  });
});
