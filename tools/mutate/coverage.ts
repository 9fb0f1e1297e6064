import { Session } from 'node:inspector';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_STEPS } from '../../src/explorer/make-machine.ts';
import { runScenario } from '../../src/explorer/run.ts';
import { loadBuiltin } from '../../src/scenarios/registry.ts';
import type { Row } from './rows.ts';

interface FunctionCoverage {
  readonly functionName: string;
  readonly ranges: readonly { readonly count: number }[];
}
interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly FunctionCoverage[];
}

function post<T>(s: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((res, rej) => s.post(method, params, (e, r) => (e ? rej(e) : res(r as T))));
}

/**
 * Which functions of the model sources each row runs: `file:function` for
 * every function V8 saw called while the row's model was explored by a
 * short random search and a short preemption-bounded one. A mutant is run
 * against the rows that run the function it changes (a row that never
 * calls the code cannot catch a change to it).
 */
export async function rowCoverage(
  rows: readonly Row[],
  root: string,
  log: (s: string) => void,
): Promise<Record<string, string[]>> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  const out: Record<string, string[]> = {};
  for (const row of rows) {
    const s = await loadBuiltin(row.scenario);
    if (!s) throw new Error(`no built-in scenario ${row.scenario}`);
    await post(session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    for (const strategy of ['random', 'bounded'] as const) {
      runScenario(s, {
        variant: row.variant,
        cpus: row.cpus,
        strategy,
        seed: 1,
        runs: 300,
        invariants: row.only,
        maxSteps: s.maxSteps ?? DEFAULT_MAX_STEPS,
        ...(row.irq ? { irq: row.irq } : {}),
        cache: true,
        preemptions: 1,
        shrink: false,
        // executions only: a wall-clock cut would make a row's coverage depend on how busy the machine is
        budget: { maxExecutions: 300 },
      });
    }
    const { result } = await post<{ result: ScriptCoverage[] }>(session, 'Profiler.takePreciseCoverage');
    await post(session, 'Profiler.stopPreciseCoverage');
    const ran = new Set<string>();
    for (const sc of result) {
      if (!sc.url.startsWith('file:') || !sc.url.includes('/src/kernel/')) continue;
      const file = relative(root, fileURLToPath(sc.url));
      for (const f of sc.functions) if ((f.ranges[0]?.count ?? 0) > 0) ran.add(`${file}:${f.functionName}`);
    }
    out[row.id] = [...ran].sort();
    log(`coverage: ${row.id}: ${ran.size} functions`);
  }
  session.disconnect();
  return out;
}
