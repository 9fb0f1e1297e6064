/**
 * The state of the sources a row's coverage and unmutated search depend on,
 * as one hash per row: every source file its scenario module reaches through
 * its imports (static and dynamic, relative paths), and every file the runner
 * (src/explorer/run.ts, the registry, the memory models) reaches. A row's
 * kept coverage and baseline (mutate-out/coverage.json, baseline.json) are
 * reused while its key is the same: a change to one kernel model recomputes
 * the rows of the scenarios that import it, and no others.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

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

/** The relative imports of a source file (`from './x.ts'`, `import('./x.ts')`), as paths under the root. */
function importsOf(root: string, file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
    out.push(relative(root, join(root, dirname(file), m[1] as string)));
  }
  return out;
}

/** Every file reachable from `starts` through relative imports, sorted. */
function reachable(root: string, starts: readonly string[], text: (f: string) => string): string[] {
  const seen = new Set<string>();
  const todo = [...starts];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f) || !existsSync(join(root, f))) continue;
    seen.add(f);
    todo.push(...importsOf(root, f, text(f)));
  }
  return [...seen].sort();
}

/** What every row runs through besides its scenario module: run-rows.ts imports these (and the registry, which only lists the modules). */
const RUNNER = ['src/explorer/run.ts', 'src/model/memory-model.ts'];

/** Per scenario name: every source file its module reaches through its imports (the runner's own left out). */
export function scenarioFiles(root: string): (scenario: string) => ReadonlySet<string> {
  const modules = scenarioModules(root);
  const text = (f: string) => readFileSync(join(root, f), 'utf8');
  const cache = new Map<string, ReadonlySet<string>>();
  return (scenario) => {
    const module = modules.get(scenario);
    if (module === undefined) throw new Error(`no module for the scenario ${scenario} in src/scenarios/registry.ts`);
    let files = cache.get(module);
    if (files === undefined) {
      files = new Set(reachable(root, [module], text));
      cache.set(module, files);
    }
    return files;
  };
}

/** A key per scenario name: the hash of every source its module and the runner reach. */
export function scenarioKeys(root: string): (scenario: string) => string {
  const modules = scenarioModules(root);
  const texts = new Map<string, string>();
  const text = (f: string) => {
    let t = texts.get(f);
    if (t === undefined) {
      t = readFileSync(join(root, f), 'utf8');
      texts.set(f, t);
    }
    return t;
  };
  const runner = reachable(root, RUNNER, text);
  const cache = new Map<string, string>();
  return (scenario) => {
    const module = modules.get(scenario);
    if (module === undefined) throw new Error(`no module for the scenario ${scenario} in src/scenarios/registry.ts`);
    let key = cache.get(module);
    if (key === undefined) {
      const files = [...new Set([...runner, ...reachable(root, [module], text)])].sort();
      key = sha(files.map((f) => `${f}\0${text(f)}`).join('\0'));
      cache.set(module, key);
    }
    return key;
  };
}
