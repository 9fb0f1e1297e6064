/**
 * The state of the sources a row's coverage and unmutated search depend on,
 * as one hash per row: every source under src/ except the scenario modules,
 * plus the row's own scenario module. A row's kept coverage and baseline
 * (mutate-out/coverage.json, baseline.json) are reused while its key is the
 * same: a change to the kernel models, the engine or a shared scenario helper
 * recomputes every row; a row added to (or edited in) one scenario module
 * recomputes that module's rows alone.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? sourceFiles(p) : f.endsWith('.ts') ? [p] : [];
    });
}

/**
 * Each built-in scenario's module (src/scenarios/…), read from the registry's
 * `['name', async () => (await import('./path.ts'))…]` entries.
 */
export function scenarioModules(root: string): Map<string, string> {
  const registry = readFileSync(join(root, 'src/scenarios/registry.ts'), 'utf8');
  const out = new Map<string, string>();
  for (const m of registry.matchAll(/\[\s*'([^']+)',\s*async \(\) => \(await import\('\.\/([^']+)'\)\)/g)) {
    out.set(m[1] as string, `src/scenarios/${m[2] as string}`);
  }
  return out;
}

/** A key per scenario name: the hash of the shared sources and of the scenario's module. */
export function scenarioKeys(root: string): (scenario: string) => string {
  const modules = scenarioModules(root);
  const own = new Set([...modules.values(), 'src/scenarios/registry.ts', 'src/scenarios/index.ts']);
  const shared = sha(
    sourceFiles(join(root, 'src'))
      .map((f) => relative(root, f))
      .filter((f) => !own.has(f))
      .map((f) => `${f}\0${readFileSync(join(root, f), 'utf8')}`)
      .join('\0'),
  );
  const cache = new Map<string, string>();
  return (scenario) => {
    const module = modules.get(scenario);
    if (module === undefined) throw new Error(`no module for the scenario ${scenario} in src/scenarios/registry.ts`);
    let key = cache.get(module);
    if (key === undefined) {
      key = sha(`${shared}\0${module}\0${readFileSync(join(root, module), 'utf8')}`);
      cache.set(module, key);
    }
    return key;
  };
}
