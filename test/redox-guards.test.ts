import { describe, expect, it } from 'vitest';
import { load, nop, type Program, rmw, store, writeLock, writeUnlock } from '../src/cpu/ops.ts';
import { AutoStrategy } from '../src/explorer/auto.ts';
import { explore } from '../src/explorer/explore.ts';
import type { RedoxContext } from '../src/kernel/redox/context.ts';
import type { RedoxKernel } from '../src/kernel/redox/kernel.ts';
import { STOP_BREAKPOINT } from '../src/kernel/redox/ptrace.ts';
import type { RedoxVersion } from '../src/kernel/redox/refs.ts';
import { countOf, type WaitCondition } from '../src/kernel/redox/wait-condition.ts';
import { Machine } from '../src/model/machine.ts';
import { traceSetup } from '../src/scenarios/redox/setup.ts';

/**
 * The Redox lock rules (src/kernel/redox/guards.ts) catch a lock that is
 * gone: the breakpoint round of redox/breakpoint-cont on one CPU (a
 * tracer sets a breakpoint, the tracee hits it, the tracer reads the event
 * and closes), searched whole, holds as modelled; with one path replaced by
 * its form without a lock the source takes, the same search fails
 * lock-discipline at the access.
 */
function breakpointRound(v: RedoxVersion, replace?: (k: RedoxKernel) => void) {
  const { b } = traceSetup(
    v,
    1,
    function* (k, h, clones, ctx) {
      yield* k.fn.procWrite(k, h, STOP_BREAKPOINT, clones, ctx);
      yield* k.fn.procRead(k, h, clones, ctx);
      yield* k.fn.procClose(k, h, clones);
    },
    {
      *body(k, me, ctx) {
        yield nop('user', 'user code up to int3');
        yield* k.fn.int3(k, me, 0, ctx);
      },
    },
    // traceSetup's last hook runs before the kernel is finished, where a path may be replaced
    (k) => {
      replace?.(k);
      return [];
    },
  );
  const r = explore(new Machine(b.build(), { invariants: null }), new AutoStrategy());
  return { verdict: r.verdict, invariant: r.violation?.invariant ?? null, message: r.violation?.message ?? '' };
}

/** `contexts.get(pid).write().ptrace_stop = value` with the context's write guard left out. */
function* setPtraceStopUnlocked(_k: RedoxKernel, c: RedoxContext, value: number, ref: string): Program<void> {
  yield store(c.ptraceStop.addr, value, ref, `${c.name}.ptrace_stop = ${value === 1} (no write guard)`);
}

describe('Redox lock rules catch a dropped lock', () => {
  for (const v of ['2019', '2020'] as const) {
    it(`${v}: the breakpoint round holds as modelled`, () => {
      expect(breakpointRound(v)).toEqual({ verdict: 'holds', invariant: null, message: '' });
    });

    it(`${v}: ptrace_stop written without the context's write lock fails lock-discipline`, () => {
      const r = breakpointRound(v, (k) => k.override('setPtraceStop', setPtraceStopUnlocked));
      expect(r.verdict).toBe('violated');
      expect(r.invariant).toBe('lock-discipline');
      expect(r.message).toContain('writes tracee.ptrace_stop without tracee.lock write-held');
      expect(r.message).toContain('RwLock<Context>');
    });
  }

  it('2019: cont writing the breakpoint under sessions() (read) instead of sessions_mut() fails lock-discipline', () => {
    const r = breakpointRound('2019', (k) =>
      k.override('cont', function* (k, s) {
        yield* k.fn.lockMap(k, false, 'test: cont with sessions()');
        if (yield* k.fn.lookup(k, s, 'test')) yield store(s.breakpoint, 0, 'test: session.breakpoint = None');
        yield* k.fn.unlockMap(k, false, 'test');
      }),
    );
    expect(r.invariant).toBe('lock-discipline');
    expect(r.message).toContain('writes session(tracee).breakpoint without SESSIONS write-held');
  });

  it("2020: WaitCondition::notify popping without the condition's Mutex fails lock-discipline", () => {
    const r = breakpointRound('2020', (k) =>
      k.override('notify', function* (k: RedoxKernel, wc: WaitCondition, _caller: string): Program<number> {
        // the model's notify less its spinLock/spinUnlock of wc.lock
        let n = 0;
        for (const c of k.contexts) {
          if (c.idle) continue;
          const list: number = yield load(wc.list, 'test: len = contexts.len()');
          if (countOf(list, c.task) === 0) continue;
          yield rmw(wc.list, (l: number) => l - (1 << (4 * c.task)), 'test: contexts.pop()');
          yield writeLock(c.lock, 'test');
          yield* k.fn.unblockLocked(k, c, 'test');
          yield writeUnlock(c.lock, 'test');
          n++;
        }
        return n;
      }),
    );
    expect(r.invariant).toBe('lock-discipline');
    expect(r.message).toMatch(
      /reads session\(tracee\)\.(tracer|tracee)\.contexts without session\(tracee\)\.(tracer|tracee)\.lock held/,
    );
  });
});
