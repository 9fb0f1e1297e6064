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
  /** the median run's wall time; with `finished` false, how long it ran before it was stopped */
  readonly ms: number;
  /** the verifier ran to its end within SPIN_LIMIT_MS */
  readonly finished: boolean;
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

/** A SPIN run is stopped after this long (its state space can outgrow the machine: sleep/wake fixed on 6 CPUs). */
export const SPIN_LIMIT_MS = 180_000;
/** ... and may use this much memory (MB). */
export const SPIN_MEMLIM_MB = 8192;

/**
 * Compiles and runs SPIN's verifier on `model`: the median time of `runs`
 * runs, or of one when the first takes more than 10 s.
 */
export function runSpin(model: string, runs = 3): SpinResult {
  const dir = mkdtempSync(join(tmpdir(), 'ptrace-mc-spin-'));
  execFileSync('spin', ['-a', model], { cwd: dir, stdio: 'ignore' });
  // MEMLIM (MB) keeps SPIN from taking the whole machine; a run that reaches it did not finish.
  execFileSync('gcc', ['-O2', '-DSAFETY', `-DMEMLIM=${SPIN_MEMLIM_MB}`, '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'ignore' });
  const times: number[] = [];
  let out = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync('./pan', ['-m100000'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26, timeout: SPIN_LIMIT_MS });
    const ms = performance.now() - t0;
    if (r.error !== undefined || r.signal !== null || /MEMLIM/.test(r.stdout))
      return { ms: Math.round(ms), finished: false, states: Number.NaN, violated: false };
    times.push(ms);
    out = r.stdout;
    if (ms > 10_000) break;
  }
  times.sort((a, b) => a - b);
  const states = Number(/(\d+) states, stored/.exec(out)?.[1] ?? 'NaN');
  return {
    ms: Math.round(times[Math.floor(times.length / 2)] as number),
    finished: true,
    states,
    violated: /errors: [1-9]/.test(out),
  };
}
