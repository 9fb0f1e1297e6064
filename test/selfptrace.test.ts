import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STEPS, type RunOptions, runScenario } from '../src/explorer/run.ts';
import type { Expectation, ScenarioDef } from '../src/model/scenario.ts';
import { findScenario } from '../src/scenarios/index.ts';

const NAMES = [
  'selfptrace/parent-exit',
  'selfptrace/signal-between',
  'selfptrace/self-off',
  'selfptrace/intercept-twice',
] as const;

function scenario(name: string): ScenarioDef {
  const s = findScenario(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

function check(s: ScenarioDef, variant: string, cpus: number, invariants: readonly string[] | null = null) {
  const o: RunOptions = {
    variant,
    cpus,
    strategy: 'dfs',
    seed: 1,
    runs: 1,
    invariants,
    maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
    cache: true,
    budget: {},
  };
  return runScenario(s, o);
}

describe('self-ptrace scenarios give the verdict each variant claims (default DFS)', () => {
  for (const name of NAMES) {
    const s = scenario(name);
    for (const [variant, def] of Object.entries(s.variants)) {
      for (const e of def.expect as Expectation[]) {
        const key = `${name} ${variant} ${e.cpus}`;
        it(`${key}: ${e.verdict}${e.invariant ? ` (${e.invariant})` : ''}${e.only ? ` [only ${e.only.join(', ')}]` : ''}`, () => {
          const r = check(s, variant, e.cpus, e.only ?? null);
          expect(r.search.verdict).toBe(e.verdict);
          if (e.verdict === 'violated') expect(r.search.violation?.invariant).toBe(e.invariant);
        });
      }
    }
  }
});

describe('every "holds" has a known-buggy counterpart the same search finds violating', () => {
  for (const name of NAMES) {
    const s = scenario(name);
    for (const [variant, def] of Object.entries(s.variants)) {
      for (const e of def.expect) {
        if (e.verdict !== 'holds') continue;
        it(`${name} ${variant} on ${e.cpus} CPU(s) holds; another variant on the same CPUs is violated`, () => {
          const buggy = Object.entries(s.variants).find(
            ([v, d]) =>
              v !== variant &&
              d.expect.some(
                (x) =>
                  x.cpus === e.cpus && x.verdict === 'violated' && (e.only === undefined || e.only.includes(x.invariant ?? '')),
              ),
          );
          expect(buggy, 'a violated counterpart').toBeDefined();
          const [bv, bd] = buggy as [string, (typeof s.variants)[string]];
          const row = bd.expect.find((x) => x.cpus === e.cpus && x.verdict === 'violated') as Expectation;
          const r = check(s, bv, e.cpus, e.only ?? null);
          expect(r.search.verdict).toBe('violated');
          expect(r.search.violation?.invariant).toBe(row.invariant);
        });
      }
    }
  }
});

describe('the findings, step by step', () => {
  it('rfc parent-exit: BUG_ON(p->ptrace) at linux-2.6.27 exit.c:889 fires on PT_SELF alone', () => {
    const r = check(scenario('selfptrace/parent-exit'), 'rfc', 2);
    expect(r.search.violation?.message).toMatch(/BUG_ON\(p->ptrace\) fires: child->ptrace = 0x400 although nobody traces it/);
    expect(r.search.violation?.message).toContain('linux-2.6.27 kernel/exit.c:889 forget_original_parent');
    const steps = r.trace?.steps ?? [];
    const armed = steps.findIndex((x) => x.ref.includes('PTRACE_SELF_ON') && x.what.includes('PT_SELF'));
    expect(armed).toBeGreaterThanOrEqual(0);
  });

  it('rfc self-off: PTRACE_SELF_OFF runs while armed (ptrace is exempt), so the process can always disarm', () => {
    const r = check(scenario('selfptrace/self-off'), 'rfc', 1);
    expect(r.search.verdict).toBe('holds');
    const bad = check(scenario('selfptrace/self-off'), 'rfc-no-exempt', 1);
    expect(bad.search.violation?.message).toMatch(/PTRACE_SELF_OFF\) was intercepted, not executed/);
  });

  it('sud signal-between: the SIGUSR1 handler stacked on the SIGSYS frame gets its syscall dispatched with SIGSYS blocked, and dies', () => {
    const r = check(scenario('selfptrace/signal-between'), 'sud', 1);
    expect(r.search.violation?.invariant).toBe('sigsys-not-fatal');
    const what = (r.trace?.steps ?? []).map((x) => x.what);
    const dfl = what.indexOf('action->sa.sa_handler = SIG_DFL');
    const usr1 = what.findIndex((w) => w.startsWith('the SIGUSR1 handler runs'));
    expect(usr1).toBeGreaterThanOrEqual(0);
    expect(dfl).toBeGreaterThan(usr1);
  });
});
