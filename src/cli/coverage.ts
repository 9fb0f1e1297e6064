import { explore } from '../explorer/explore.ts';
import { DEFAULT_MAX_STEPS, makeMachine, makeStrategy } from '../explorer/run.ts';
import { resetCoverage } from '../kernel/linux/oracle/check.ts';
import { oracleCoverage } from '../kernel/linux/oracle/coverage.ts';
import { EXIT } from './errors.ts';
import { SCENARIOS } from './scenario-select.ts';

export interface CoverageFlags {
  json?: boolean;
}

/**
 * `ptrace-mc coverage`: explores every built-in scenario row (variant × CPU
 * count of its expectations) and lists the task-state and ptrace-link oracle
 * edges no execution exercised. Exploration stops at a row's first
 * violation, as `check` does.
 */
export function coverageCommand(f: CoverageFlags): number {
  resetCoverage();
  for (const s of SCENARIOS) {
    for (const [variant, v] of Object.entries(s.variants)) {
      for (const e of v.expect) {
        const m = makeMachine(s, {
          variant,
          cpus: e.cpus,
          invariants: null,
          maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
          ...(e.irq ? { irq: e.irq } : {}),
        });
        explore(m, makeStrategy({ strategy: 'dfs', seed: 0, runs: 0, cache: true }));
      }
    }
  }
  const report = oracleCoverage();
  if (f.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return EXIT.holds;
  }
  for (const r of report) {
    process.stdout.write(`${r.machine}: ${r.covered.length}/${r.edges} edges exercised\n`);
    for (const e of r.uncovered) process.stdout.write(`  not exercised: ${e.from} --${e.event}--> ${e.to}\n`);
  }
  return EXIT.holds;
}
