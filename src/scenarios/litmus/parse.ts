/**
 * The C litmus format of the Linux kernel's tools/memory-model (as herd7
 * reads it), the subset whose threads are straight-line code:
 *
 *     C SB
 *     { x=0; y=0; }
 *     P0(int *x, int *y)
 *     {
 *         int r0;
 *         WRITE_ONCE(*x, 1);
 *         r0 = READ_ONCE(*y);
 *     }
 *     P1(int *x, int *y) { … }
 *     exists (0:r0=0 /\ 1:r0=0)
 *
 * Statements: WRITE_ONCE, READ_ONCE, smp_store_release, smp_load_acquire,
 * smp_mb, smp_wmb, smp_rmb, smp_mb__before_atomic / smp_mb__after_atomic
 * (compiler barriers on x86: the atomics they go with are locked already),
 * xchg and cmpxchg (and their _relaxed, _acquire, _release forms),
 * atomic_inc, atomic_dec, atomic_add, spin_lock and spin_unlock; local
 * declarations are skipped. The final clause is `exists`, `~exists` or
 * `forall` over a conjunction (`/\`) of `T:reg=v` and `cell=v` terms.
 * Anything else (an `if`, a `filter`, a disjunction) is refused with the
 * line it is on: the tool never guesses what a test means.
 */
import type { Instr, Litmus, Term } from './shape.ts';

/** A litmus file that is not in the subset: the message names the line. */
export class LitmusSyntaxError extends Error {}

/**
 * What the final clause asks: whether the outcome can happen (`exists`),
 * claims it never does (`~exists`), or claims every execution ends in it
 * (`forall`).
 */
export type Quantifier = 'exists' | 'not-exists' | 'forall';

export interface ParsedLitmus extends Litmus {
  readonly quantifier: Quantifier;
}

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const NUM = '-?\\d+';
const CELL = `\\*?\\s*(${IDENT})`;

function stripComments(text: string): string {
  // (* … *) as herd writes them, and C comments; newlines are kept so line numbers stay right
  const keepLines = (m: string) => m.replace(/[^\n]/g, ' ');
  return text
    .replace(/\(\*[\s\S]*?\*\)/g, keepLines)
    .replace(/\/\*[\s\S]*?\*\//g, keepLines)
    .replace(/\/\/[^\n]*/g, keepLines);
}

/** One statement of a thread body, or null for a declaration. */
function statement(s: string, fail: (why: string) => never): Instr | null {
  const m = (re: string) => new RegExp(`^${re}$`).exec(s);
  let x: RegExpExecArray | null;
  if (m(`(int|long|unsigned|u32|u64|bool)\\b[^=()]*`)) return null;
  if ((x = m(`WRITE_ONCE\\(\\s*${CELL}\\s*,\\s*(${NUM})\\s*\\)`))) return { op: 'write', cell: x[1] as string, v: Number(x[2]) };
  if ((x = m(`smp_store_release\\(\\s*&?${CELL}\\s*,\\s*(${NUM})\\s*\\)`))) {
    return { op: 'write', cell: x[1] as string, v: Number(x[2]), release: true };
  }
  if ((x = m(`(?:int\\s+)?(${IDENT})\\s*=\\s*READ_ONCE\\(\\s*${CELL}\\s*\\)`))) {
    return { op: 'read', reg: x[1] as string, cell: x[2] as string };
  }
  if ((x = m(`(?:int\\s+)?(${IDENT})\\s*=\\s*smp_load_acquire\\(\\s*&?${CELL}\\s*\\)`))) {
    return { op: 'read', reg: x[1] as string, cell: x[2] as string, acquire: true };
  }
  if ((x = m(`smp_(mb|wmb|rmb)\\(\\s*\\)`))) return { op: 'fence', kind: x[1] as 'mb' | 'wmb' | 'rmb' };
  if ((x = m(`smp_mb__(before|after)_atomic\\(\\s*\\)`)))
    return { op: 'fence', kind: 'compiler', name: `smp_mb__${x[1]}_atomic` };
  if ((x = m(`(?:int\\s+)?(${IDENT})\\s*=\\s*xchg(?:_relaxed|_acquire|_release)?\\(\\s*&?${CELL}\\s*,\\s*(${NUM})\\s*\\)`))) {
    return { op: 'xchg', reg: x[1] as string, cell: x[2] as string, v: Number(x[3]) };
  }
  if (
    (x = m(
      `(?:int\\s+)?(${IDENT})\\s*=\\s*cmpxchg(?:_relaxed|_acquire|_release)?\\(\\s*&?${CELL}\\s*,\\s*(${NUM})\\s*,\\s*(${NUM})\\s*\\)`,
    ))
  ) {
    return { op: 'cmpxchg', reg: x[1] as string, cell: x[2] as string, old: Number(x[3]), v: Number(x[4]) };
  }
  if ((x = m(`atomic_(inc|dec)\\(\\s*&?${CELL}\\s*\\)`))) {
    return { op: 'add', cell: x[2] as string, delta: x[1] === 'inc' ? 1 : -1 };
  }
  if ((x = m(`atomic_add\\(\\s*(${NUM})\\s*,\\s*&?${CELL}\\s*\\)`)))
    return { op: 'add', cell: x[2] as string, delta: Number(x[1]) };
  if ((x = m(`spin_(lock|unlock)\\(\\s*&?${CELL}\\s*\\)`))) {
    return { op: x[1] === 'lock' ? 'lock' : 'unlock', cell: x[2] as string };
  }
  return fail(
    `'${s}' is not in the supported subset (straight-line WRITE_ONCE, READ_ONCE, barriers, xchg, cmpxchg, atomic_inc/dec/add, spin_lock/unlock)`,
  );
}

/** Parses a litmus file; `where` names it in errors. */
export function parseLitmus(text: string, where: string): ParsedLitmus {
  const lines = stripComments(text).split('\n');
  let i = 0;
  const fail = (why: string, line = i + 1): never => {
    throw new LitmusSyntaxError(`${where}:${line}: ${why}`);
  };
  const skipBlank = () => {
    while (i < lines.length && (lines[i] as string).trim() === '') i++;
  };
  skipBlank();
  const head = /^C\s+(\S+)\s*$/.exec((lines[i] ?? '').trim());
  if (!head) fail('a litmus test starts with `C NAME`');
  const name = (head as RegExpExecArray)[1] as string;
  if (!/^[A-Za-z0-9_.+-]+$/.test(name)) fail(`the test's name '${name}' may use letters, digits and _ . + - only`);
  i++;
  skipBlank();
  // the initial state: { x=1; y=0; } on one or more lines (cells not named start at 0)
  const init: Record<string, number> = {};
  if ((lines[i] ?? '').trim().startsWith('{')) {
    const start = i;
    let block = '';
    while (i < lines.length && !block.includes('}')) block += `${lines[i++]}\n`;
    if (!block.includes('}')) fail('the initial-state block { … } is not closed', start + 1);
    for (const part of block.slice(block.indexOf('{') + 1, block.indexOf('}')).split(';')) {
      const p = part.trim();
      if (p === '') continue;
      const x = new RegExp(`^(?:int\\s+)?${CELL}\\s*=\\s*(${NUM})$`).exec(p);
      if (!x) fail(`initial state: '${p}' is not cell=value`, start + 1);
      init[(x as RegExpExecArray)[1] as string] = Number((x as RegExpExecArray)[2]);
    }
  }
  const threads: Instr[][] = [];
  let clause: { quantifier: Quantifier; body: string; line: number } | null = null;
  while (i < lines.length) {
    const line = (lines[i] as string).trim();
    if (line === '') {
      i++;
      continue;
    }
    const proc = /^P(\d+)\s*\(([^)]*)\)\s*(\{?)\s*$/.exec(line);
    if (proc) {
      if (Number(proc[1]) !== threads.length) fail(`expected P${threads.length}, got P${proc[1]}`);
      i++;
      if (proc[3] !== '{') {
        skipBlank();
        if ((lines[i] ?? '').trim() !== '{') fail(`P${proc[1]}: its body starts with {`);
        i++;
      }
      const body: Instr[] = [];
      for (;;) {
        if (i >= lines.length) fail(`P${proc[1]}: its body is not closed with }`);
        const l = (lines[i] as string).trim();
        if (l === '}') break;
        for (const s of l.split(';')) {
          const st = s.trim();
          if (st === '') continue;
          const ins = statement(st, (why) => fail(why));
          if (ins !== null) body.push(ins);
        }
        i++;
      }
      i++;
      threads.push(body);
      continue;
    }
    const q = /^(~\s*exists|exists|forall)\s*(.*)$/.exec(line);
    if (q) {
      let body = q[2] as string;
      const at = i + 1;
      i++;
      while (i < lines.length) body += ` ${(lines[i++] as string).trim()}`;
      const quantifier: Quantifier = q[1] === 'forall' ? 'forall' : q[1]?.startsWith('~') ? 'not-exists' : 'exists';
      clause = { quantifier, body: body.trim(), line: at };
      break;
    }
    if (/^locations\b/.test(line)) {
      i++;
      continue;
    }
    fail(`'${line}' is neither a thread (P0(…) { … }) nor the final clause (exists, ~exists, forall)`);
  }
  if (threads.length === 0) fail('no thread (P0(…) { … })');
  if (clause === null) return fail('no final clause (exists (…), ~exists (…) or forall (…))', lines.length);
  const c = clause as { quantifier: Quantifier; body: string; line: number };
  const inner = /^\((.*)\)$/.exec(c.body)?.[1] ?? c.body;
  if (/\\\/|~/.test(inner)) fail('only a conjunction (/\\) of terms is supported in the final clause', c.line);
  const exists: Term[] = inner.split('/\\').map((t) => {
    const term = t.trim();
    const reg = new RegExp(`^(\\d+):(${IDENT})\\s*=\\s*(${NUM})$`).exec(term);
    if (reg) {
      const thread = Number(reg[1]);
      if (thread >= threads.length) fail(`'${term}': there is no P${thread}`, c.line);
      return { thread, reg: reg[2] as string, v: Number(reg[3]) };
    }
    const cell = new RegExp(`^${CELL}\\s*=\\s*(${NUM})$`).exec(term);
    if (cell) return { cell: cell[1] as string, v: Number(cell[2]) };
    return fail(`'${term}' is not T:reg=value or cell=value`, c.line);
  });
  return { name, threads, exists, init, quantifier: c.quantifier };
}
