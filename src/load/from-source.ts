import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { RecordedFile } from '../explorer/trace.ts';
import type { ScenarioDef, ScenarioSource } from '../model/scenario.ts';
import { loadBuiltin } from '../scenarios/registry.ts';
import { ScenarioLoadError } from './errors.ts';
import { loadScenarioFile, sha256, shownPath } from './import-file.ts';
import { rememberSource } from './source.ts';

/** A built-in scenario by name, remembered as such; undefined when there is none of that name. */
export async function builtinScenario(name: string): Promise<ScenarioDef | undefined> {
  const s = await loadBuiltin(name);
  return s && rememberSource(s, { builtin: name });
}

/**
 * The scenario a source names: a built-in by name, or the file at its
 * path, which must still have the text it had (same SHA-256). Worker
 * threads find their scenario this way.
 */
export async function loadSource(src: ScenarioSource, changed = 'since the search started'): Promise<ScenarioDef> {
  // a worker's scenario is the one the command loaded: the same file, path and text
  const again = (s: ScenarioDef) => rememberSource(s, src);
  if ('builtin' in src) {
    const s = await builtinScenario(src.builtin);
    if (s === undefined) throw new ScenarioLoadError(`no built-in scenario ${src.builtin}`);
    return s;
  }
  assertUnchanged(src.file, src.sha256, changed);
  return again(await loadScenarioFile(src.file));
}

function assertUnchanged(file: string, hash: string, changed: string): void {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (e) {
    throw new ScenarioLoadError(
      `${shownPath(file)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (sha256(text) !== hash) throw new ScenarioLoadError(`${shownPath(file)}: scenario file changed ${changed}`);
}

/**
 * Where a recorded scenario file is now: its path from the working
 * directory, or from a directory above the file that recorded it (a trace
 * under ptrace-mc-out/ in the repository the scenario lives in). The first
 * that exists is the one; it must have the recorded text.
 */
export function locateRecorded(rec: RecordedFile, recordedIn: string): string {
  const candidates = isAbsolute(rec.file) ? [rec.file] : [resolve(rec.file)];
  if (!isAbsolute(rec.file)) {
    for (let d = dirname(resolve(recordedIn)); ; d = dirname(d)) {
      candidates.push(join(d, rec.file));
      if (dirname(d) === d) break;
    }
  }
  for (const c of candidates) {
    if (existsSync(c)) return c;
  }
  throw new ScenarioLoadError(
    `${recordedIn}: its scenario file ${rec.file} is not there (looked from the working directory and from each directory above ${recordedIn})`,
  );
}

/** The scenario a trace or shard file was made from: its recorded file (unchanged), or the built-in of that name. */
export async function recordedScenario(
  name: string,
  rec: RecordedFile | undefined,
  recordedIn: string,
  what: string,
): Promise<ScenarioDef> {
  if (rec === undefined) {
    const s = await builtinScenario(name);
    if (s === undefined) {
      throw new ScenarioLoadError(`${recordedIn}: no built-in scenario ${name}, and the ${what} names no scenario file`);
    }
    return s;
  }
  const file = locateRecorded(rec, recordedIn);
  // what this file records is what a trace made from it records: the path as `check` gave it
  const s = await loadSource({ file, sha256: rec.sha256, recordAs: rec.file }, `since the ${what} was written`);
  if (s.name !== name) throw new ScenarioLoadError(`${shownPath(file)}: defines ${s.name}, but the ${what} is of ${name}`);
  return s;
}
