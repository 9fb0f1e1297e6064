import { describe, expect, it } from 'vitest';
import { store } from '../src/cpu/ops.ts';
import { BUG_ON, KERNEL_ASSERT, WARN_ON } from '../src/kernel/common/kernel-assert.ts';
import { Machine } from '../src/model/machine.ts';
import { model, runFirst, runSchedule } from './helpers.ts';

const R = 'test';

/** t0 sets x = 1; t1 asserts on x: the assertion fires only when t0's store ran first. */
function racing(assert: typeof BUG_ON) {
  return model(2, (b) => {
    const x = b.layout.cell('x');
    return [
      function* () {
        yield store(x, 1, R);
      },
      function* () {
        yield assert(
          [x],
          (m) => m[x] === 1,
          'x',
          R,
          (m) => `x = ${m[x]}`,
        );
      },
    ];
  });
}

describe('kernel-assert (BUG_ON / WARN_ON as assertion steps)', () => {
  it('BUG_ON fires under kernel-assert when its condition holds at that step, with the condition and the details', () => {
    const m = runSchedule(new Machine(racing(BUG_ON)), [0, 1]);
    expect(m.violation).toEqual({ invariant: KERNEL_ASSERT, message: 'BUG_ON(x) fires: x = 1 (t1 on CPU1, test)' });
  });

  it('stays silent when the condition is false at that step', () => {
    const m = runSchedule(new Machine(racing(BUG_ON)), [1, 0]);
    expect(m.violation).toBeNull();
  });

  it('WARN_ON reports under the same invariant, named as a warning', () => {
    const m = runSchedule(new Machine(racing(WARN_ON)), [0, 1]);
    expect(m.violation?.invariant).toBe(KERNEL_ASSERT);
    expect(m.violation?.message).toMatch(/^WARN_ON\(x\) fires/);
  });

  it('is dropped when the user narrows the invariants to others', () => {
    const def = racing(BUG_ON);
    const m = runFirst(new Machine(def, { invariants: ['deadlock'] }));
    expect(m.violation).toBeNull();
  });
});
