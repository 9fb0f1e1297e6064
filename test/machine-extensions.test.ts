import { describe, expect, it } from 'vitest';
import { preemptDisable, preemptEnable, rmw, spinLock, spinUnlock, store } from '../src/cpu/ops.ts';
import { Machine } from '../src/model/machine.ts';
import { model, runSchedule } from './helpers.ts';

const R = 'test';

describe('preemptible interrupt sources', () => {
  it('are held back while the CPU has preemption off', () => {
    const def = model(
      1,
      (b) => {
        b.layout.cell('hits');
        return [
          function* () {
            yield preemptDisable(R);
            yield preemptEnable(R);
            yield store(0, 5, R);
          },
        ];
      },
      (b) =>
        b.irq({
          name: 'tick',
          cpu: 0,
          budget: 1,
          preemptible: true,
          reads: [],
          enabled: () => true,
          handler: function* () {
            yield rmw(0, (v) => v + 1, R);
          },
        }),
    );
    const m = new Machine(def);
    const en: number[] = [];
    m.enabled(en);
    expect(en).toEqual([0, 1]);
    m.step(0); // preempt_disable
    m.enabled(en);
    expect(en).toEqual([0]);
    m.step(0); // preempt_enable
    m.enabled(en);
    expect(en).toEqual([0, 1]);
  });
});

describe('transition invariants', () => {
  const def = (legal: (from: number, to: number) => boolean) =>
    model(
      1,
      (b) => {
        const x = b.layout.cell('x', 0);
        return [
          function* () {
            yield store(x, 1, R);
            yield store(x, 1, R);
            yield store(x, 2, R);
          },
        ];
      },
      (b) =>
        b.onChange({
          name: 'legal-transition',
          watch: [0],
          check: (_a, from, to, w) => (legal(from, to) && w.mem[0] === to ? null : `x: ${from} -> ${to}`),
        }),
    );

  it('see every change with the old and new value, after the write', () => {
    const m = runSchedule(new Machine(def((f, t) => t === f + 1)), [0, 0, 0]);
    expect(m.violation).toBeNull();
  });

  it('report a change that is not an edge', () => {
    const m = runSchedule(new Machine(def((f, t) => !(f === 1 && t === 2))), [0, 0, 0]);
    expect(m.violation).toEqual({ invariant: 'legal-transition', message: 'x: 1 -> 2' });
  });
});

describe('preemptible interrupt sources and locks', () => {
  it('are held back while the CPU holds a lock (spin_lock implies preempt_disable)', () => {
    const def = model(
      1,
      (b) => {
        const l = b.layout.spinlock('l');
        return [
          function* () {
            yield spinLock(l, R);
            yield spinUnlock(l, R);
            yield store(l + 1, 1, R);
          },
        ];
      },
      (b) => {
        b.layout.cell('x');
        b.irq({ name: 'tick', cpu: 0, budget: 1, preemptible: true, reads: [], enabled: () => true, handler: function* () {} });
      },
    );
    const m = new Machine(def);
    const en: number[] = [];
    m.step(0); // spin_lock
    m.enabled(en);
    expect(en).toEqual([0]);
    m.step(0); // spin_unlock
    m.enabled(en);
    expect(en).toEqual([0, 1]);
  });
});
