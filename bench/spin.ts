/**
 * SPIN beside ptrace-mc on the two scaling families (bench/locked-counter,
 * bench/sleep-wake), whose Promela mirrors — one shared access per
 * statement, the same programs step for step — are given as a folder
 * (`npm run bench -- --spin DIR`, or PTRACE_MC_SPIN_MODELS): counter_nN.pml
 * and sleepwake_{fixed,buggy}_nN.pml. Each model is compiled once
 * (spin -a; gcc -O2 -DSAFETY) and only the verifier's run is timed, as a
 * whole process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SpinResult {
  readonly ms: number;
  /** states stored */
  readonly states: number;
  /** found an assertion violation (a counterexample) */
  readonly violated: boolean;
}

/** The Promela model mirroring a bench row, or null when there is none. */
export function spinModel(dir: string, scenario: string, variant: string, cpus: number): string | null {
  const name =
    scenario === 'bench/locked-counter'
      ? `counter_n${cpus}.pml`
      : scenario === 'bench/sleep-wake'
        ? `sleepwake_${variant}_n${cpus}.pml`
        : null;
  if (name === null) return null;
  const file = join(dir, name);
  return existsSync(file) ? file : null;
}

export function spinInstalled(): boolean {
  return spawnSync('spin', ['-V'], { encoding: 'utf8' }).status === 0;
}

/** Compiles and runs SPIN's verifier on `model`; the median time of `runs` runs. */
export function runSpin(model: string, runs = 3): SpinResult {
  const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-spin-'));
  execFileSync('spin', ['-a', model], { cwd: dir, stdio: 'ignore' });
  execFileSync('gcc', ['-O2', '-DSAFETY', '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'ignore' });
  const times: number[] = [];
  let out = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync('./pan', ['-m100000'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
    times.push(performance.now() - t0);
    out = r.stdout;
  }
  times.sort((a, b) => a - b);
  const states = Number(/(\d+) states, stored/.exec(out)?.[1] ?? 'NaN');
  return { ms: Math.round(times[Math.floor(times.length / 2)] as number), states, violated: /errors: [1-9]/.test(out) };
}
