/**
 * Lookups by a name that came from outside (a command-line option, a trace
 * or shard file): only an object's own properties count. `name in obj` and
 * `obj[name]` also find what every object inherits (`toString`,
 * `constructor`, `__proto__`), which would pass a check and fail later.
 */
export function hasOwn(o: object, name: string): boolean {
  return Object.hasOwn(o, name);
}

/** The object's own property `name`, or undefined (never an inherited one). */
export function ownValue<T>(o: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(o, name) ? o[name] : undefined;
}
