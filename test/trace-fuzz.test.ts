import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from './cli-in-process.ts';

/**
 * Real traces under traces/, damaged the ways files get damaged or edited:
 * cut short, a byte changed, a field deleted, a value of another type, a
 * value edited. Every command that reads a trace must end with its normal
 * exit status or with one line on stderr and exit 2 — never a stack trace,
 * never "internal error", never a hang. And replay refuses every edit to
 * what the trace claims happened.
 */
const TRACES = [
  'traces/demo/lost-wakeup.buggy.cpus2.json',
  'traces/demo/abba-deadlock.buggy.cpus2.json',
  'traces/dragonos/c2-irq-enable.master.cpus1.lock-discipline.json',
  'traces/linux/sleep-wake.test-before-set.cpus2.json',
];
const COMMANDS: { args: string[]; ok: number }[] = [
  { args: ['replay'], ok: 1 },
  { args: ['render', '--format', 'text'], ok: 0 },
  { args: ['render', '--format', 'mermaid'], ok: 0 },
  { args: ['render', '--format', 'perfetto'], ok: 0 },
  { args: ['render', '--format', 'html'], ok: 0 },
  { args: ['explain'], ok: 0 },
  { args: ['explain', '--json'], ok: 0 },
  { args: ['shrink', '--out', 'OUT'], ok: 0 },
];
const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-fuzz-'));
const texts = TRACES.map((f) => readFileSync(f, 'utf8'));
const trees = texts.map((t) => JSON.parse(t) as unknown);

type Path = (string | number)[];
/** Every place in a JSON tree (the root excluded), depth first. */
function paths(x: unknown, at: Path = []): Path[] {
  if (Array.isArray(x)) return x.flatMap((v, i) => [[...at, i], ...paths(v, [...at, i])]);
  if (typeof x === 'object' && x !== null) return Object.entries(x).flatMap(([k, v]) => [[...at, k], ...paths(v, [...at, k])]);
  return [];
}
const places = trees.map((t) => paths(t));

function get(x: unknown, p: Path): unknown {
  return p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], x);
}
function set(x: unknown, p: Path, v: unknown): void {
  (get(x, p.slice(0, -1)) as Record<string | number, unknown>)[p[p.length - 1] as string] = v;
}
function remove(x: unknown, p: Path): void {
  const parent = get(x, p.slice(0, -1));
  const k = p[p.length - 1] as string | number;
  if (Array.isArray(parent)) parent.splice(k as number, 1);
  else delete (parent as Record<string, unknown>)[k];
}

/** A value edited the way a person edits a file: a number moved, a string changed or swapped for another one of the file. */
function tweak(v: unknown, pick: number, other: string): unknown {
  if (typeof v === 'number') return pick % 2 === 0 ? v + 1 + (pick % 5) : Math.max(0, v - 1 - (pick % 3));
  if (typeof v === 'string') return pick % 3 === 0 ? `${v}x` : pick % 3 === 1 ? other : v.slice(0, -1);
  if (typeof v === 'boolean') return !v;
  if (v === null) return pick;
  return Array.isArray(v) ? v.slice(0, -1) : {};
}

const OTHER_TYPES: unknown[] = [null, 0, -1, 1.5, '', 'x', true, [], {}, [null], { a: 1 }, 1e9];

type Damage =
  | { kind: 'truncate'; at: number }
  | { kind: 'byte'; at: number; char: string }
  | { kind: 'delete'; place: number }
  | { kind: 'type'; place: number; value: number }
  | { kind: 'edit'; place: number; pick: number; other: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), char: fc.string({ minLength: 1, maxLength: 1 }) }),
  fc.record({ kind: fc.constant('delete' as const), place: fc.nat() }),
  fc.record({ kind: fc.constant('type' as const), place: fc.nat(), value: fc.nat() }),
  fc.record({ kind: fc.constant('edit' as const), place: fc.nat(), pick: fc.nat(), other: fc.nat() }),
);

/** The damaged file's text, and whether it still says the same as the original (an edit that changed nothing). */
function apply(t: number, d: Damage): { text: string; same: boolean } {
  const text = texts[t] as string;
  const ps = places[t] as Path[];
  if (d.kind === 'truncate') {
    const at = d.at % text.length;
    return { text: text.slice(0, at), same: false };
  }
  if (d.kind === 'byte') {
    const at = d.at % text.length;
    const out = text.slice(0, at) + d.char + text.slice(at + 1);
    return { text: out, same: out === text };
  }
  const tree = structuredClone(trees[t]);
  const p = ps[d.place % ps.length] as Path;
  if (d.kind === 'delete') remove(tree, p);
  else if (d.kind === 'type') set(tree, p, OTHER_TYPES[d.value % OTHER_TYPES.length]);
  else {
    const strings = ps.map((q) => get(trees[t], q)).filter((v): v is string => typeof v === 'string');
    set(tree, p, tweak(get(tree, p), d.pick, strings[d.other % strings.length] ?? ''));
  }
  const out = JSON.stringify(tree, null, 1);
  return { text: out, same: JSON.stringify(tree) === JSON.stringify(trees[t]) };
}

let n = 0;
function write(text: string): string {
  const f = join(dir, `f${n++}.json`);
  writeFileSync(f, text);
  return f;
}

/** exit status counts per command, printed at the end (the issue asks for them) */
const counts = new Map<string, Map<number, number>>();
function count(cmd: string, code: number): void {
  const m = counts.get(cmd) ?? new Map<number, number>();
  m.set(code, (m.get(code) ?? 0) + 1);
  counts.set(cmd, m);
}
afterAll(() => {
  const lines = [...counts].map(
    ([c, m]) =>
      `${c}: ${[...m]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `exit ${k} × ${v}`)
        .join(', ')}`,
  );
  process.stdout.write(`trace fuzz, exit status by command:\n  ${lines.join('\n  ')}\n`);
});

describe('damaged traces: every command ends cleanly', () => {
  it('replay, render (every format) and explain: their normal status, or one line and exit 2', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: TRACES.length - 1 }), damage, async (t, d) => {
        const { text } = apply(t, d);
        const f = write(text);
        for (const c of COMMANDS) {
          const name = c.args.join(' ');
          const args = [c.args[0] as string, f, ...c.args.slice(1).map((a) => (a === 'OUT' ? `${f}.shrunk` : a))];
          const r = await runInProcess(args);
          count(name, r.code);
          expect([c.ok, 2], `${name}: ${r.err}`).toContain(r.code);
          if (r.code === 2) {
            expect(r.err.trim().split('\n'), name).toHaveLength(1);
            expect(r.err).toMatch(/^ptrace-mc: /);
            expect(r.err).not.toMatch(/internal error|\n\s+at /);
            expect(r.out, name).toBe('');
          }
        }
      }),
      { seed: 13, numRuns: 120 },
    );
  }, 240_000);
});

describe('replay refuses every edit to what the trace says happened', () => {
  // the schedule, the steps, the world before them, the violation, the statistics
  const CLAIMS = new Set(['schedule', 'steps', 'initial', 'violation', 'stats']);
  it('an edited value, a deleted field or a value of another type there: exit 2', async () => {
    const claim: fc.Arbitrary<Damage> = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), place: fc.nat() }),
      fc.record({ kind: fc.constant('type' as const), place: fc.nat(), value: fc.nat() }),
      fc.record({ kind: fc.constant('edit' as const), place: fc.nat(), pick: fc.nat(), other: fc.nat() }),
    );
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: TRACES.length - 1 }),
        claim.filter((d) => 'place' in d),
        async (t, d) => {
          const ps = places[t] as Path[];
          // aim the damage at a claim: pick among the places under schedule, steps, initial, violation, stats
          const mine = ps.map((_, i) => i).filter((i) => CLAIMS.has(String((ps[i] as Path)[0])));
          const aimed = { ...d, place: mine[(d as { place: number }).place % mine.length] as number } as Damage;
          const { text, same } = apply(t, aimed);
          fc.pre(!same);
          const r = await runInProcess(['replay', write(text)]);
          count('replay (edited claims)', r.code);
          expect(r.code, r.out).toBe(2);
          expect(r.err.trim().split('\n')).toHaveLength(1);
          refused++;
        },
      ),
      { seed: 14, numRuns: 200 },
    );
    expect(refused).toBeGreaterThan(150);
  }, 240_000);
});
