import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { load, nop, type Program, store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { Recorder } from '../src/explorer/record.ts';
import { leaveOut, PathTable } from '../src/kernel/common/paths.ts';
import { TASK_RUNNING, TASK_UNINTERRUPTIBLE } from '../src/kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../src/kernel/linux/invariants.ts';
import { LinuxKernel } from '../src/kernel/linux/kernel.ts';
import { LINUX_PATHS } from '../src/kernel/linux/paths.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import { here } from '../src/model/source-ref.ts';
import type { TaskContext } from '../src/model/types.ts';
import { model, runFirst } from './helpers.ts';

/** The sleep/wake pattern on the Linux model; `tweak` overrides paths before finish(). */
function sleepWake(tweak: (k: LinuxKernel) => void): Machine {
  const b = new ModelBuilder(2);
  const k = new LinuxKernel(b);
  const cond = b.layout.cell('cond', 0);
  const sleeper = k.spawn('sleeper', 0, function* (k, _me, ctx) {
    for (;;) {
      yield* k.fn.set_current_state(k, ctx, TASK_UNINTERRUPTIBLE);
      if (yield load(cond, 'test sleeper', 'if (cond) break')) break;
      yield* k.fn.schedule(k, ctx);
    }
    yield* k.fn.__set_current_state(k, ctx, TASK_RUNNING);
  });
  k.spawn('waker', 1, function* (k, _me, ctx) {
    yield store(cond, 1, 'test waker', 'cond = 1');
    yield* k.fn.wake_up_process(k, ctx, sleeper);
  });
  tweak(k);
  k.finish();
  registerLinuxInvariants(b, k, { sleepsFor: [{ task: sleeper, what: 'cond = 1', holds: (m) => m[cond] === 1 }] });
  return new Machine(b.build());
}

/** The refs of one execution (choice 0 each time). */
function refsOfFirstRun(m: Machine): string[] {
  const rec = new Recorder(m);
  m.observer = rec;
  runFirst(m);
  return rec.steps.map((s) => s.ref);
}

const ownLine = (text: string) =>
  readFileSync(new URL(import.meta.url), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

describe('overrides of kernel paths', () => {
  it('the 6.6 sleep/wake holds; leaving out ttwu_do_wakeup leaves the woken task in TASK_WAKING, which the oracle rejects', () => {
    expect(
      explore(
        sleepWake(() => {}),
        new DfsStrategy(),
      ).verdict,
    ).toBe('holds');
    // every caller of ttwu_do_wakeup (try_to_wake_up's direct path) now skips it
    const r = explore(
      sleepWake((k) => k.override('ttwu_do_wakeup', leaveOut())),
      new DfsStrategy(),
    );
    expect(r.violation?.invariant).toBe('legal-transition');
    expect(r.violation?.message).toMatch(/TASK_WAKING → /);
  });

  it("an override's steps cite the scenario's own line; the paths it calls keep theirs", () => {
    const refs = refsOfFirstRun(
      sleepWake((k) =>
        k.override('ttwu_do_wakeup', function* (k, ctx, p) {
          yield nop(here`ttwu_do_wakeup`, 'an extra step');
          yield* k.base.ttwu_do_wakeup(k, ctx, p);
        }),
      ),
    );
    const line = ownLine("yield nop(here`ttwu_do_wakeup`, 'an extra step')");
    expect(refs).toContain(`test/overrides.test.ts:${line} ttwu_do_wakeup`);
    // the original, called through k.base, still runs with its own reference
    expect(refs).toContain('linux-6.6 kernel/sched/core.c:3766 ttwu_do_wakeup');
  });

  it('within narrows an override to the calls made inside one function, on the same task', () => {
    const seen: string[] = [];
    const m = sleepWake((k) =>
      k.override(
        'ttwu_do_wakeup',
        function* (k, ctx, p) {
          seen.push(k.current(ctx).name);
          yield* k.base.ttwu_do_wakeup(k, ctx, p);
        },
        { within: 'ttwu_runnable' },
      ),
    );
    // first-choice runs: the waker runs on CPU1 after the sleeper parked, so ttwu never sees it queued
    runFirst(m);
    expect(seen).toEqual([]);
    // some interleaving wakes the sleeper while it is still queued: then ttwu_runnable's call is replaced
    const all = new Set<string>();
    const m2 = sleepWake((k) =>
      k.override(
        'ttwu_do_wakeup',
        function* (k, ctx, p) {
          all.add(`${k.current(ctx).name} in ttwu_runnable`);
          yield* k.base.ttwu_do_wakeup(k, ctx, p);
        },
        { within: 'ttwu_runnable' },
      ),
    );
    expect(explore(m2, new DfsStrategy()).verdict).toBe('holds');
    expect([...all]).toEqual(['waker in ttwu_runnable']);
  });

  it('refuses an unknown name, a second override, and an override after finish()', () => {
    const b = new ModelBuilder(1);
    const k = new LinuxKernel(b);
    // @ts-expect-error: not a path of the model
    expect(() => k.override('no_such_path', leaveOut())).toThrow(/has no path named 'no_such_path'/);
    k.override('kick_process', leaveOut());
    expect(() => k.override('kick_process', leaveOut())).toThrow(/overridden twice/);
    k.finish();
    expect(() => k.override('schedule', leaveOut())).toThrow(/after finish/);
  });

  it('every path of the table is exported under its own name and takes the kernel and the context first', () => {
    for (const [name, fn] of Object.entries(LINUX_PATHS)) {
      expect(fn.name, name).toBe(name);
      expect(fn.length, `${name} takes (k, ctx, …)`).toBeGreaterThanOrEqual(2);
    }
  });

  it('a scoped override on a path that takes no task context is refused where it is called', () => {
    const noop = (): Program<void> => leaveOut()();
    const t = new PathTable({ a: (_x: number) => noop(), b: (_y: number) => noop() }, 'a toy');
    t.override('a', leaveOut(), { within: 'b' });
    t.seal();
    expect(() => t.fn.b(1).next()).toThrow(/'b' takes no task context/);
  });

  it('a scoped override applies within its function only, however often the search goes back and rebuilds a generator', () => {
    // t0: f (a load of x, g, three more loads), then g again outside f; g stores 1 to the cell it is
    // given. The override leaves g out within f only, so 'outside' must end at 1 and 'inside' at 0.
    // t1 keeps changing x: the search goes back to states where t0 is inside f and sends its loads new
    // values, and with no history kept each such continuation rebuilds t0's generator. The generator
    // it replaced, still inside f, used to leave its within-depth behind (dfs found 'outside' at 0).
    let x = 0;
    let inside = 0;
    let outside = 0;
    const t = new PathTable(
      {
        f: function* f(ctx: TaskContext): Program<void> {
          yield load(x, 'test f');
          yield* t.fn.g(ctx, inside);
          for (let i = 0; i < 3; i++) yield load(x, 'test f');
        },
        g: function* g(_ctx: TaskContext, cell: number): Program<void> {
          yield store(cell, 1, 'test g');
        },
      },
      'a toy',
    );
    t.override('g', leaveOut(), { within: 'f' });
    t.seal();
    const def = model(
      2,
      (b) => {
        x = b.layout.cell('x');
        inside = b.layout.cell('inside');
        outside = b.layout.cell('outside');
        return [
          function* (ctx) {
            yield* t.fn.f(ctx);
            yield* t.fn.g(ctx, outside);
          },
          function* () {
            for (let i = 1; i <= 3; i++) {
              yield store(x, i, 'test t1');
              yield store(x, 0, 'test t1');
            }
          },
        ];
      },
      (b) =>
        b.atEnd({
          name: 'g-outside-f-runs',
          check: (w) =>
            w.mem[w.layout.addr('outside')] !== 1 || w.mem[w.layout.addr('inside')] !== 0
              ? 'g ran where it should not, or not where it should'
              : null,
        }),
    );
    const r = explore(new Machine(def, { historyBudget: 0 }), new DfsStrategy());
    expect(r.verdict).toBe('holds');
    expect(r.executions).toBeGreaterThan(3);
  });
});

describe('here', () => {
  it('names this file and the line of the template, once per site', () => {
    const a = here`fn`;
    expect(a).toBe(`test/overrides.test.ts:${ownLine('const a = here`fn`;')} fn`);
    const refs = [1, 2].map((i) => here`step ${i}`);
    const line = ownLine('const refs = [1, 2].map((i) => here`step');
    expect(refs).toEqual([`test/overrides.test.ts:${line} step 1`, `test/overrides.test.ts:${line} step 2`]);
  });
});
