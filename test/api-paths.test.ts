import { describe, expect, it } from 'vitest';
import * as dragonosApi from '../src/api/dragonos.ts';
import * as linuxApi from '../src/api/linux.ts';
import * as redoxApi from '../src/api/redox.ts';
import { DRAGON_PATHS } from '../src/kernel/dragonos/paths.ts';
import { LINUX_PATHS } from '../src/kernel/linux/paths.ts';
import { REDOX_PATHS } from '../src/kernel/redox/paths.ts';

/**
 * A concern reaches any path of a model by importing it by name, as it
 * reaches it through `k.fn`: every entry of a model's path table is
 * exported by the package entry point, and is the same function.
 */
function unexported(api: Record<string, unknown>, table: Record<string, unknown>): string[] {
  return Object.entries(table)
    .filter(([name, f]) => api[name] !== f)
    .map(([name]) => name);
}

describe('every path of a model is exported by name', () => {
  it('ptrace-mc/linux: every LINUX_PATHS entry, and the table itself', () => {
    expect(Object.keys(LINUX_PATHS).length).toBeGreaterThan(150);
    expect(unexported(linuxApi, LINUX_PATHS)).toEqual([]);
    expect(linuxApi.LINUX_PATHS).toBe(LINUX_PATHS);
  });
  it('ptrace-mc/dragonos: every DRAGON_PATHS entry, and the table itself', () => {
    expect(unexported(dragonosApi, DRAGON_PATHS)).toEqual([]);
    expect(dragonosApi.DRAGON_PATHS).toBe(DRAGON_PATHS);
  });
  it('ptrace-mc/redox: every REDOX_PATHS entry, and the table itself', () => {
    expect(unexported(redoxApi, REDOX_PATHS)).toEqual([]);
    expect(redoxApi.REDOX_PATHS).toBe(REDOX_PATHS);
  });
});
