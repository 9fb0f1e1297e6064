/** Bad input from the user: printed as one line, exit status 2. */
export class UsageError extends Error {}

export const EXIT = { holds: 0, violated: 1, usage: 2, incomplete: 3 } as const;

export function parseIntOption(name: string, min: number): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new UsageError(`${name} takes a whole number (got '${v}')`);
    const n = Number(v);
    if (n < min) throw new UsageError(`${name} must be at least ${min} (got ${n})`);
    return n;
  };
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
