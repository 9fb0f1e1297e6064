import type { ScenarioDef, ScenarioSource } from '../model/scenario.ts';

/**
 * Where each loaded scenario came from, kept beside it rather than in it (a
 * scenario is the user's object): the loader records it, and a search that
 * runs in workers or shards, or writes a trace, reads it to find the
 * scenario again.
 */
const SOURCES = new WeakMap<ScenarioDef, ScenarioSource>();

export function rememberSource(s: ScenarioDef, source: ScenarioSource): ScenarioDef {
  SOURCES.set(s, source);
  return s;
}

/** The scenario's source, or null for one that was never loaded (built in memory and passed to the API). */
export function sourceOf(s: ScenarioDef): ScenarioSource | null {
  return SOURCES.get(s) ?? null;
}
