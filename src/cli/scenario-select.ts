import { hasOwn } from '../model/own.ts';
import { invariantNames, type ScenarioDef } from '../model/scenario.ts';
import { UsageError } from './errors.ts';

export function checkVariant(s: ScenarioDef, v: string): void {
  if (!hasOwn(s.variants, v)) {
    throw new UsageError(`scenario ${s.name} has no variant '${v}' (it has: ${Object.keys(s.variants).join(', ')})`);
  }
}

export function checkInvariants(s: ScenarioDef, wanted: readonly string[]): void {
  if (wanted.length === 0) return;
  const known = invariantNames(s);
  for (const w of wanted) {
    if (!known.includes(w)) throw new UsageError(`unknown invariant '${w}' for ${s.name} (it checks: ${known.join(', ')})`);
  }
}

export { invariantNames };
