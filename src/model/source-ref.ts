/**
 * Source references for code a scenario writes itself (an override of a
 * kernel function, a foreign kernel's path): `here\`ptrace_stop\`` is
 * `<file>:<line> ptrace_stop`, the file and line of the template in the
 * scenario's source. A step's reference then points at the line a reader
 * must look at.
 *
 * The location is looked up once per template site (a tagged template's
 * strings array is one object per site) from the call stack, so the search
 * pays a map lookup per step, not a stack walk. The file is named relative
 * to this package's root when it lies inside it (`src/scenarios/…`), else
 * by its base name: the same on every machine and from every directory.
 * Lines are the TypeScript source's where the file was loaded with source
 * maps (tsx, vitest, the CLI, which turns them on); otherwise those of the
 * JavaScript that ran.
 */
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const sites = new WeakMap<TemplateStringsArray, string>();
/** the whole reference of a template without substitutions, once per site */
const fixed = new WeakMap<TemplateStringsArray, string>();
let packageRoot: string | null = null;

/** `at path:line:col` or `at fn (path:line:col)` → [path, line] */
function frameLocation(frame: string): [string, number] | null {
  const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?\s*$/.exec(frame.trim());
  if (!m) return null;
  const raw = m[1] as string;
  const path = raw.startsWith('file://') ? fileURLToPath(raw) : raw;
  return [path, Number(m[2])];
}

function stackFrames(skip: (...a: never[]) => unknown): string[] {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  Error.captureStackTrace(holder, skip);
  Error.stackTraceLimit = limit;
  return (holder.stack ?? '').split('\n').slice(1);
}

/** This package's root directory, as the stack names files (source-mapped or not). */
function rootOf(): string {
  if (packageRoot === null) {
    const own = frameLocation(stackFrames(rootOf)[0] ?? '');
    // this file is <root>/src/model/source-ref.ts (or dist/src/model/source-ref.js without source maps)
    const dir = own ? dirname(own[0]) : '';
    const up = resolve(dir, '..', '..');
    packageRoot = basename(up) === 'dist' ? dirname(up) : up;
  }
  return packageRoot;
}

function describe(path: string): string {
  const root = rootOf();
  if (path.startsWith(`${root}/`)) {
    const rel = path.slice(root.length + 1);
    return rel.startsWith('dist/') ? rel.slice(5) : rel;
  }
  return basename(path);
}

/** Where the template at this site is: `file:line`. */
function siteOf(strings: TemplateStringsArray): string {
  let where = sites.get(strings);
  if (where === undefined) {
    const loc = frameLocation(stackFrames(here)[0] ?? '');
    where = loc ? `${describe(loc[0])}:${loc[1]}` : 'scenario';
    sites.set(strings, where);
  }
  return where;
}

/** A source reference to this line of the scenario: here`fn` → `file.ts:42 fn`. */
export function here(strings: TemplateStringsArray, ...values: unknown[]): string {
  if (values.length === 0) {
    let ref = fixed.get(strings);
    if (ref === undefined) {
      ref = withText(siteOf(strings), strings.join(''));
      fixed.set(strings, ref);
    }
    return ref;
  }
  return withText(siteOf(strings), String.raw({ raw: strings }, ...values));
}

function withText(where: string, text: string): string {
  return text === '' ? where : `${where} ${text}`;
}
