import { hasOwn, ownValue } from './own.ts';
import type { ModelDef } from './types.ts';

/**
 * Interrupt budgets set from outside the scenario (`--irq timer@cpu0=0`, an
 * expectation row, a trace's options): source name → how many times the
 * source may fire. Sources not named keep the budget the scenario gave them.
 * A verdict is only as strong as these bounds, so they travel with every
 * result and trace that depends on them.
 */
export type IrqBounds = Readonly<Record<string, number>>;

/** A bound names a source the model does not have, or is not a budget. */
export class IrqBoundError extends Error {}

/** `timer@cpuN`: the source of that kind on every CPU (the prefix `timer`), else null. */
function everyCpuPrefix(name: string): string | null {
  return name.endsWith('@cpuN') ? name.slice(0, -'N'.length) : null;
}

/**
 * The budgets with each `KIND@cpuN=b` written out as `KIND@cpu0=b` …
 * `KIND@cpu<cpus-1>=b`; a source named both ways is bad input.
 */
export function expandIrqBounds(bounds: IrqBounds, cpus: number): IrqBounds {
  const out = new Map<string, number>();
  const put = (name: string, budget: number) => {
    if (out.has(name)) throw new IrqBoundError(`interrupt source '${name}' is given two budgets`);
    out.set(name, budget);
  };
  for (const [name, budget] of Object.entries(bounds)) {
    const prefix = everyCpuPrefix(name);
    if (prefix === null) put(name, budget);
    else for (let c = 0; c < cpus; c++) put(`${prefix}${c}`, budget);
  }
  return Object.fromEntries(out);
}

/**
 * The short form of the budgets on `cpus` CPUs: when every CPU's source of
 * one kind has the same budget (`timer@cpu0=1, timer@cpu1=1` on 2 CPUs), one
 * entry `timer@cpuN=1` stands for them all, in the place of the first. It
 * says no more and no less: with one CPU missing, or two budgets differing,
 * the sources stay written out one by one.
 */
export function compactIrqBounds(bounds: IrqBounds, cpus: number): IrqBounds {
  const entries = Object.entries(expandIrqBounds(bounds, cpus));
  if (cpus < 2) return Object.fromEntries(entries);
  const budgets = new Map(entries);
  const each = (prefix: string) => Array.from({ length: cpus }, (_, c) => `${prefix}${c}`);
  const foldable = (name: string): string | null => {
    const prefix = /^(.+@cpu)\d+$/.exec(name)?.[1];
    if (prefix === undefined) return null;
    const b = budgets.get(`${prefix}0`);
    return each(prefix).every((n) => budgets.has(n) && budgets.get(n) === b) ? prefix : null;
  };
  const out: [string, number][] = [];
  const done = new Set<string>();
  for (const [name, budget] of entries) {
    const prefix = foldable(name);
    if (prefix === null) out.push([name, budget]);
    else if (!done.has(prefix)) {
      done.add(prefix);
      out.push([`${prefix}N`, budget]);
    }
  }
  return Object.fromEntries(out);
}

/** The model with the budgets replaced (`KIND@cpuN` on each CPU); throws IrqBoundError naming the sources it has. */
export function applyIrqBounds(def: ModelDef, given: IrqBounds | undefined): ModelDef {
  if (given === undefined || Object.keys(given).length === 0) return def;
  const bounds = expandIrqBounds(given, def.cpus);
  const names = def.irqs.map((s) => s.name);
  for (const [name, budget] of Object.entries(bounds)) {
    if (!names.includes(name)) {
      const have = names.length > 0 ? names.join(', ') : 'none';
      throw new IrqBoundError(`no interrupt source '${name}' on ${def.cpus} CPU${def.cpus > 1 ? 's' : ''} (sources: ${have})`);
    }
    if (!Number.isInteger(budget) || budget < 0) {
      throw new IrqBoundError(`the budget of interrupt source '${name}' must be a whole number (got ${budget})`);
    }
  }
  return { ...def, irqs: def.irqs.map((s) => (hasOwn(bounds, s.name) ? { ...s, budget: bounds[s.name] as number } : s)) };
}

/**
 * The bounds that differ from the model's own budgets, in source order and
 * in their short form: two settings that give the same model compare equal
 * (`timer@cpu0=2` where the scenario already gives 2 is no bound at all;
 * `timer@cpu0=1, timer@cpu1=1` on 2 CPUs is `timer@cpuN=1`).
 */
export function effectiveIrqBounds(def: ModelDef, bounds: IrqBounds | undefined): IrqBounds {
  const applied = applyIrqBounds(def, bounds);
  const out: Record<string, number> = {};
  def.irqs.forEach((s, i) => {
    const b = (applied.irqs[i] as { budget: number }).budget;
    if (b !== s.budget) out[s.name] = b;
  });
  return compactIrqBounds(out, def.cpus);
}

/** `timer@cpu0=0, kick-ipi@cpu1=2` (or `timer@cpuN=1`: each CPU's), or '' for none. */
export function irqBoundsText(bounds: IrqBounds | undefined): string {
  return Object.entries(bounds ?? {})
    .map(([n, b]) => `${n}=${b}`)
    .join(', ');
}

export function sameIrqBounds(a: IrqBounds | undefined, b: IrqBounds | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && ownValue(a ?? {}, k) === ownValue(b ?? {}, k));
}
