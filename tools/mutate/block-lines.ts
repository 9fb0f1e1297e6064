/**
 * From V8's block coverage of one generated script (the JavaScript tsx
 * makes of a model source) to the lines of the original TypeScript that ran,
 * through the script's inline source map. Conservative: a line counts as
 * run when any piece of generated code mapped to it overlaps code whose
 * count is above zero (a line run too many costs a mutant one row more; a
 * line missed would let a row that can catch a mutant go unrun).
 */
import { decode } from '@jridgewell/sourcemap-codec';

export interface CoverageRange {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}
export interface FunctionCoverage {
  readonly functionName: string;
  readonly ranges: readonly CoverageRange[];
}

/** A generated script's mapping pieces: piece i spans [starts[i], starts[i+1]) and comes from original line lines[i] (0: none). */
export interface ScriptMap {
  readonly starts: readonly number[];
  readonly lines: readonly number[];
  /** the original lines some generated code comes from */
  readonly mapped: ReadonlySet<number>;
}

/** The inline source map at the end of a generated script (`//# sourceMappingURL=data:…;base64,…`), or null. */
export function inlineSourceMap(generated: string): { mappings: string; sources: string[] } | null {
  const m = /\/\/# sourceMappingURL=data:application\/json(?:;charset=[^;,]+)?;base64,([A-Za-z0-9+/=]+)\s*$/.exec(generated);
  if (!m) return null;
  const map = JSON.parse(Buffer.from(m[1] as string, 'base64').toString('utf8')) as { mappings?: string; sources?: string[] };
  return typeof map.mappings === 'string' && Array.isArray(map.sources) ? { mappings: map.mappings, sources: map.sources } : null;
}

/** The pieces of a generated script by offset (V8's offsets and the map's columns both count UTF-16 units). */
export function scriptMap(generated: string, mappings: string): ScriptMap {
  const lineStarts = [0];
  for (let i = generated.indexOf('\n'); i >= 0; i = generated.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const starts: number[] = [];
  const lines: number[] = [];
  const mapped = new Set<number>();
  decode(mappings).forEach((segments, genLine) => {
    const base = lineStarts[genLine] ?? generated.length;
    for (const seg of segments) {
      // a segment of one field maps its code to no original position
      const line = seg.length >= 4 ? (seg[2] as number) + 1 : 0;
      starts.push(base + seg[0]);
      lines.push(line);
      if (line > 0) mapped.add(line);
    }
  });
  // segments come sorted by generated position within a line, and lines in order
  return { starts, lines, mapped };
}

/**
 * The generated code whose count is above zero, as sorted disjoint [start, end) spans. V8's ranges nest
 * (a function's own range, then its blocks; an inner function inside the outer's): the count at an
 * offset is the innermost range's.
 */
export function ranSpans(functions: readonly FunctionCoverage[]): [number, number][] {
  const all = functions.flatMap((f) => f.ranges);
  all.sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
  const out: [number, number][] = [];
  const emit = (s: number, e: number, count: number) => {
    if (e <= s || count <= 0) return;
    const last = out[out.length - 1];
    if (last && last[1] >= s) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  };
  const stack: CoverageRange[] = [];
  let pos = 0;
  for (const r of all) {
    for (let top = stack[stack.length - 1]; top && top.endOffset <= r.startOffset; top = stack[stack.length - 1]) {
      emit(pos, top.endOffset, top.count);
      pos = Math.max(pos, top.endOffset);
      stack.pop();
    }
    const top = stack[stack.length - 1];
    if (top) emit(pos, r.startOffset, top.count);
    pos = r.startOffset;
    // a range that overlaps its enclosing one without nesting (V8 does not make them) would only widen what counts as run
    if (top && r.endOffset > top.endOffset) emit(r.startOffset, top.endOffset, top.count);
    stack.push(r);
  }
  for (let top = stack.pop(); top; top = stack.pop()) {
    emit(pos, top.endOffset, top.count);
    pos = Math.max(pos, top.endOffset);
  }
  return out;
}

/** The original lines with a piece of generated code that overlaps a span that ran. */
export function ranLines(map: ScriptMap, spans: readonly (readonly [number, number])[], scriptLength: number): Set<number> {
  const out = new Set<number>();
  let j = 0;
  let next = 0;
  for (let i = 0; i < map.starts.length; i++) {
    const s = map.starts[i] as number;
    // a piece ends where the next piece at another offset starts (pieces at one offset share their code)
    if (next <= i) for (next = i + 1; next < map.starts.length && (map.starts[next] as number) <= s; next++);
    const e = map.starts[next] ?? scriptLength;
    const line = map.lines[i] as number;
    if (line === 0 || e <= s) continue;
    while (j < spans.length && (spans[j] as readonly [number, number])[1] <= s) j++;
    // spans are sorted and disjoint: the first that ends after s is the only candidate to start before e
    const sp = spans[j];
    if (sp && sp[0] < e) out.add(line);
  }
  return out;
}

/** Sorted line numbers as a short text: `3-7,12,15-16`. */
export function packLines(lines: Iterable<number>): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let k = i;
    while (k + 1 < sorted.length && (sorted[k + 1] as number) === (sorted[k] as number) + 1) k++;
    parts.push(k === i ? String(sorted[i]) : `${sorted[i]}-${sorted[k]}`);
    i = k + 1;
  }
  return parts.join(',');
}

export function unpackLines(text: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let l = a; l <= (b ?? a); l++) out.add(l);
  }
  return out;
}
