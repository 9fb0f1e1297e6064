import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../src/explorer/analyze.ts';
import { parseTrace } from '../src/explorer/trace.ts';
import { findScenario } from '../src/scenarios/index.ts';

/** The trace the browser test opens: DragonOS concern 1 (the signal lost to a failed try_siginfo_mut). */
const TRACE = 'traces/dragonos/c1-siginfo-trylock.pr1663.cpus2.json';
/** Debian's chromium package; .ci/run installs it when missing. Never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = 'test-results/html-view.png';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the HTML trace view in a real browser (headless Chromium)', () => {
  it('steps forward through the trace to the highlighted violation, offline', async () => {
    // No skip: without the browser this test fails, so a CI machine without it is noticed.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-html-'));
    const page = join(dir, 'trace.html');
    const r = spawnSync(process.execPath, [resolve('bin/ptrace-mc.js'), 'render', TRACE, '--format', 'html'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    writeFileSync(page, r.stdout);
    const trace = parseTrace(readFileSync(TRACE, 'utf8'), TRACE);
    const n = trace.steps.length;
    const story = analyzeTrace(findScenario(trace.scenario)!, trace).story.steps;

    const ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1400, height: 900 },
    });
    try {
      const requests: string[] = [];
      ctx.on('request', (q) => {
        if (!q.url().startsWith('file:')) requests.push(q.url());
      });
      const errors: string[] = [];
      const tab = await ctx.newPage();
      const cls = async (sel: string) => (await tab.getAttribute(sel, 'class')) ?? '';
      tab.on('pageerror', (e) => errors.push(e.message));
      await tab.goto(pathToFileURL(page).href);

      // Before the first step: nothing is current, the violation is not yet highlighted.
      await expect.poll(() => tab.textContent('#pos')).toContain(`of ${n}`);
      expect(await tab.locator('#timeline tbody tr[data-step]').count()).toBe(n);
      expect(await cls('#violation')).not.toContain('active');

      // Forward one step with the button, then with the keyboard.
      await tab.click('#next');
      expect(await tab.textContent('#pos')).toBe(`step 1 of ${n}`);
      expect(await cls('tr[data-step="1"]')).toContain('current');
      expect(await tab.textContent('#step-ref')).toBe(trace.steps[0]?.ref);
      for (let i = 2; i <= 5; i++) await tab.keyboard.press('ArrowRight');
      expect(await tab.textContent('#pos')).toBe(`step 5 of ${n}`);
      // Step 5 of this trace is the tracer's ptrace_resume storing the injected signal: the diff
      // shows the old and the new value, with the step's DragonOS source line.
      expect(await tab.textContent('#diff')).toContain('T.injected_signal: 0 → 10');
      expect(await cls('#cells tr.changed')).toBe('changed');
      expect(await tab.textContent('#step-ref')).toBe(trace.steps[4]?.ref);
      expect(trace.steps[4]?.ref).toMatch(/^dragonos@\w+ kernel\/src\/process\/ptrace\.rs:\d+ /);
      // it is a step of the race (★), and says so
      expect(await cls('tr[data-step="5"]')).toContain('story');
      expect(await tab.textContent('#step-info')).toContain('a step of the race');
      // Back and forward again.
      await tab.click('#prev');
      expect(await tab.textContent('#pos')).toBe(`step 4 of ${n}`);
      for (let i = 4; i < n; i++) await tab.keyboard.press('ArrowRight');
      expect(await tab.textContent('#pos')).toBe(`step ${n} of ${n}`);
      expect(await tab.isDisabled('#next')).toBe(true);

      // At the end the violation is highlighted, in the banner and in the timeline.
      expect(await cls('#violation')).toContain('active');
      expect(await cls('#violation-row')).toContain('current');
      expect(await tab.textContent('#violation')).toContain(trace.violation.invariant);
      const color = await tab.$eval(
        '#violation',
        (e) =>
          (globalThis as unknown as { getComputedStyle(x: unknown): { backgroundColor: string } }).getComputedStyle(e)
            .backgroundColor,
      );
      expect(color).toBe('rgb(255, 235, 233)');
      // The causal steps are marked, and among them the steps of the race (T's five failed trylocks …).
      expect(await tab.locator('#timeline tr.causal').count()).toBeGreaterThan(0);
      expect(await tab.locator('#timeline tr.story').count()).toBe(story.length);
      for (const k of [95, 98, 101, 104, 107]) expect(await cls(`tr[data-step="${k}"]`)).toContain('story');

      mkdirSync('test-results', { recursive: true });
      await tab.screenshot({ path: SCREENSHOT });
      expect(existsSync(SCREENSHOT)).toBe(true);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
