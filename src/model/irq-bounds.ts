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

/** The model with the budgets replaced; throws IrqBoundError naming the sources it has. */
export function applyIrqBounds(def: ModelDef, bounds: IrqBounds | undefined): ModelDef {
  if (bounds === undefined || Object.keys(bounds).length === 0) return def;
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
 * The bounds that differ from the model's own budgets, in source order: two
 * settings that give the same model compare equal (`timer@cpu0=2` where the
 * scenario already gives 2 is no bound at all).
 */
export function effectiveIrqBounds(def: ModelDef, bounds: IrqBounds | undefined): IrqBounds {
  const applied = applyIrqBounds(def, bounds);
  const out: Record<string, number> = {};
  def.irqs.forEach((s, i) => {
    const b = (applied.irqs[i] as { budget: number }).budget;
    if (b !== s.budget) out[s.name] = b;
  });
  return out;
}

/** `timer@cpu0=0, kick-ipi@cpu1=2`, or '' for none. */
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
