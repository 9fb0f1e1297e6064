import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ScenarioDef, scenarioProblem } from '../model/scenario.ts';
import { ScenarioLoadError } from './errors.ts';
import { rememberSource } from './source.ts';

/** What a scenario file may be written in: TypeScript (loaded through tsx) or JavaScript. */
export const SCENARIO_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const TYPESCRIPT = /\.(ts|mts|cts)$/;
/** A litmus test in the C format of the kernel's tools/memory-model (src/scenarios/litmus/parse.ts): a scenario too. */
export const LITMUS_FILE = /\.litmus$/;

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A path as the user would write it: relative to the working directory when inside it. */
export function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** The module a file exports, imported once per process (TypeScript through tsx's loader, scoped to this import). */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (!TYPESCRIPT.test(file)) return (await import(url)) as Record<string, unknown>;
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/** `:LINE` of the file in a load error, when the loader or the stack says it. */
function lineIn(e: unknown, file: string): string {
  const text = `${(e as Error)?.message ?? ''}\n${(e as Error)?.stack ?? ''}`;
  const esc = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${esc}(?:\\?[^:\\s]*)?:(\\d+)(?::\\d+)?`).exec(text);
  return m ? `:${m[1]}` : '';
}

/** The first useful line of a load error: esbuild's own error line for a syntax error. */
function reason(e: unknown): string {
  const msg = String((e as Error)?.message ?? e);
  const esbuild = /: ERROR: (.+)/.exec(msg);
  return (esbuild?.[1] ?? msg.split('\n')[0] ?? '').trim();
}

/**
 * A module's default export. A TypeScript file in a CommonJS package (no
 * "type": "module") is compiled to CommonJS by tsx: its `export default` is
 * then `module.exports.default`, behind the namespace's own `default`.
 */
function defaultExport(mod: Record<string, unknown>): unknown {
  const d = mod.default;
  if (typeof d === 'object' && d !== null && '__esModule' in d) return (d as { default?: unknown }).default;
  return d;
}

export interface ImportedFile {
  /** the file's default export, when it has one */
  readonly scenario: ScenarioDef | null;
  /** why its default export is not a scenario (null when it is one, or there is none) */
  readonly problem: string | null;
}

/**
 * Imports a scenario file and checks its default export. The scenario is
 * remembered with its source: the absolute path and the SHA-256 of the
 * text it was loaded from. A file that does not load is a
 * ScenarioLoadError naming the file and, when known, the line.
 */
export function importScenarioFile(path: string): Promise<ImportedFile> {
  // once per file and process: a file named twice (or found in a directory too) is one scenario
  const file = resolve(path);
  let p = IMPORTED.get(file);
  if (p === undefined) {
    p = importOnce(file);
    IMPORTED.set(file, p);
  }
  return p;
}

const IMPORTED = new Map<string, Promise<ImportedFile>>();

async function importOnce(file: string): Promise<ImportedFile> {
  const shown = shownPath(file);
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (e) {
    throw new ScenarioLoadError(`${shown}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (LITMUS_FILE.test(file)) return litmusFile(file, shown, text);
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (e) {
    throw new ScenarioLoadError(`${shown}${lineIn(e, file)}: does not load: ${reason(e)}`);
  }
  const d = defaultExport(mod);
  if (d === undefined) return { scenario: null, problem: null };
  const problem = scenarioProblem(d);
  if (problem !== null) return { scenario: null, problem: `its default export ${problem}` };
  const s = buildErrorsNamed(d as ScenarioDef, shown);
  return { scenario: rememberSource(s, { file, sha256: sha256(text) }), problem: null };
}

/**
 * A scenario file whose model throws while it is built is bad input, not a
 * failure of the tool: a ScenarioLoadError naming the file, the row and
 * the model's own message (in whatever thread builds it).
 */
function buildErrorsNamed(s: ScenarioDef, shown: string): ScenarioDef {
  return {
    ...s,
    build(o) {
      try {
        return s.build(o);
      } catch (e) {
        const cpus = `${o.cpus} CPU${o.cpus === 1 ? '' : 's'}`;
        throw new ScenarioLoadError(`${shown}: ${s.name} [${o.variant}] on ${cpus}: building the model throws: ${reason(e)}`);
      }
    },
  };
}

/** A litmus file's scenario, remembered with its source as any scenario file's. */
async function litmusFile(file: string, shown: string, text: Buffer): Promise<ImportedFile> {
  const { parseLitmus, LitmusSyntaxError } = await import('../scenarios/litmus/parse.ts');
  const { litmusFileScenario } = await import('../scenarios/litmus/shape.ts');
  try {
    const s = litmusFileScenario(parseLitmus(text.toString('utf8'), shown));
    return { scenario: rememberSource(s, { file, sha256: sha256(text) }), problem: null };
  } catch (e) {
    if (e instanceof LitmusSyntaxError) throw new ScenarioLoadError(e.message);
    throw new ScenarioLoadError(`${shown}: ${(e as Error).message}`);
  }
}

/** The scenario a file's default export defines; a ScenarioLoadError when it does not load or exports none. */
export async function loadScenarioFile(path: string): Promise<ScenarioDef> {
  const r = await importScenarioFile(path);
  const shown = shownPath(resolve(path));
  if (r.problem !== null) throw new ScenarioLoadError(`${shown}: ${r.problem}`);
  if (r.scenario === null) throw new ScenarioLoadError(`${shown}: exports no scenario (export default defineScenario({ … }))`);
  return r.scenario;
}
