import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concern } from './user-project.ts';

/**
 * The user's flow, outside this repository: the package as `npm pack` makes
 * it, installed from the tarball into a fresh project with its own
 * package.json (with vitest and fast-check from the registry, or npm's
 * cache), a concern file and vitest tests written there, then
 * `npx ptrace-mc check ./concern.ts` and `npx vitest run` in that project.
 * The only proof that the package works where its users are.
 */
const NPM_TIME_MS = 240_000;

function sh(cmd: string, args: readonly string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const TEST = `import { check } from 'ptrace-mc';
import 'ptrace-mc/vitest';
import { buildWorkload, workloadArb } from 'ptrace-mc/linux';
import { explore } from 'ptrace-mc';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import concern from './concern.ts';

it('buggy loses the wakeup on two CPUs', async () => {
  expect(await check(concern, { variant: 'buggy', cpus: 2 })).toBeViolated('no-lost-wakeup');
});

it('buggy holds on one CPU, and fixed on two', async () => {
  expect(await check(concern, { variant: 'buggy', cpus: 1 })).toHold();
  expect(await check('./concern.ts', { variant: 'fixed', cpus: 2 })).toHold();
});

it('generated Linux workloads hold', () => {
  fc.assert(fc.property(workloadArb(2), (w) => explore(buildWorkload(w)).verdict === 'holds'), { numRuns: 3, seed: 1 });
});
`;

const WRONG = `import { check } from 'ptrace-mc';
import 'ptrace-mc/vitest';
import { expect, it } from 'vitest';
import concern from './concern.ts';

it('claims the buggy variant holds', async () => {
  expect(await check(concern, { variant: 'buggy', cpus: 2 })).toHold();
});
`;

describe('npm pack, install in a fresh project, use it there', () => {
  it(
    'the CLI checks a concern file by path, vitest runs the matchers, tsc accepts the types',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-pack-'));
      execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: resolve('.'), stdio: 'ignore' });
      const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) as string;
      const project = join(dir, 'project');
      execFileSync('mkdir', [project]);
      writeFileSync(
        join(project, 'package.json'),
        `${JSON.stringify({ name: 'review', private: true, type: 'module' }, null, 2)}\n`,
      );
      const install = sh(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', `../${tarball}`, 'vitest@4.1.12', 'fast-check@4.10.2'],
        project,
      );
      expect([install.code, install.err]).toEqual([0, expect.not.stringMatching(/EBADENGINE|ERR!/)]);
      writeFileSync(join(project, 'concern.ts'), concern('review/concern'));
      writeFileSync(join(project, 'concern.test.ts'), TEST);

      // the command, by path: buggy violates on 2 CPUs (exit 1), and every verdict is the one claimed
      const check = sh('npx', ['ptrace-mc', 'check', './concern.ts'], project);
      expect([check.code, check.err]).toEqual([1, '']);
      expect(check.out).toContain('review/concern [buggy] on 2 CPUs (auto): violated\n  no-lost-wakeup: the sleeper sleeps');
      expect(check.out).toContain('review/concern [fixed] on 2 CPUs (auto): holds');
      expect(sh('npx', ['ptrace-mc', 'check', './concern.ts', '--compare'], project).code).toBe(0);
      const replay = sh('npx', ['ptrace-mc', 'replay', 'ptrace-mc-out/review/concern/buggy.cpus2.json'], project);
      expect([replay.code, replay.out]).toEqual([1, expect.stringContaining('reproduces no-lost-wakeup')]);

      // vitest: the matchers pass where the claim is right
      const vitest = sh('npx', ['vitest', 'run'], project);
      expect([vitest.code, vitest.out]).toEqual([0, expect.stringMatching(/Tests\s+3 passed \(3\)/)]);
      // and a wrong claim fails with the verdict, the race and the trace
      writeFileSync(join(project, 'wrong.test.ts'), WRONG);
      const wrong = sh('npx', ['vitest', 'run', 'wrong.test.ts'], project);
      expect(wrong.code).toBe(1);
      const said = wrong.out + wrong.err;
      expect(said).toContain('expected it to hold, but:');
      expect(said).toContain('review/concern [buggy] on 2 CPUs (auto): violated no-lost-wakeup');
      expect(said).toContain('review/concern [buggy] on 2 CPUs: no-lost-wakeup violated.');
      expect(said).toContain('trace: ptrace-mc-out/review/concern/buggy.cpus2.json');

      // the declarations: the project type-checks against the installed package (vitest's matchers included)
      writeFileSync(
        join(project, 'tsconfig.json'),
        `${JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: false, types: [] }, include: ['*.ts'] })}\n`,
      );
      const tsc = sh(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', '.'], project);
      expect([tsc.code, tsc.out]).toEqual([0, '']);
    },
    NPM_TIME_MS,
  );
});
