/**
 * Kernel-aware mutation operators over the model sources, on the
 * TypeScript AST (the compiler's own parser, through the typescript
 * package's API): each finds the statements a realistic concurrency bug
 * would touch and describes the edit as text ranges of the original file.
 *
 *   drop-lock-pair       a lock and its unlock in the same block both removed
 *   swap-stores          two adjacent stores (store, rmw) in the other order
 *   drop-wakeup          a wake-up call removed (wake_up_*, try_to_wake_up, kick, notify, signal_wake_up)
 *   drop-recheck         an early-exit check removed (`if (…) break|return|continue`)
 *   store-past-unlock    a store moved from before an unlock to just after it
 *   weaken-set-state     set_current_state(x) → __set_current_state(x) (no barrier)
 */
import type { CallExpression, Node, SourceFile, Statement } from 'typescript/unstable/ast';
import { SyntaxKind } from 'typescript/unstable/ast';

export type Operator =
  | 'drop-lock-pair'
  | 'swap-stores'
  | 'drop-wakeup'
  | 'drop-recheck'
  | 'store-past-unlock'
  | 'weaken-set-state';

export const OPERATORS: readonly Operator[] = [
  'drop-lock-pair',
  'swap-stores',
  'drop-wakeup',
  'drop-recheck',
  'store-past-unlock',
  'weaken-set-state',
];

/** One text replacement in the original file. */
export interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface Mutant {
  /**
   * stable across edits elsewhere in the file: `file fn operator: text`, the
   * text being the mutated statement on one line (with ` #2`, ` #3` … for a
   * second or third identical statement in the same function); line numbers
   * are not part of it
   */
  readonly id: string;
  /** the mutated statement (or call) on one line, whitespace collapsed, uncut */
  readonly snippet: string;
  /** the text of the outermost function around the mutation: a mutant's result is reused while it is unchanged */
  readonly context: string;
  /** repository-relative path of the model source */
  readonly file: string;
  readonly operator: Operator;
  readonly line: number;
  /** the nearest named function around the mutated code (how rows are matched to it) */
  readonly fn: string;
  /** what was done, in one line */
  readonly what: string;
  readonly edits: readonly Edit[];
  /**
   * every line of the original file the mutant touches (each statement it removes, moves or swaps,
   * both of a lock pair, the whole `if` of a re-check, the weakened call), ascending: a search that
   * executes none of them runs exactly as on the unmutated code (select-rows.ts)
   */
  readonly lines: readonly number[];
}

/** lock / unlock function pairs of the models (Linux, DragonOS, Redox, self-ptrace, the toy scheduler) */
const LOCKS: Readonly<Record<string, string>> = {
  spinLock: 'spinUnlock',
  readLock: 'readUnlock',
  writeLock: 'writeUnlock',
  writeLockIrq: 'writeUnlockIrq',
  spinLockIrq: 'spinUnlockIrq',
  spin_lock: 'spin_unlock',
  spin_lock_irq: 'spin_unlock_irq',
  lockNoPreempt: 'unlockPreempt',
  lockMap: 'unlockMap',
  siginfoMut: 'siginfoMutDrop',
  raw_spin_lock: 'raw_spin_unlock',
};
const UNLOCKS = new Set([...Object.values(LOCKS), 'spin_unlock_irqrestore', 'raw_spin_unlock_irqrestore']);
/** a plain read-modify-write (`x |= m`, src/kernel/common/plain-rmw.ts) is a load then a store: it moves as a store */
const STORES = new Set(['store', 'rmw', 'plainRmw']);
const WAKE =
  /^(wake_up\w*|try_to_wake_up|ttwu\w*|wakeUp\w*|wakeup\w*|wake\w*|kick_process|kick\w*|signal_wake_up\w*|ptrace_signal_wake_up|complete\w*|notify\w*|do_notify_parent\w*)$/;

/** The call a statement makes, if it is `[yield[*]] f(...)` (also `const x = yield* f(...)`). */
function statementCall(st: Node): CallExpression | null {
  let e: Node | undefined;
  if (st.kind === SyntaxKind.ExpressionStatement) e = (st as unknown as { expression: Node }).expression;
  else if (st.kind === SyntaxKind.VariableStatement) {
    const decls = (st as unknown as { declarationList: { declarations: readonly { initializer?: Node }[] } }).declarationList
      .declarations;
    if (decls.length !== 1) return null;
    e = decls[0]?.initializer;
  }
  while (
    e &&
    (e.kind === SyntaxKind.YieldExpression ||
      e.kind === SyntaxKind.AwaitExpression ||
      e.kind === SyntaxKind.ParenthesizedExpression)
  ) {
    e = (e as unknown as { expression?: Node }).expression;
  }
  return e && e.kind === SyntaxKind.CallExpression ? (e as CallExpression) : null;
}

/** `f` of `f(...)` or `a.b.f(...)`. */
function calleeName(c: CallExpression, sf: SourceFile): string {
  const callee = c.expression as Node;
  if (callee.kind === SyntaxKind.Identifier) return text(callee, sf);
  if (callee.kind === SyntaxKind.PropertyAccessExpression) return text((callee as unknown as { name: Node }).name, sf);
  return '';
}

function firstArg(c: CallExpression, sf: SourceFile): string {
  const a = c.arguments[0];
  return a ? text(a as Node, sf) : '';
}

function text(n: Node, sf: SourceFile): string {
  return sf.text.slice(n.getStart(sf), n.end);
}

/** A statement's text on one line, cut to `max` characters (for the report). */
function oneLine(n: Node, sf: SourceFile, max = 60): string {
  const t = text(n, sf).replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** The statement's full range, its leading trivia (comments, indentation) included, to the end of its line. */
function range(st: Node, sf: SourceFile): { start: number; end: number } {
  const start = st.getStart(sf);
  const lineStart = sf.text.lastIndexOf('\n', start - 1) + 1;
  const nl = sf.text.indexOf('\n', st.end);
  return { start: lineStart, end: nl < 0 ? st.end : nl + 1 };
}

function lineOf(pos: number, sf: SourceFile): number {
  let n = 1;
  for (let i = 0; i < pos; i++) if (sf.text.charCodeAt(i) === 10) n++;
  return n;
}

const FUNCTION_KINDS = new Set<number>([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
]);

/** The nearest named function around a node: its own name, or the variable, property or method it is assigned to. */
function enclosingName(n: Node, sf: SourceFile): string {
  for (let p: Node | undefined = n; p && p.kind !== SyntaxKind.SourceFile; p = p.parent) {
    if (!FUNCTION_KINDS.has(p.kind)) continue;
    const own = (p as unknown as { name?: Node }).name;
    if (own) return text(own, sf);
    const parent = p.parent;
    const holder = (parent as unknown as { name?: Node }).name;
    if (
      holder &&
      (parent.kind === SyntaxKind.VariableDeclaration ||
        parent.kind === SyntaxKind.PropertyAssignment ||
        parent.kind === SyntaxKind.PropertyDeclaration)
    ) {
      return text(holder, sf);
    }
  }
  return '';
}

/** The text of the outermost function around a node (the whole file's text at top level). */
function outermostFunctionText(n: Node, sf: SourceFile): string {
  let outer: Node | null = null;
  for (let p: Node | undefined = n; p && p.kind !== SyntaxKind.SourceFile; p = p.parent) {
    if (FUNCTION_KINDS.has(p.kind)) outer = p;
  }
  return outer ? text(outer, sf) : sf.text;
}

/** Every block of statements in the file (function bodies, loops, branches). */
function blocks(sf: SourceFile): (readonly Statement[])[] {
  const out: (readonly Statement[])[] = [];
  const visit = (n: Node): void => {
    if (n.kind === SyntaxKind.Block || n.kind === SyntaxKind.CaseClause || n.kind === SyntaxKind.DefaultClause) {
      out.push((n as unknown as { statements: readonly Statement[] }).statements);
    }
    n.forEachChild((c) => {
      visit(c);
      return undefined;
    });
  };
  visit(sf);
  return out;
}

/** Is this an early exit: `if (c) break;`, `if (c) return …;`, `if (c) continue;` (or the same in braces), with no else? */
function isEarlyExit(st: Node): boolean {
  if (st.kind !== SyntaxKind.IfStatement) return false;
  const s = st as unknown as { thenStatement: Node; elseStatement?: Node };
  if (s.elseStatement) return false;
  let t = s.thenStatement;
  if (t.kind === SyntaxKind.Block) {
    const body = (t as unknown as { statements: readonly Node[] }).statements;
    if (body.length !== 1) return false;
    t = body[0] as Node;
  }
  return t.kind === SyntaxKind.BreakStatement || t.kind === SyntaxKind.ReturnStatement || t.kind === SyntaxKind.ContinueStatement;
}

/** Is the node inside a generator function (a kernel path, whose every yield is a step)? */
function inGenerator(n: Node): boolean {
  for (let p: Node | undefined = n.parent; p && p.kind !== SyntaxKind.SourceFile; p = p.parent) {
    if (FUNCTION_KINDS.has(p.kind)) return (p as unknown as { asteriskToken?: Node }).asteriskToken !== undefined;
  }
  return false;
}

/** All mutants of one source file, in file order. */
export function mutantsOf(sf: SourceFile, file: string): Mutant[] {
  const out: Mutant[] = [];
  const seen = new Map<string, number>();
  const add = (operator: Operator, at: Node, what: string, edits: Edit[], touched: readonly Node[] = [at]) => {
    const line = lineOf(at.getStart(sf), sf);
    const lines = new Set<number>();
    for (const n of touched) for (let l = lineOf(n.getStart(sf), sf); l <= lineOf(n.end, sf); l++) lines.add(l);
    const fn = enclosingName(at, sf);
    const snippet = text(at, sf).replace(/\s+/g, ' ');
    const base = `${file} ${fn || '(top level)'} ${operator}: ${snippet}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.push({
      id: n === 1 ? base : `${base} #${n}`,
      snippet,
      context: outermostFunctionText(at, sf),
      file,
      operator,
      line,
      fn,
      what,
      edits,
      lines: [...lines].sort((a, b) => a - b),
    });
  };
  for (const stmts of blocks(sf)) {
    stmts.forEach((st, i) => {
      const c = statementCall(st);
      const name = c ? calleeName(c, sf) : '';
      // drop a lock and the matching unlock of the same lock later in the block
      const unlock = c ? LOCKS[name] : undefined;
      if (c && unlock !== undefined && st.kind === SyntaxKind.ExpressionStatement) {
        const lock = firstArg(c, sf);
        const j = stmts.findIndex((u, k) => {
          const uc = k > i ? statementCall(u) : null;
          return (
            uc !== null && calleeName(uc, sf) === unlock && firstArg(uc, sf) === lock && u.kind === SyntaxKind.ExpressionStatement
          );
        });
        if (j > i) {
          const a = range(st, sf);
          const b = range(stmts[j] as Node, sf);
          add(
            'drop-lock-pair',
            st,
            `${name}(${lock}) … ${unlock}(${lock}) removed`,
            [
              { ...a, text: '' },
              { ...b, text: '' },
            ],
            [st, stmts[j] as Node],
          );
        }
      }
      // swap two adjacent stores
      const next = stmts[i + 1];
      const nc = next ? statementCall(next) : null;
      if (
        c &&
        nc &&
        STORES.has(name) &&
        STORES.has(calleeName(nc, sf)) &&
        st.kind === SyntaxKind.ExpressionStatement &&
        next?.kind === SyntaxKind.ExpressionStatement
      ) {
        const a = range(st, sf);
        const b = range(next, sf);
        add(
          'swap-stores',
          st,
          `${oneLine(st, sf)} ⇄ the next store`,
          [{ start: a.start, end: b.end, text: sf.text.slice(b.start, b.end) + sf.text.slice(a.start, a.end) }],
          [st, next],
        );
      }
      // delete a wake-up call
      if (c && WAKE.test(name) && st.kind === SyntaxKind.ExpressionStatement) {
        add('drop-wakeup', st, `${name}(…) removed`, [{ ...range(st, sf), text: '' }]);
      }
      // delete an early-exit re-check (in a kernel path: a generator function)
      if (isEarlyExit(st) && inGenerator(st)) {
        const cond = oneLine((st as unknown as { expression: Node }).expression, sf);
        add('drop-recheck', st, `if (${cond}) … removed`, [{ ...range(st, sf), text: '' }]);
      }
      // move a store to just after the next unlock in the block (at most three statements on)
      if (c && STORES.has(name) && st.kind === SyntaxKind.ExpressionStatement) {
        for (let k = i + 1; k < Math.min(stmts.length, i + 4); k++) {
          const uc = statementCall(stmts[k] as Node);
          if (uc === null || !UNLOCKS.has(calleeName(uc, sf))) continue;
          const a = range(st, sf);
          const u = range(stmts[k] as Node, sf);
          // the statements in between run after the store no more: the mutant differs once the store is reached
          add(
            'store-past-unlock',
            st,
            `${oneLine(st, sf)} moved after ${calleeName(uc, sf)}`,
            [
              { ...a, text: '' },
              { start: u.end, end: u.end, text: sf.text.slice(a.start, a.end) },
            ],
            stmts.slice(i, k + 1) as Node[],
          );
          break;
        }
      }
    });
  }
  // weaken set_current_state to __set_current_state (calls anywhere); the import gains the weaker one if it lacks it
  // (a file that names __set_current_state already, imported or its own, needs no import)
  const imported = /\b__set_current_state\b/.test(sf.text);
  const importAt = sf.text.search(/\bset_current_state\b/);
  const inImports = importAt >= 0 && importAt < firstCodeAfterImports(sf);
  const visit = (n: Node): void => {
    if (n.kind === SyntaxKind.CallExpression) {
      const callee = (n as CallExpression).expression as Node;
      // `set_current_state(…)`, or `k.fn.set_current_state(…)` (the kernel's table of paths, which has both)
      const name = callee.kind === SyntaxKind.PropertyAccessExpression ? (callee as unknown as { name: Node }).name : callee;
      if (
        (callee.kind === SyntaxKind.Identifier || callee.kind === SyntaxKind.PropertyAccessExpression) &&
        text(name, sf) === 'set_current_state'
      ) {
        const at = name.getStart(sf);
        const edits: Edit[] = [{ start: at, end: name.end, text: '__set_current_state' }];
        if (callee.kind === SyntaxKind.Identifier && !imported && inImports)
          edits.push({ start: importAt, end: importAt, text: '__set_current_state, ' });
        add('weaken-set-state', n, 'set_current_state → __set_current_state', edits);
      }
    }
    n.forEachChild((c) => {
      visit(c);
      return undefined;
    });
  };
  visit(sf);
  return out;
}

/** Where the imports end (the first statement that is not one). */
function firstCodeAfterImports(sf: SourceFile): number {
  const first = sf.statements.find((st) => st.kind !== SyntaxKind.ImportDeclaration);
  return first ? first.getStart(sf) : sf.text.length;
}

/** The file's text with the mutant's edits applied (edits do not overlap). */
export function applyMutant(original: string, m: Mutant): string {
  let out = original;
  for (const e of [...m.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
