import { load, store } from '../src/cpu/ops.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import { type BenchRow, peakMB } from './rows.ts';

const STEPS = 2_000_000;
const ROUNDS = 5;

/**
 * The engine alone: two CPUs, each a tight loop of load/store on its own
 * cell, stepped through Machine.enabled/step alternately — the work the
 * search loop does per step, without a strategy. The best of a few rounds
 * (the first ones pay for JIT warm-up).
 */
export function microEngine(): BenchRow {
  const b = new ModelBuilder(2);
  for (let t = 0; t < 2; t++) {
    const x = b.layout.cell(`x${t}`);
    b.task({
      name: `t${t}`,
      startCpu: t,
      *program() {
        for (let i = 0; i < STEPS / 4; i++) {
          const v: number = yield load(x, 'bench micro');
          yield store(x, v + 1, 'bench micro');
        }
      },
    });
  }
  const m = new Machine(b.build(), { maxSteps: STEPS + 1 });
  const buf: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let steps = 0;
  for (let r = 0; r < ROUNDS; r++) {
    m.reset();
    const t0 = performance.now();
    let n = 0;
    while (m.enabled(buf) > 0) m.step(buf[n++ % buf.length] as number);
    best = Math.min(best, performance.now() - t0);
    steps = n;
  }
  return {
    scenario: 'micro/engine',
    variant: 'load-store loop',
    cpus: 2,
    strategy: 'Machine.step',
    verdict: '-',
    executions: ROUNDS,
    traces: null,
    ratio: null,
    stepsPerSecond: Math.round((steps / best) * 1000),
    wallMs: Math.round(best),
    searchMs: Math.round(best),
    peakMB: peakMB(),
  };
}
