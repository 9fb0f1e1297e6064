import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ScenarioDef } from '../model/scenario.ts';
import { BUILTIN_NAMES } from '../scenarios/registry.ts';
import { ScenarioLoadError, SelectionError } from './errors.ts';
import { builtinScenario } from './from-source.ts';
import { importScenarioFile, LITMUS_FILE, loadScenarioFile, SCENARIO_FILE, shownPath } from './import-file.ts';
import { sourceOf } from './source.ts';

/**
 * The scenarios the arguments name, and whether they form an expectation
 * table (no argument: every built-in; a group such as `dragonos/`, or a
 * directory of scenario files) or are named one by one (a built-in's name,
 * or a scenario file's path).
 */
export interface Selection {
  readonly scenarios: readonly ScenarioDef[];
  readonly table: boolean;
}

/** An argument is a path when it looks like one, or names something on disk that is not a built-in. */
function isPath(arg: string): boolean {
  return (
    /^(\.{1,2}|~)?\//.test(arg) || /^\.{1,2}$/.test(arg) || SCENARIO_FILE.test(arg) || LITMUS_FILE.test(arg) || existsSync(arg)
  );
}

function isGroup(arg: string): boolean {
  return arg.endsWith('/') && BUILTIN_NAMES.some((n) => n.startsWith(arg));
}

export async function selectScenarios(args: readonly string[]): Promise<Selection> {
  if (args.length === 0) return { scenarios: await builtins(BUILTIN_NAMES), table: true };
  const table = args.map((a) => isGroup(a) || (!BUILTIN_NAMES.includes(a) && isPath(a) && isDirectory(a)));
  if (table.some((t) => t) && !table.every((t) => t)) {
    throw new SelectionError('name either scenarios or groups (dragonos/, a directory of scenario files), not both');
  }
  const out: ScenarioDef[] = [];
  for (const a of args) {
    if (BUILTIN_NAMES.includes(a)) out.push(...(await builtins([a])));
    else if (isGroup(a)) out.push(...(await builtins(BUILTIN_NAMES.filter((n) => n.startsWith(a)))));
    else if (isPath(a)) out.push(...(isDirectory(a) ? await directoryScenarios(a) : [await loadScenarioFile(a)]));
    else if (a.endsWith('/')) throw new SelectionError(`no built-in scenario in group '${a}', and no directory ${a}`);
    else {
      throw new SelectionError(
        `unknown scenario '${a}' (ptrace-mc list shows the built-in ones; name a scenario file by its path, e.g. ./review/concern.ts)`,
      );
    }
  }
  return { scenarios: unique(out), table: table[0] as boolean };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

async function builtins(names: readonly string[]): Promise<ScenarioDef[]> {
  return Promise.all(names.map(async (n) => (await builtinScenario(n)) as ScenarioDef));
}

/** The scenario files under a directory, by path: TypeScript or JavaScript, not tests, declarations or dependencies. */
export function scenarioFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      if (f.startsWith('.') || f === 'node_modules') return [];
      if (isDirectory(p)) return scenarioFilesIn(p);
      return SCENARIO_FILE.test(f) && !/\.d\.[cm]?ts$/.test(f) && !/\.(test|spec)\.[cm]?[jt]s$/.test(f) ? [p] : [];
    });
}

/**
 * Every scenario under a directory: each file's default export. A file
 * with no default export is a helper the others import, and is skipped; one
 * whose default export is not a scenario is an error.
 */
async function directoryScenarios(dir: string): Promise<ScenarioDef[]> {
  const out: ScenarioDef[] = [];
  for (const f of scenarioFilesIn(dir)) {
    const r = await importScenarioFile(f);
    if (r.problem !== null) throw new ScenarioLoadError(`${shownPath(resolve(f))}: ${r.problem}`);
    if (r.scenario) out.push(r.scenario);
  }
  if (out.length === 0)
    throw new SelectionError(`no scenario file in ${dir} (a .ts or .js file whose default export is a scenario)`);
  return out;
}

/** The same scenario named twice runs once; two scenarios of one name (their traces would collide) are an error. */
function unique(list: readonly ScenarioDef[]): ScenarioDef[] {
  const byName = new Map<string, ScenarioDef>();
  for (const s of list) {
    const had = byName.get(s.name);
    if (had !== undefined && had !== s) {
      throw new SelectionError(`two scenarios are named ${s.name}: ${where(had)} and ${where(s)}`);
    }
    byName.set(s.name, s);
  }
  return [...byName.values()];
}

function where(s: ScenarioDef): string {
  const src = sourceOf(s);
  return src === null ? s.name : 'builtin' in src ? `the built-in ${src.builtin}` : shownPath(src.file);
}
