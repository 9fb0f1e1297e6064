/**
 * The litmus corpus (src/scenarios/litmus/): every shape's known answer
 * under sequential consistency and x86-TSO, found by the reduced dfs and
 * by the brute-force enumeration of every interleaving (drains included);
 * and the command's verdicts, traces and replays on the first of them.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { DporStrategy } from '../src/explorer/dpor.ts';
import { explore } from '../src/explorer/explore.ts';
import { ReducedDfs } from '../src/explorer/reduced-dfs.ts';
import { Machine } from '../src/model/machine.ts';
import { statedMemoryModel } from '../src/model/memory-model.ts';
import { SCENARIOS } from '../src/scenarios/index.ts';
import { runInProcess } from './cli-in-process.ts';

const LITMUS = SCENARIOS.filter((s) => s.name.startsWith('litmus/'));

describe('the litmus corpus', () => {
  it('has the classic shapes, each stated under both memory models', () => {
    expect(LITMUS.map((s) => s.name)).toEqual([
      'litmus/SB',
      'litmus/MP',
      'litmus/LB',
      'litmus/R',
      'litmus/2+2W',
      'litmus/RWC',
      'litmus/WRC',
      'litmus/IRIW',
      'litmus/S',
      'litmus/ISA2',
    ]);
    // each shape with and without barriers: at least 20 tests
    for (const s of LITMUS) expect(Object.keys(s.variants).length).toBeGreaterThanOrEqual(2);
    expect(LITMUS.flatMap((s) => Object.keys(s.variants)).length).toBeGreaterThanOrEqual(20);
    for (const s of LITMUS) {
      for (const v of Object.values(s.variants)) {
        expect(v.expect.map((e) => statedMemoryModel(s, e).name).sort()).toEqual(['sc', 'tso']);
      }
    }
  });

  it('every row gets its known answer from the reduced dfs, the enumeration of every interleaving (drains included) and dpor', () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const s of LITMUS) {
      for (const [variant, v] of Object.entries(s.variants)) {
        for (const e of v.expect) {
          const mm = statedMemoryModel(s, e);
          const row = `${s.name} [${variant}] ${mm.name}`;
          const def = () => s.build({ variant, cpus: e.cpus });
          const reduced = explore(new Machine(def(), { memoryModel: mm }), new ReducedDfs());
          const brute = explore(new Machine(def(), { memoryModel: mm }), new DfsStrategy({ cache: false }));
          const dpor = explore(new Machine(def(), { memoryModel: mm }), new DporStrategy());
          want.push(`${row}: ${e.verdict} ${e.verdict} ${e.verdict}`);
          got.push(`${row}: ${reduced.verdict} ${brute.verdict} ${dpor.verdict}`);
          if (e.verdict === 'violated') expect(reduced.violation?.invariant).toBe('forbidden-outcome');
        }
      }
    }
    expect(got).toEqual(want);
  });

  it('SB: Sometimes under TSO with a trace that replays and shows the buffered stores, Never under SC and with smp_mb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-litmus-'));
    const t = join(dir, 'sb.json');
    const tso = await runInProcess(['check', 'litmus/SB', '--variant', 'plain', '--memory-model', 'tso', '--trace-out', t]);
    expect(tso.code).toBe(1);
    expect(tso.out).toContain('x86-TSO memory');
    const trace = JSON.parse(readFileSync(t, 'utf8'));
    expect(trace.options).toMatchObject({ memoryModel: 'tso', storeBuffer: 8 });
    expect(trace.schedule.some((c: string) => c.startsWith('drain:cpu'))).toBe(true);
    expect(trace.steps.some((s: { detail: string }) => s.detail.includes('store buffer'))).toBe(true);
    const replay = await runInProcess(['replay', t]);
    expect(replay.code).toBe(1);
    expect(replay.out).toContain('reproduces forbidden-outcome');
    const text = await runInProcess(['render', t]);
    expect(text.out).toContain('x86-TSO');
    expect((await runInProcess(['check', 'litmus/SB', '--variant', 'plain', '--memory-model', 'sc'])).code).toBe(0);
    expect((await runInProcess(['check', 'litmus/SB', '--variant', 'mbs', '--memory-model', 'tso'])).code).toBe(0);
  });

  it('MP holds under TSO (Never), as on x86', async () => {
    const r = await runInProcess(['check', 'litmus/MP', '--variant', 'plain', '--memory-model', 'tso']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('x86-TSO memory, store buffers of 8 entries per CPU');
  });

  it('the table of the group runs each row under its own memory model and matches every answer', async () => {
    const r = await runInProcess(['check', 'litmus/']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/litmus\/SB \[plain\] +2 tso +violated/);
    expect(r.out).toMatch(/litmus\/SB \[plain\] +2 +holds/);
  });

  it('a bad memory model or depth is one line and exit 2', async () => {
    for (const args of [
      ['--memory-model', 'arm'],
      ['--memory-model', 'sc', '--store-buffer', '2'],
      ['--store-buffer', '0'],
      ['--store-buffer', '65'],
    ]) {
      const r = await runInProcess(['check', 'litmus/SB', '--variant', 'plain', ...args]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('the litmus command reads the .litmus files of the corpus and gives the built-in shapes’ answers, each witness replaying', async () => {
    const SAME: Record<string, [string, string]> = {
      SB: ['litmus/SB', 'plain'],
      'SB+mbs': ['litmus/SB', 'mbs'],
      'SB+wmbs': ['litmus/SB', 'wmbs'],
      'SB+xchgs': ['litmus/SB', 'xchgs'],
      MP: ['litmus/MP', 'plain'],
      'MP+wmb+rmb': ['litmus/MP', 'wmb-rmb'],
      LB: ['litmus/LB', 'plain'],
      R: ['litmus/R', 'plain'],
      '2+2W': ['litmus/2+2W', 'plain'],
      RWC: ['litmus/RWC', 'plain'],
      WRC: ['litmus/WRC', 'plain'],
      IRIW: ['litmus/IRIW', 'plain'],
      'LB+mbs': ['litmus/LB', 'mbs'],
      'R+mbs': ['litmus/R', 'mbs'],
      '2+2W+wmbs': ['litmus/2+2W', 'wmbs'],
      'RWC+mbs': ['litmus/RWC', 'mbs'],
      'WRC+rel+rmb': ['litmus/WRC', 'rel-rmb'],
      'IRIW+rmbs': ['litmus/IRIW', 'rmbs'],
      S: ['litmus/S', 'plain'],
      'S+wmb+acq': ['litmus/S', 'wmb-acq'],
      ISA2: ['litmus/ISA2', 'plain'],
      'ISA2+rel+acq+acq': ['litmus/ISA2', 'rel-acq'],
    };
    // every file of the corpus is checked here
    expect(
      readdirSync('litmus')
        .filter((f) => f.endsWith('.litmus'))
        .sort(),
    ).toEqual(
      Object.keys(SAME)
        .map((f) => `${f}.litmus`)
        .sort(),
    );
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-litmus-'));
    const got: string[] = [];
    const want: string[] = [];
    for (const [file, [name, variant]] of Object.entries(SAME)) {
      const r = await runInProcess(['litmus', `litmus/${file}.litmus`, '--json', '--out-dir', dir]);
      expect(r.code).toBe(0);
      const s = LITMUS.find((x) => x.name === name);
      for (const line of r.out.trim().split('\n')) {
        const j = JSON.parse(line);
        got.push(`${file} ${j.memoryModel}: ${j.answer}`);
        const e = s?.variants[variant]?.expect.find((x) => statedMemoryModel(s, x).name === j.memoryModel);
        want.push(`${file} ${j.memoryModel}: ${e?.verdict === 'holds' ? 'Never' : 'Sometimes'}`);
        if (j.answer === 'Sometimes') expect((await runInProcess(['replay', j.witness])).code).toBe(1);
        else expect(j.witness).toBeNull();
      }
    }
    expect(got).toEqual(want);
  });

  it('the litmus command prints the answer under each model, the executions searched and the witness', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-litmus-'));
    const r = await runInProcess(['litmus', 'litmus/SB.litmus', '--out-dir', dir]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('SB: exists (0:r0=0 /\\ 1:r0=0)');
    expect(lines[1]).toMatch(/^ {2}sc {2}Never {5}\d+ executions searched$/);
    expect(lines[2]).toMatch(
      /^ {2}tso Sometimes (1 execution|\d+ executions) searched, witness \S+SB\/test\.cpus2\.tso\.forbidden-outcome\.json$/,
    );
    expect(lines).toHaveLength(3);
  });

  it("herd's three answers: Always when every execution ends in an exists outcome; forall answered Always, Sometimes or Never, its counterexample replaying", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-litmus-'));
    const ownRead = (name: string, clause: string) =>
      `C ${name}\n\n{}\n\nP0(int *x)\n{\n\tint r0;\n\n\tWRITE_ONCE(*x, 1);\n\tr0 = READ_ONCE(*x);\n}\n\n${clause}\n`;
    const sb = readFileSync('litmus/SB.litmus', 'utf8');
    const tests: Record<string, string> = {
      // a thread reads its own store: under TSO from its buffer, or from memory once drained
      'own-read': ownRead('own-read', 'exists (0:r0=1)'),
      'own-read-forall': ownRead('own-read-forall', 'forall (0:r0=1)'),
      'own-read-never': ownRead('own-read-never', 'forall (0:r0=2)'),
      // SB's executions end in r0 = 1 on both threads in some interleavings only
      'SB-forall': sb.replace('C SB', 'C SB-forall').replace('exists (0:r0=0 /\\ 1:r0=0)', 'forall (0:r0=1 /\\ 1:r0=1)'),
    };
    const got: string[] = [];
    for (const [name, text] of Object.entries(tests)) {
      const f = join(dir, `${name}.litmus`);
      writeFileSync(f, text);
      const r = await runInProcess(['litmus', f, '--json', '--out-dir', dir]);
      expect(r.code).toBe(0);
      for (const line of r.out.trim().split('\n')) {
        const j = JSON.parse(line);
        got.push(`${name} ${j.memoryModel}: ${j.answer}`);
        // the witness is what the test's own check found: an execution in an exists outcome, outside a forall one
        const found = name === 'own-read' || j.answer !== 'Always';
        if (found) expect((await runInProcess(['replay', j.witness])).code).toBe(1);
        else expect(j.witness).toBeNull();
      }
    }
    expect(got).toEqual([
      'own-read sc: Always',
      'own-read tso: Always',
      'own-read-forall sc: Always',
      'own-read-forall tso: Always',
      'own-read-never sc: Never',
      'own-read-never tso: Never',
      'SB-forall sc: Sometimes',
      'SB-forall tso: Sometimes',
    ]);
    // check on a forall file: holds exactly when every execution ends in the outcome
    expect((await runInProcess(['check', join(dir, 'own-read-forall.litmus')])).code).toBe(0);
    const sbForall = await runInProcess(['check', join(dir, 'SB-forall.litmus'), '--out-dir', dir]);
    expect(sbForall.code).toBe(1);
    expect(sbForall.out).toContain('required-outcome: the execution ends outside forall (0:r0=1 /\\ 1:r0=1)');
  });

  it('an execution that never ends has no outcome: a lock held for good makes r0 = 1 Never (check still reports the deadlock)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-litmus-'));
    const f = join(dir, 'lock-leak.litmus');
    writeFileSync(
      f,
      'C lock-leak\n\n{}\n\nP0(spinlock_t *l, int *x)\n{\n\tspin_lock(l);\n\tWRITE_ONCE(*x, 1);\n}\n\n' +
        'P1(spinlock_t *l, int *x)\n{\n\tint r0;\n\n\tspin_lock(l);\n\tr0 = READ_ONCE(*x);\n\tspin_unlock(l);\n}\n\nexists (1:r0=1)\n',
    );
    // P1 gets the lock only before P0, which never lets it go: every execution that ends has r0 = 0
    const r = await runInProcess(['litmus', f, '--json', '--out-dir', dir]);
    expect(r.code).toBe(0);
    expect(
      r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).answer),
    ).toEqual(['Never', 'Never']);
    const c = await runInProcess(['check', f, '--out-dir', dir]);
    expect(c.code).toBe(1);
    expect(c.out).toContain('deadlock:');
  });

  it('a litmus file outside the subset is one line naming the line, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-litmus-'));
    const f = join(dir, 'bad.litmus');
    writeFileSync(f, 'C bad\n{}\nP0(int *x)\n{\n\tif (READ_ONCE(*x)) WRITE_ONCE(*x, 2);\n}\nexists (x=2)\n');
    const r = await runInProcess(['litmus', f]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('bad.litmus:5:');
  });
});
