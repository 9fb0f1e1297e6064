/**
 * A barrier that matters in the Linux 6.6 substrate: linux/sleep-wake's
 * `no-barrier` variant (__set_current_state instead of set_current_state)
 * holds on sequentially consistent memory and is violated under x86-TSO,
 * where the state store waits in the sleeper's store buffer; linux-6.6,
 * whose smp_store_mb drains it, holds under x86-TSO.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './cli-in-process.ts';

const base = ['check', 'linux/sleep-wake', '--cpus', '2'];

describe('linux/sleep-wake under x86-TSO', () => {
  it('no-barrier loses the wakeup, with a trace that replays and whose story names the buffered store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-tso-'));
    const t = join(dir, 'nb.json');
    const r = await runInProcess([...base, '--variant', 'no-barrier', '--memory-model', 'tso', '--trace-out', t]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('no-lost-wakeup');
    const trace = JSON.parse(readFileSync(t, 'utf8'));
    expect(trace.options.memoryModel).toBe('tso');
    // the sleeper's state store goes into its buffer, and its condition load comes before that store drains
    const steps: { choice: string; kind: string; what: string; detail: string }[] = trace.steps;
    const into = steps.findIndex((s) => s.what.startsWith('WRITE_ONCE(current->__state') && s.detail.includes('store buffer'));
    const drained = steps.findIndex((s) => s.kind === 'drain' && s.what.includes('current->__state'));
    const test = steps.findIndex((s) => s.what === 'if (cond) break');
    expect(into).toBeGreaterThanOrEqual(0);
    expect(test).toBeGreaterThan(into);
    expect(drained).toBeGreaterThan(test);
    expect((await runInProcess(['replay', t])).code).toBe(1);
    const story = await runInProcess(['explain', t]);
    expect(story.code).toBe(0);
    expect(story.out).toMatch(/drain/);
    // the same variant holds on sequentially consistent memory
    expect((await runInProcess([...base, '--variant', 'no-barrier', '--memory-model', 'sc'])).code).toBe(0);
  });

  it('linux-6.6 holds under x86-TSO on 2 CPUs', async () => {
    const r = await runInProcess([...base, '--variant', 'linux-6.6', '--memory-model', 'tso']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('x86-TSO memory, store buffers of 8 entries per CPU');
  });
});
