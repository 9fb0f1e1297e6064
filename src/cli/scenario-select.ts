import type { ScenarioDef } from '../model/scenario.ts';
import { ENGINE_INVARIANTS } from '../model/types.ts';
import { UsageError } from './errors.ts';

export function checkVariant(s: ScenarioDef, v: string): void {
  if (!(v in s.variants)) {
    throw new UsageError(`scenario ${s.name} has no variant '${v}' (it has: ${Object.keys(s.variants).join(', ')})`);
  }
}

/** Every invariant name a scenario can report: its own, the ones its model registers, and the engine's. */
export function invariantNames(s: ScenarioDef): string[] {
  const names = new Set<string>(s.invariants);
  const v = Object.keys(s.variants)[0] as string;
  const def = s.build({ variant: v, cpus: s.cpus });
  for (const i of def.safety) names.add(i.name);
  for (const i of def.terminal) names.add(i.name);
  for (const i of Object.values(ENGINE_INVARIANTS)) names.add(i);
  return [...names].sort();
}

export function checkInvariants(s: ScenarioDef, wanted: readonly string[]): void {
  if (wanted.length === 0) return;
  const known = invariantNames(s);
  for (const w of wanted) {
    if (!known.includes(w)) throw new UsageError(`unknown invariant '${w}' for ${s.name} (it checks: ${known.join(', ')})`);
  }
}
