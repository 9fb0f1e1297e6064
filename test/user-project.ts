import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const BIN = resolve('bin/ptrace-mc.js');

/**
 * A directory outside this repository, as a user's project: its own
 * package.json and `node_modules/ptrace-mc` pointing at this package (its
 * compiled code under dist/, through package.json `exports`), and the files
 * given (path → text). `type` is the project's package.json "type" (what
 * `npm init` writes by default is commonjs).
 */
export function userProject(files: Record<string, string>, type: 'module' | 'commonjs' = 'module'): string {
  const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-user-'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'concerns', private: true, type })}\n`);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(resolve('.'), join(dir, 'node_modules', 'ptrace-mc'), 'dir');
  // what npm install does for the package's bin, so that `npx ptrace-mc` runs it
  mkdirSync(join(dir, 'node_modules', '.bin'));
  symlinkSync(BIN, join(dir, 'node_modules', '.bin', 'ptrace-mc'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Runs the command (bin/ptrace-mc.js) in `cwd`. */
export function ptraceMc(args: readonly string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * A small concern on the demo scheduler: the sleeper tests its condition,
 * then marks itself sleeping; the waker sets the condition and wakes it
 * only if it already sleeps. `buggy` loses the wakeup on two CPUs;
 * `fixed` (state first, then the test; the waker always wakes) holds.
 */
export function concern(name: string): string {
  return `import { defineScenario, load, ModelBuilder, store } from 'ptrace-mc';
import { TASK_RUNNING, TASK_UNINTERRUPTIBLE, ToyKernel } from 'ptrace-mc/demo';

const REF = 'concern';

export default defineScenario({
  name: '${name}',
  summary: 'a sleeper against a waker on another CPU',
  cpus: 2,
  invariants: ['no-lost-wakeup'],
  variants: {
    buggy: { summary: 'test, then sleep', expect: [{ cpus: 2, verdict: 'violated', invariant: 'no-lost-wakeup' }, { cpus: 1, verdict: 'holds' }] },
    fixed: { summary: 'sleep, then test', expect: [{ cpus: 2, verdict: 'holds' }] },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new ToyKernel(b);
    const cond = b.layout.cell('cond', 0);
    const sleeper = k.spawn('sleeper', 0, function* (k, me, ctx) {
      if (variant === 'buggy') {
        if ((yield load(cond, REF, 'if (cond) return')) !== 0) return;
        yield store(me.state, TASK_UNINTERRUPTIBLE, REF, 'state = TASK_UNINTERRUPTIBLE');
        yield* k.schedule(me, ctx);
        return;
      }
      yield store(me.state, TASK_UNINTERRUPTIBLE, REF, 'state = TASK_UNINTERRUPTIBLE');
      if ((yield load(cond, REF, 'if (cond) break')) === 0) yield* k.schedule(me, ctx);
      yield store(me.state, TASK_RUNNING, REF, 'state = TASK_RUNNING');
    });
    k.spawn('waker', 1, function* (k) {
      yield store(cond, 1, REF, 'cond = 1');
      if (variant === 'buggy' && (yield load(sleeper.state, REF, 'if (sleeper sleeps)')) !== TASK_UNINTERRUPTIBLE) return;
      yield* k.wakeUp(sleeper);
    });
    k.finish();
    b.atEnd({
      name: 'no-lost-wakeup',
      check: (w) =>
        w.mem[sleeper.state] === TASK_UNINTERRUPTIBLE && w.mem[cond] === 1 && w.mem[sleeper.onRq] === 0
          ? 'the sleeper sleeps although cond = 1' : null,
    });
    return b.build();
  },
});
`;
}
