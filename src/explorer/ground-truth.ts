import { Machine } from '../model/machine.ts';
import { type MemoryModel, SC } from '../model/memory-model.ts';
import type { ModelDef } from '../model/types.ts';
import { dependent, type Event } from './dependence.ts';
import { DfsStrategy } from './dfs.ts';
import { type Budget, explore, type SearchVerdict } from './explore.ts';
import { SleepSetDfsStrategy } from './sleep-dfs.ts';
import type { Strategy } from './strategy.ts';

/**
 * The Foata normal form of an execution's happens-before order: step j sits
 * on level 1 + the highest level of the earlier steps it depends on; each
 * level lists its steps as `choice#k` (the k-th step of that choice), sorted.
 * Choices are deterministic, so `choice#k` names the same step in every
 * execution of one Mazurkiewicz trace, and two executions have the same form
 * exactly when they are one trace.
 */
export function foataForm(events: readonly Event[]): string {
  const level = new Int32Array(events.length);
  const count = new Map<number, number>();
  const labels: string[] = [];
  let top = 0;
  events.forEach((e, j) => {
    let l = 0;
    for (let i = 0; i < j; i++) if ((level[i] as number) > l && dependent(events[i] as Event, e)) l = level[i] as number;
    level[j] = l + 1;
    if (l + 1 > top) top = l + 1;
    const k = count.get(e.proc) ?? 0;
    count.set(e.proc, k + 1);
    labels.push(`${e.proc}#${k}`);
  });
  const levels: string[][] = Array.from({ length: top }, () => []);
  events.forEach((_, j) => {
    (levels[(level[j] as number) - 1] as string[]).push(labels[j] as string);
  });
  return levels.map((l) => l.sort().join(',')).join('|');
}

/**
 * Wraps a strategy and records the Foata form of every execution it runs to
 * the end; executions the strategy cuts (choose returned -1) are counted
 * apart, since they are not complete executions.
 */
export class FormRecorder implements Strategy {
  readonly name: string;
  readonly exhaustive: boolean;
  readonly forms: string[] = [];
  cut = 0;
  private events: Event[] = [];
  private wasCut = false;

  constructor(readonly inner: Strategy) {
    this.name = inner.name;
    this.exhaustive = inner.exhaustive;
  }

  prepare(m: Machine): void {
    this.inner.prepare?.(m);
  }

  beginExecution(): boolean {
    this.events = [];
    this.wasCut = false;
    return this.inner.beginExecution();
  }

  choose(enabled: readonly number[], depth: number, m: Machine): number {
    const c = this.inner.choose(enabled, depth, m);
    if (c < 0) this.wasCut = true;
    else this.events.push({ proc: c, fp: m.footprint(c) });
    return c;
  }

  afterStep(choice: number, depth: number, m: Machine): boolean {
    return this.inner.afterStep ? this.inner.afterStep(choice, depth, m) : true;
  }

  endExecution(m: Machine): void {
    if (this.wasCut) this.cut++;
    else this.forms.push(foataForm(this.events));
    this.inner.endExecution(m);
  }
}

/**
 * A name no model gives an invariant: checking only it turns every check
 * off, so every execution runs to its end (trace counting needs all of them,
 * not just those before the first violation).
 */
export const NO_CHECKS = ' no invariant ';

export interface TraceCount {
  /** complete executions run */
  readonly executions: number;
  /** executions cut short by the strategy (sleep-set blocked) */
  readonly cut: number;
  /** distinct Mazurkiewicz traces among them */
  readonly traces: number;
  readonly forms: ReadonlySet<string>;
  /** holds unless the budget stopped the enumeration (then incomplete) */
  readonly verdict: SearchVerdict;
}

/**
 * Runs `strategy` over `def` with every invariant off and collects the traces of its executions
 * (under x86-TSO, with `memoryModel`: drains are steps of their own, one choice per CPU's buffer).
 */
export function traceForms(def: ModelDef, strategy: Strategy, budget: Budget = {}, memoryModel: MemoryModel = SC): TraceCount {
  const rec = new FormRecorder(strategy);
  const r = explore(new Machine(def, { invariants: [NO_CHECKS], memoryModel }), rec, budget);
  const forms = new Set(rec.forms);
  return { executions: rec.forms.length, cut: rec.cut, traces: forms.size, forms, verdict: r.verdict };
}

/**
 * The ground truth for partial-order reduction: every interleaving (stateless
 * DFS, no state cache), each reduced to the Foata form of its happens-before
 * order, distinct forms counted. Exponential: small models only (use the
 * budget; an incomplete count says so in `verdict`).
 */
export function countTraces(def: ModelDef, budget: Budget = {}, memoryModel: MemoryModel = SC): TraceCount {
  return traceForms(def, new DfsStrategy({ cache: false }), budget, memoryModel);
}

/**
 * The same count from a DFS pruned by sleep sets only (src/explorer/sleep-dfs.ts):
 * every trace is still reached, with far fewer executions, so models too
 * large for `countTraces` get a ground truth too. Tests check that both agree.
 */
export function countTracesWithSleepSets(def: ModelDef, budget: Budget = {}, memoryModel: MemoryModel = SC): TraceCount {
  return traceForms(def, new SleepSetDfsStrategy(), budget, memoryModel);
}
