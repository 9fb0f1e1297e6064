import { check, load, spinLock, spinUnlock, store } from '../src/cpu/ops.ts';
import { type RunOptions, recordTrace, runScenario } from '../src/explorer/run.ts';
import type { TraceFile } from '../src/explorer/trace.ts';
import { TASK_UNINTERRUPTIBLE, ToyKernel } from '../src/kernel/demo/toy-sched.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { defineScenario, type ScenarioDef } from '../src/model/scenario.ts';

const REF = 'test fixture';

function scenario(name: string, cpus: number, build: (b: ModelBuilder) => void): ScenarioDef {
  return defineScenario({
    name,
    summary: name,
    cpus,
    invariants: [],
    variants: { only: { summary: 'the one variant', expect: [] } },
    build() {
      const b = new ModelBuilder(cpus);
      build(b);
      return b.build();
    },
  });
}

/**
 * Three CPUs: CPU0 writes x then an unrelated a; CPU1 touches only y; CPU2
 * reads x and asserts it is 0. The assertion's slice is CPU0's write of x,
 * CPU2's read and the assertion; nothing of CPU1, nor CPU0's later store.
 */
export const sliceModel = scenario('test/slice', 3, (b) => {
  const x = b.layout.cell('x');
  const y = b.layout.cell('y');
  const a = b.layout.cell('a');
  b.task({
    name: 'w',
    startCpu: 0,
    *program() {
      yield store(x, 1, REF, 'x = 1');
      yield store(a, 5, REF, 'a = 5');
    },
  });
  b.task({
    name: 'u',
    startCpu: 1,
    *program() {
      yield load(y, REF, 'read y');
      yield store(y, 2, REF, 'y = 2');
    },
  });
  b.task({
    name: 'r',
    startCpu: 2,
    *program() {
      yield load(x, REF, 'read x');
      yield check('x-is-zero', [x], (m) => (m[x] === 0 ? null : 'x is not 0'), REF, 'BUG_ON(x)');
    },
  });
});

/**
 * A spinlock hand-off: CPU0 holds L while CPU1 spins on it; CPU0's unlock
 * lets CPU1 go on (a wake edge from the unlock to CPU1's lock step).
 */
export const handoffModel = scenario('test/handoff', 2, (b) => {
  const L = b.layout.spinlock('L');
  b.task({
    name: 'holder',
    startCpu: 0,
    *program() {
      yield spinLock(L, REF, 'spin_lock(&L)');
      yield spinUnlock(L, REF, 'spin_unlock(&L)');
    },
  });
  b.task({
    name: 'spinner',
    startCpu: 1,
    *program() {
      yield spinLock(L, REF, 'spin_lock(&L)');
      yield check('never-reached', [], () => 'the spinner got the lock', REF, 'BUG()');
    },
  });
});

/**
 * A sleep and a wakeup on the toy scheduler: the sleeper sleeps, the waker
 * wakes it, and the sleeper's first step after waking fails an assertion.
 */
export const wakeModel = scenario('test/wake', 2, (b) => {
  const k = new ToyKernel(b);
  const sleeper = k.spawn('sleeper', 0, function* (k, me, ctx) {
    yield store(me.state, TASK_UNINTERRUPTIBLE, REF, 'set_current_state(TASK_UNINTERRUPTIBLE)');
    yield* k.schedule(me, ctx);
    yield check('woken', [], () => 'the sleeper runs again', REF, 'BUG()');
  });
  k.spawn('waker', 1, function* (k) {
    yield* k.wakeUp(sleeper);
  });
  k.finish();
});

const OPTS: RunOptions = {
  variant: 'only',
  cpus: 0,
  strategy: 'dfs',
  seed: 0,
  runs: 1,
  invariants: null,
  maxSteps: 1000,
  cache: true,
  budget: {},
};

/** Records the trace of a schedule given as choices (CPU numbers). */
export function traceOf(s: ScenarioDef, schedule: readonly number[]): TraceFile {
  return recordTrace(s, { ...OPTS, cpus: s.cpus }, schedule);
}

/** The trace of the first violation a depth-first search finds. */
export function firstViolation(s: ScenarioDef): TraceFile {
  const { trace } = runScenario(s, { ...OPTS, cpus: s.cpus });
  if (!trace) throw new Error(`${s.name}: no violation found`);
  return trace;
}
