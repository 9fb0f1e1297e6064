import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concern, ptraceMc, userProject } from './user-project.ts';

/** Every file under dir, by path relative to it, with its text. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out[relative(dir, path)] = readFileSync(path, 'utf8');
  }
  return out;
}

describe('--jobs: the rows of a table on several threads', () => {
  it('built-in and user scenarios: the same JSON and the same trace files for one thread and two', () => {
    const dir = userProject({ 'concerns/a.ts': concern('review/a'), 'concerns/b.ts': concern('review/b') });
    const args = ['check', 'concerns/', 'demo/', '--json'];
    const one = ptraceMc([...args, '--jobs', '1', '--out-dir', 'one'], dir);
    const two = ptraceMc([...args, '--jobs', '2', '--out-dir', 'two'], dir);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(two.err).not.toContain('ptrace-mc:');
    const rows = one.out.trim().split('\n');
    // both concerns and every demo scenario, violations among them
    expect(rows.length).toBeGreaterThan(8);
    expect(rows.filter((l) => JSON.parse(l).verdict === 'violated').length).toBeGreaterThan(2);
    expect(two.out.replaceAll('two/', 'one/')).toBe(one.out);
    const traces = filesUnder(join(dir, 'one'));
    expect(Object.keys(traces).length).toBeGreaterThan(2);
    expect(filesUnder(join(dir, 'two'))).toEqual(traces);
  });

  it('--compare: the same tables and the same trace files for one thread and two', () => {
    const dir = userProject({});
    const args = ['check', 'demo/lost-wakeup', 'linux/sleep-wake', '--compare'];
    const one = ptraceMc([...args, '--jobs', '1', '--out-dir', 'one'], dir);
    const two = ptraceMc([...args, '--jobs', '2', '--out-dir', 'two'], dir);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(one.out).toContain('linux/sleep-wake');
    // the time column differs run to run; everything else is the same
    const untimed = (out: string) => out.replaceAll('two/', 'one/').replace(/ +\d+\.\d\d$/gm, '');
    expect(untimed(two.out)).toBe(untimed(one.out));
    expect(filesUnder(join(dir, 'two'))).toEqual(filesUnder(join(dir, 'one')));
  });

  it('a scenario file whose model throws while built: one line naming the file and the row, exit 2, on one thread and two', () => {
    const bad = concern('review/bad').replace(
      'const b = new ModelBuilder(cpus);',
      "if (cpus === 2) throw new Error('no model for 2 CPUs');\n    const b = new ModelBuilder(cpus);",
    );
    const dir = userProject({ 'concerns/bad.ts': bad });
    for (const jobs of ['1', '2']) {
      const r = ptraceMc(['check', 'concerns/bad.ts', '--jobs', jobs], dir);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        'ptrace-mc: concerns/bad.ts: review/bad [buggy] on 2 CPUs: building the model throws: no model for 2 CPUs\n',
      );
    }
  });

  it('more threads than the machine gives: one error line, exit status 2', () => {
    const r = ptraceMc(['check', 'demo/', '--jobs', '100000'], userProject({}));
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toMatch(/^ptrace-mc: --jobs must be at most \d+, the CPUs this machine gives the process \(got 100000\)/);
    expect(r.err.split('\n').length).toBe(2);
  });
});
