/**
 * The lines of the model sources (src/kernel) a stretch of this process
 * ran: V8's precise block coverage (`detailed`), read through an inspector
 * session of the process itself, mapped back to the TypeScript through each
 * script's inline source map (block-lines.ts). Started before the model's
 * modules are imported: a function compiled before block coverage starts
 * has no block counters, only its own count.
 */
import { Session } from 'node:inspector';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type FunctionCoverage,
  inlineSourceMap,
  packLines,
  ranLines,
  ranSpans,
  type ScriptMap,
  scriptMap,
} from './block-lines.ts';

interface ScriptCoverage {
  readonly scriptId: string;
  readonly url: string;
  readonly functions: readonly FunctionCoverage[];
}

/** A kernel source's generated script: its map (null: it has none, its lines are not known) and length. */
interface Script {
  readonly file: string;
  readonly map: ScriptMap | null;
  readonly length: number;
}

export class LineCoverage {
  private readonly scripts = new Map<string, Script>();

  private constructor(
    private readonly session: Session,
    private readonly root: string,
  ) {}

  /** Starts counting: call before the model's modules are imported. */
  static async start(root: string): Promise<LineCoverage> {
    const session = new Session();
    session.connect();
    const c = new LineCoverage(session, root);
    await c.post('Profiler.enable');
    // the debugger gives each script's generated text (Debugger.getScriptSource); turning it off and on
    // again would drop the block counters, so it stays on
    await c.post('Debugger.enable');
    await c.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    return c;
  }

  private post<T>(method: string, params: object = {}): Promise<T> {
    return new Promise((res, rej) => this.session.post(method, params, (e, r) => (e ? rej(e) : res(r as T))));
  }

  /** The kernel source a script URL names (repository-relative), or null. */
  private kernelFile(url: string): string | null {
    if (!url.startsWith('file:')) return null;
    const file = relative(this.root, fileURLToPath(url));
    return file.startsWith('src/kernel/') ? file : null;
  }

  private async script(sc: ScriptCoverage, file: string): Promise<Script> {
    let s = this.scripts.get(sc.scriptId);
    if (!s) {
      const { scriptSource } = await this.post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: sc.scriptId });
      const sm = inlineSourceMap(scriptSource);
      // one source per script: tsx maps each module to its own file
      const map = sm && sm.sources.length === 1 ? scriptMap(scriptSource, sm.mappings) : null;
      s = { file, map, length: scriptSource.length };
      this.scripts.set(sc.scriptId, s);
    }
    return s;
  }

  /**
   * The lines of each kernel source that ran since the last call (V8 resets its counts when they are
   * taken), packed (`3-7,12`); a source whose script has no source map is named with `?`.
   */
  async take(): Promise<Record<string, string>> {
    const { result } = await this.post<{ result: ScriptCoverage[] }>('Profiler.takePreciseCoverage');
    const out: Record<string, string> = {};
    for (const sc of result) {
      const file = this.kernelFile(sc.url);
      if (file === null) continue;
      const s = await this.script(sc, file);
      if (s.map === null) {
        out[file] = '?';
        continue;
      }
      const lines = ranLines(s.map, ranSpans(sc.functions), s.length);
      if (lines.size > 0) out[file] = packLines(lines);
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The lines of each kernel source seen so far that some generated code comes from, packed. */
  mapped(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of this.scripts.values()) if (s.map) out[s.file] = packLines(s.map.mapped);
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
