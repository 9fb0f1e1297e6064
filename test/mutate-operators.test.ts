import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { API } from 'typescript/unstable/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge, loadEquivalences } from '../tools/mutate/equivalent.ts';
import { applyMutant, type Mutant, mutantsOf } from '../tools/mutate/operators.ts';

/** The mutation operators on real model sources, parsed by the TypeScript compiler (npm run mutate). */
let api: API;
const of = new Map<string, Mutant[]>();

beforeAll(() => {
  api = new API({ cwd: resolve('.') });
  const project = api.updateSnapshot({ openProject: resolve('tsconfig.json') }).getProjects()[0];
  // the files the operator tests use, and every file an entry of equivalent.json names
  const named = loadEquivalences(resolve('tools/mutate/equivalent.json')).map((e) => e.file);
  for (const f of new Set([
    'src/kernel/linux/sched/wait.ts',
    'src/kernel/linux/exit-wait.ts',
    'src/kernel/demo/toy-sched.ts',
    ...named,
  ])) {
    const sf = project?.program.getSourceFile(resolve(f));
    if (!sf) throw new Error(`${f} is not in the project`);
    of.set(f, mutantsOf(sf, f));
  }
}, 120_000);
afterAll(() => api?.close());

function one(file: string, operator: string, line: number): { m: Mutant; before: string[]; after: string[] } {
  const m = (of.get(file) ?? []).find((x) => x.operator === operator && x.line === line);
  if (!m) throw new Error(`no ${operator} mutant at ${file}:${line}`);
  const text = readFileSync(file, 'utf8');
  return { m, before: text.split('\n'), after: applyMutant(text, m).split('\n') };
}

describe('mutation operators', () => {
  it("drop-recheck removes wait_event's condition check, the classic lost wakeup", () => {
    const file = 'src/kernel/linux/sched/wait.ts';
    const line =
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('if (yield* condition()) break;')) + 1;
    const { m, before, after } = one(file, 'drop-recheck', line);
    expect(m.fn).toBe('___wait_event');
    expect(after.length).toBe(before.length - 1);
    expect(after.join('\n')).not.toContain('if (yield* condition()) break;');
  });

  it('store-past-unlock moves the queue add of prepare_to_wait after the unlock', () => {
    const file = 'src/kernel/linux/sched/wait.ts';
    const m = (of.get(file) ?? []).find((x) => x.operator === 'store-past-unlock' && x.fn === 'prepare_to_wait');
    expect(m?.what).toMatch(/moved after spin_unlock_irqrestore$/);
    const after = applyMutant(readFileSync(file, 'utf8'), m as Mutant);
    const body = after.slice(after.indexOf('export function* prepare_to_wait'), after.indexOf('export function* finish_wait'));
    expect(body.indexOf('spin_unlock_irqrestore(wq.lock')).toBeLessThan(body.indexOf('__add_wait_queue('));
  });

  it('weaken-set-state turns set_current_state into __set_current_state', () => {
    const file = 'src/kernel/linux/exit-wait.ts';
    const m = (of.get(file) ?? []).find((x) => x.operator === 'weaken-set-state');
    expect(m).toBeDefined();
    const after = applyMutant(readFileSync(file, 'utf8'), m as Mutant).split('\n')[(m as Mutant).line - 1];
    expect(after).toContain('k.fn.__set_current_state(k, ctx, TASK_INTERRUPTIBLE)');
  });

  it('drop-lock-pair removes a lock and the unlock of the same lock, and nothing else', () => {
    const file = 'src/kernel/demo/toy-sched.ts';
    const m = (of.get(file) ?? []).find((x) => x.operator === 'drop-lock-pair');
    expect(m?.what).toMatch(/^spinLock\((.+)\) … spinUnlock\(\1\) removed$/);
    const before = readFileSync(file, 'utf8').split('\n');
    const after = applyMutant(before.join('\n'), m as Mutant).split('\n');
    expect(before.length - after.length).toBe(2);
  });

  it('ids are stable: the same file gives the same mutants, named by function, operator and text, not by line', () => {
    const ms = of.get('src/kernel/linux/sched/wait.ts') ?? [];
    const ids = ms.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(5);
    for (const m of ms) {
      expect(m.id.startsWith(`${m.file} ${m.fn} ${m.operator}: ${m.snippet}`)).toBe(true);
      expect(m.id).not.toContain(`:${m.line}:`);
    }
  });

  it('every entry of tools/mutate/equivalent.json names a mutant of today’s sources (none is stale), with a reason', () => {
    const entries = loadEquivalences(resolve('tools/mutate/equivalent.json'));
    expect(entries.length).toBeGreaterThan(10);
    const { reasons, stale } = judge(entries, [...of.values()].flat());
    expect(stale).toEqual([]);
    expect(reasons.size).toBeGreaterThanOrEqual(entries.length);
    for (const e of entries) expect(e.reason.length).toBeGreaterThan(40);
  });
});

describe('the rows a mutant runs against', () => {
  it('carry the memory model the table runs them under (a row stated under x86-TSO is not run on sequentially consistent memory)', async () => {
    const { tableRows } = await import('../tools/mutate/rows.ts');
    const rows = (await tableRows()).filter(
      (r) => r.scenario === 'linux/sleep-wake' && r.variant === 'no-barrier' && r.cpus === 2,
    );
    expect(rows.map((r) => [r.memoryModel, r.expected])).toEqual(expect.arrayContaining([['tso', 'violated']]));
    expect(rows.every((r) => r.strategy === 'auto' || r.strategy === 'bounded')).toBe(true);
  });
});
