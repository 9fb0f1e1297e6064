/**
 * Litmus tests as scenarios: a few threads of loads, stores, barriers and
 * atomics over shared cells (all 0 at the start), and an `exists` clause —
 * a final outcome over the threads' registers and memory. The scenario's
 * one invariant, `forbidden-outcome`, breaks when an execution ends in that
 * outcome: `holds` is herd's "Never" (no execution reaches it), `violated`
 * that some execution does, with the execution as the trace. A `forall`
 * clause (litmus files only) is checked by `required-outcome`, which breaks
 * when an execution ends outside the outcome.
 *
 * The shapes are the classic ones of the memory-model literature (Alglave,
 * Maranget, Tautschnig, "Herding cats", TOPLAS 36(2), 2014; the Linux
 * kernel's tools/memory-model/litmus-tests), written from their
 * definitions. Their known answers: under sequential consistency, an
 * outcome no interleaving of the threads' accesses gives is Never; under
 * x86-TSO (Owens, Sarkar, Sewell, "A better x86 memory model: x86-TSO",
 * TPHOLs 2009) only a store's passing a later load of another cell (SB and
 * its kin) is added, and a full barrier or a locked instruction between
 * them forbids it again.
 *
 * Each instruction is one step, in the kernel's words: WRITE_ONCE and
 * smp_store_release are plain stores (on x86 a release store is a plain
 * mov: it enters the store buffer), READ_ONCE and smp_load_acquire plain
 * loads, xchg a locked read-modify-write (it drains the buffer first),
 * smp_mb a full barrier, smp_wmb and smp_rmb compiler barriers on x86.
 *
 * Thread i runs on CPU i. Given fewer CPUs than threads, CPU c runs the
 * threads c, c + cpus, … one after another, in that order, as one program
 * (there is no scheduler here): a litmus test is meant for one CPU per
 * thread, and the rows state that.
 */
import {
  BARRIER,
  type BarrierKind,
  fence,
  load,
  type Op,
  type Program,
  rmw,
  spinLock,
  spinUnlock,
  store,
} from '../../cpu/ops.ts';
import { ModelBuilder } from '../../model/build.ts';
import type { MemoryModelName } from '../../model/memory-model.ts';
import { defineScenario, type Expectation, type ScenarioDef } from '../../model/scenario.ts';
import type { ModelDef } from '../../model/types.ts';

/** One instruction of a litmus thread. */
export type Instr =
  | { readonly op: 'write'; readonly cell: string; readonly v: number; readonly release?: boolean }
  | { readonly op: 'read'; readonly cell: string; readonly reg: string; readonly acquire?: boolean }
  | { readonly op: 'fence'; readonly kind: 'mb' | 'wmb' | 'rmb' }
  /** a barrier that is only a compiler barrier on x86 (smp_mb__before_atomic, …), by its name */
  | { readonly op: 'fence'; readonly kind: 'compiler'; readonly name: string }
  | { readonly op: 'xchg'; readonly cell: string; readonly v: number; readonly reg: string }
  | { readonly op: 'cmpxchg'; readonly cell: string; readonly old: number; readonly v: number; readonly reg: string }
  /** atomic_inc, atomic_dec, atomic_add: a locked add */
  | { readonly op: 'add'; readonly cell: string; readonly delta: number }
  | { readonly op: 'lock' | 'unlock'; readonly cell: string };

/** WRITE_ONCE(cell, v) */
export const W = (cell: string, v: number): Instr => ({ op: 'write', cell, v });
/** smp_store_release(&cell, v) */
export const WRel = (cell: string, v: number): Instr => ({ op: 'write', cell, v, release: true });
/** reg = READ_ONCE(cell) */
export const R = (cell: string, reg: string): Instr => ({ op: 'read', cell, reg });
/** reg = smp_load_acquire(&cell) */
export const RAcq = (cell: string, reg: string): Instr => ({ op: 'read', cell, reg, acquire: true });
/** smp_mb() */
export const MB: Instr = { op: 'fence', kind: 'mb' };
/** smp_wmb() */
export const WMB: Instr = { op: 'fence', kind: 'wmb' };
/** smp_rmb() */
export const RMB: Instr = { op: 'fence', kind: 'rmb' };
/** reg = xchg(&cell, v) */
export const XCHG = (cell: string, v: number, reg: string): Instr => ({ op: 'xchg', cell, v, reg });

/** One term of an exists clause: `T:reg=v` (a register of thread T) or `cell=v` (memory at the end). */
export type Term =
  | { readonly thread: number; readonly reg: string; readonly v: number }
  | { readonly cell: string; readonly v: number };

/** A litmus test: threads and the outcome its final clause names (a conjunction). */
export interface Litmus {
  readonly name: string;
  /** initial values (cells not named start at 0) */
  readonly init?: Readonly<Record<string, number>>;
  readonly threads: readonly (readonly Instr[])[];
  readonly exists: readonly Term[];
}

/** The kernel's words for an instruction, as `what` in traces. */
export function instrText(i: Instr): string {
  switch (i.op) {
    case 'write':
      return i.release ? `smp_store_release(&${i.cell}, ${i.v})` : `WRITE_ONCE(${i.cell}, ${i.v})`;
    case 'read':
      return i.acquire ? `${i.reg} = smp_load_acquire(&${i.cell})` : `${i.reg} = READ_ONCE(${i.cell})`;
    case 'fence':
      return i.kind === 'compiler' ? `${i.name}()` : `smp_${i.kind}()`;
    case 'xchg':
      return `${i.reg} = xchg(&${i.cell}, ${i.v})`;
    case 'cmpxchg':
      return `${i.reg} = cmpxchg(&${i.cell}, ${i.old}, ${i.v})`;
    case 'add':
      return i.delta === 1
        ? `atomic_inc(&${i.cell})`
        : i.delta === -1
          ? `atomic_dec(&${i.cell})`
          : `atomic_add(${i.delta}, &${i.cell})`;
    case 'lock':
      return `spin_lock(&${i.cell})`;
    case 'unlock':
      return `spin_unlock(&${i.cell})`;
  }
}

/** An exists clause as herd writes it: `0:r0=0 /\ 1:r0=0`. */
export function existsText(terms: readonly Term[]): string {
  return terms.map((t) => ('thread' in t ? `${t.thread}:${t.reg}=${t.v}` : `${t.cell}=${t.v}`)).join(' /\\ ');
}

const FENCE_KIND: Readonly<Record<'mb' | 'wmb' | 'rmb' | 'compiler', BarrierKind>> = {
  mb: BARRIER.MB,
  wmb: BARRIER.WMB,
  rmb: BARRIER.RMB,
  compiler: BARRIER.COMPILER,
};

/** The cells a test names, in order of first mention, and which of them are spinlocks. */
function cellsOf(t: Litmus): { cells: string[]; locks: Set<string> } {
  const out: string[] = [];
  const locks = new Set<string>();
  const add = (c: string) => {
    if (!out.includes(c)) out.push(c);
  };
  for (const th of t.threads) {
    for (const i of th) {
      if (i.op === 'fence') continue;
      add(i.cell);
      if (i.op === 'lock' || i.op === 'unlock') locks.add(i.cell);
    }
  }
  for (const e of t.exists) if ('cell' in e) add(e.cell);
  for (const c of Object.keys(t.init ?? {})) add(c);
  for (const th of t.threads) {
    for (const i of th) {
      if (i.op !== 'fence' && i.op !== 'lock' && i.op !== 'unlock' && locks.has(i.cell)) {
        throw new Error(`${t.name}: ${i.cell} is a spinlock and is accessed as a plain cell`);
      }
    }
  }
  return { cells: out, locks };
}

/** The invariant of an `exists` or `~exists` clause: no execution ends in the outcome. */
export const FORBIDDEN_OUTCOME = 'forbidden-outcome';
/** The invariant of a `forall` clause: every execution ends in the outcome. */
export const REQUIRED_OUTCOME = 'required-outcome';

/**
 * The model of a litmus test on `cpus` CPUs (see the file comment for fewer
 * CPUs than threads). Its one invariant is `forbidden-outcome`, or with
 * `required`, `required-outcome`.
 */
export function buildLitmus(t: Litmus, cpus: number, ref: string, required = false): ModelDef {
  const b = new ModelBuilder(cpus);
  const { cells, locks } = cellsOf(t);
  const cell = new Map(cells.map((c) => [c, locks.has(c) ? b.layout.spinlock(c) : b.layout.cell(c, t.init?.[c] ?? 0)]));
  const regs = new Map<string, number>();
  const regOf = (thread: number, reg: string): number => {
    const key = `${thread}:${reg}`;
    let a = regs.get(key);
    if (a === undefined) {
      a = b.layout.ghost(`P${thread}:${reg}`, 0);
      regs.set(key, a);
    }
    return a;
  };
  t.threads.forEach((th, n) => {
    for (const i of th) if (i.op === 'read' || i.op === 'xchg' || i.op === 'cmpxchg') regOf(n, i.reg);
  });
  // each thread's end: an execution where one never gets there (it spins on a lock held for good) has no final state
  const done = t.threads.map((_, n) => b.layout.ghost(`P${n}:done`, 0));
  for (const e of t.exists) if ('thread' in e) regOf(e.thread, e.reg);
  const addr = (c: string) => cell.get(c) as number;
  function* thread(n: number, ghost: { set(a: number, v: number): void }): Program<void> {
    const at = `${ref} P${n}`;
    for (const i of t.threads[n] as readonly Instr[]) {
      const what = instrText(i);
      let op: Op;
      switch (i.op) {
        case 'write':
          op = store(addr(i.cell), i.v, at, what);
          break;
        case 'read':
          op = load(addr(i.cell), at, what);
          break;
        case 'fence':
          op = fence(at, what, FENCE_KIND[i.kind]);
          break;
        case 'xchg': {
          const v = i.v;
          op = rmw(addr(i.cell), () => v, at, what);
          break;
        }
        case 'cmpxchg': {
          const { old, v } = i;
          op = rmw(addr(i.cell), (x) => (x === old ? v : x), at, what);
          break;
        }
        case 'add': {
          const d = i.delta;
          op = rmw(addr(i.cell), (x) => x + d, at, what);
          break;
        }
        case 'lock':
          op = spinLock(addr(i.cell), at, what);
          break;
        case 'unlock':
          op = spinUnlock(addr(i.cell), at, what);
          break;
      }
      const r: number = yield op;
      // the register: thread-local, written when the load returns (a ghost cell the outcome reads at the end)
      if (i.op === 'read' || i.op === 'xchg' || i.op === 'cmpxchg') ghost.set(regOf(n, i.reg), r);
    }
    ghost.set(done[n] as number, 1);
  }
  for (let c = 0; c < Math.min(cpus, t.threads.length); c++) {
    const mine = t.threads.map((_, n) => n).filter((n) => n % cpus === c);
    b.task({
      name: mine.map((n) => `P${n}`).join('+'),
      startCpu: c,
      program: function* (ctx) {
        for (const n of mine) yield* thread(n, ctx.ghost);
      },
    });
  }
  const clause = existsText(t.exists);
  b.atEnd({
    name: required ? REQUIRED_OUTCOME : FORBIDDEN_OUTCOME,
    check: (w) => {
      // herd's outcomes are those of the executions that end (the engine's deadlock check reports the others)
      if (done.some((a) => w.mem[a] !== 1)) return null;
      const hit = t.exists.every((e) => ('thread' in e ? w.mem[regOf(e.thread, e.reg)] : w.mem[addr(e.cell)]) === e.v);
      if (required) return hit ? null : `the execution ends outside forall (${clause})`;
      return hit ? `the execution ends with exists (${clause})` : null;
    },
  });
  return b.build();
}

/** A variant's answers: Never (holds) or Sometimes (violated), under each memory model, on one CPU per thread. */
export interface Answers {
  readonly summary: string;
  readonly sc: 'Never' | 'Sometimes';
  readonly tso: 'Never' | 'Sometimes';
  /** why, in one line, for the TSO answer */
  readonly why?: string;
}

function row(cpus: number, mm: MemoryModelName, answer: 'Never' | 'Sometimes', why?: string): Expectation {
  const base = { cpus, memoryModel: mm, ...(why !== undefined ? { why } : {}) };
  return answer === 'Never' ? { ...base, verdict: 'holds' } : { ...base, verdict: 'violated', invariant: FORBIDDEN_OUTCOME };
}

/**
 * A litmus scenario: one variant per test (a shape with and without its
 * barriers), each with its known answer under sequential consistency and
 * under x86-TSO, on one CPU per thread.
 */
export function litmusScenario(opts: {
  readonly name: string;
  readonly summary: string;
  readonly variants: Readonly<Record<string, { readonly test: Litmus; readonly answers: Answers }>>;
}): ScenarioDef {
  const entries = Object.entries(opts.variants);
  const cpus = Math.max(...entries.map(([, v]) => v.test.threads.length));
  return defineScenario({
    name: opts.name,
    summary: opts.summary,
    cpus,
    invariants: [FORBIDDEN_OUTCOME],
    variants: Object.fromEntries(
      entries.map(([v, { test, answers }]) => [
        v,
        {
          summary: `${answers.summary} — exists (${existsText(test.exists)})`,
          source: `${test.name}: ${test.threads.map((th, n) => `P${n}: ${th.map(instrText).join('; ')}`).join(' | ')}`,
          expect: [
            row(test.threads.length, 'sc', answers.sc, answers.sc === 'Never' ? 'no interleaving gives it' : undefined),
            row(test.threads.length, 'tso', answers.tso, answers.why),
          ],
        },
      ]),
    ),
    build({ variant, cpus }) {
      const v = opts.variants[variant];
      if (v === undefined) throw new Error(`${opts.name} has no variant ${variant}`);
      return buildLitmus(v.test, cpus, `litmus ${v.test.name}`);
    },
  });
}

/**
 * The scenario of a litmus file (parse.ts): one variant, `test`, with no
 * claim (a litmus file states none); `forbidden-outcome` breaks when an
 * execution ends in the outcome of its `exists` or `~exists` clause,
 * `required-outcome` when one ends outside the outcome of its `forall`.
 */
export function litmusFileScenario(t: Litmus & { readonly quantifier: 'exists' | 'not-exists' | 'forall' }): ScenarioDef {
  const required = t.quantifier === 'forall';
  const word = required ? 'forall' : t.quantifier === 'exists' ? 'exists' : '~exists';
  const clause = `${word} (${existsText(t.exists)})`;
  return defineScenario({
    name: t.name,
    summary: `litmus test ${t.name}: ${clause}`,
    cpus: t.threads.length,
    invariants: [required ? REQUIRED_OUTCOME : FORBIDDEN_OUTCOME],
    variants: {
      test: {
        summary: clause,
        source: t.threads.map((th, n) => `P${n}: ${th.map(instrText).join('; ')}`).join(' | '),
        expect: [],
      },
    },
    build: ({ cpus }) => buildLitmus(t, cpus, `litmus ${t.name}`, required),
  });
}
