import { describe, expect, it } from 'vitest';
import {
  awaitCond,
  check,
  irqEnable,
  irqRestore,
  irqSave,
  load,
  preemptEnable,
  readLock,
  readUnlock,
  rmw,
  spinLock,
  spinTrylock,
  spinUnlock,
  store,
  switchTo,
  writeLock,
} from '../src/cpu/ops.ts';
import { Machine } from '../src/model/machine.ts';
import { model, runFirst, runSchedule } from './helpers.ts';

const R = 'test';

describe('memory operations', () => {
  it('load sees the value a store on another CPU wrote (sequential consistency)', () => {
    let seen = -1;
    const def = model(2, (b) => {
      const x = b.layout.cell('x', 0);
      return [
        function* () {
          yield store(x, 7, R);
        },
        function* () {
          seen = yield load(x, R);
        },
      ];
    });
    const m = new Machine(def);
    runSchedule(m, [0, 1]);
    expect(seen).toBe(7);
    runSchedule(m, [1, 0]);
    expect(seen).toBe(0);
  });

  it('rmw is atomic and yields the old value', () => {
    const olds: number[] = [];
    const def = model(2, (b) => {
      const x = b.layout.cell('x', 1);
      const inc = function* () {
        olds.push(yield rmw(x, (v) => v + 1, R));
      };
      return [inc, inc];
    });
    const m = new Machine(def);
    runSchedule(m, [1, 0]);
    expect(olds).toEqual([1, 2]);
    expect(m.mem[m.layout.addr('x')]).toBe(3);
  });
});

describe('locks', () => {
  it('spin_lock is not enabled while another CPU holds the lock', () => {
    const def = model(2, (b) => {
      const l = b.layout.spinlock('L');
      const p = function* () {
        yield spinLock(l, R);
        yield spinUnlock(l, R);
      };
      return [p, p];
    });
    const m = new Machine(def);
    runSchedule(m, [0]);
    const en: number[] = [];
    m.enabled(en);
    expect(en).toEqual([0]);
    m.step(0);
    m.enabled(en);
    expect(en).toEqual([1]);
  });

  it('spin_trylock yields 0 on a held lock and 1 on a free one', () => {
    const got: number[] = [];
    const def = model(2, (b) => {
      const l = b.layout.spinlock('L');
      return [
        function* () {
          yield spinLock(l, R);
        },
        function* () {
          got.push(yield spinTrylock(l, R));
        },
      ];
    });
    const m = new Machine(def);
    runSchedule(m, [0, 1]);
    expect(got).toEqual([0]);
    got.length = 0;
    runSchedule(m, [1]);
    expect(got).toEqual([1]);
  });

  it('a writer waits for readers and readers wait for a writer', () => {
    const def = model(2, (b) => {
      const l = b.layout.rwlock('tasklist_lock');
      return [
        function* () {
          yield readLock(l, R);
          yield readUnlock(l, R);
        },
        function* () {
          yield writeLock(l, R);
        },
      ];
    });
    const m = new Machine(def);
    runSchedule(m, [0]);
    expect(m.isEnabled(1)).toBe(false);
    m.step(0);
    expect(m.isEnabled(1)).toBe(true);
  });

  it('reports a double unlock as lock-discipline', () => {
    const def = model(1, (b) => {
      const l = b.layout.spinlock('L');
      return [
        function* () {
          yield spinLock(l, R);
          yield spinUnlock(l, R);
          yield spinUnlock(l, 'test double');
        },
      ];
    });
    const m = runFirst(new Machine(def));
    expect(m.violation?.invariant).toBe('lock-discipline');
    expect(m.violation?.message).toMatch(/double unlock \(test double\)/);
  });

  it('reports sleeping with a spinlock held, but allows the runqueue lock handed across switch_to', () => {
    const mk = (handoff: boolean) =>
      model(1, (b) => {
        const l = b.layout.spinlock('rq.lock');
        return [
          function* () {
            yield spinLock(l, R);
            yield switchTo(1, R, handoff ? l : -1);
          },
          function* () {
            yield spinUnlock(l, R);
          },
        ];
      });
    expect(runFirst(new Machine(mk(false))).violation?.message).toMatch(/sleeps \(switch_to t1\) on CPU0 while holding rq.lock/);
    expect(runFirst(new Machine(mk(true))).violation).toBeNull();
  });

  it('reports preempt_enable without preempt_disable', () => {
    const def = model(1, () => [
      function* () {
        yield preemptEnable(R);
      },
    ]);
    expect(runFirst(new Machine(def)).violation?.invariant).toBe('lock-discipline');
  });
});

describe('deadlock and quiescence', () => {
  it('reports every live CPU blocked as deadlock, naming what each waits on', () => {
    const def = model(2, (b) => {
      const A = b.layout.spinlock('A');
      const B = b.layout.spinlock('B');
      return [
        function* () {
          yield spinLock(A, R);
          yield spinLock(B, R);
        },
        function* () {
          yield spinLock(B, R);
          yield spinLock(A, R);
        },
      ];
    });
    const m = new Machine(def);
    runSchedule(m, [0, 1]);
    m.finish();
    expect(m.violation).toEqual({
      invariant: 'deadlock',
      message: 'every live CPU is blocked: CPU0 (t0) spins on B; CPU1 (t1) spins on A',
    });
  });

  it('a quiescent wait (the idle loop) at the end is not a deadlock', () => {
    const def = model(1, (b) => {
      const x = b.layout.cell('x');
      return [
        function* () {
          yield awaitCond([x], (mem) => mem[x] === 1, R, 'idle', true);
        },
      ];
    });
    expect(runFirst(new Machine(def)).violation).toBeNull();
  });

  it('runs terminal invariants only at quiescence', () => {
    const def = model(
      1,
      (b) => {
        const x = b.layout.cell('x');
        return [
          function* () {
            yield store(x, 1, R);
          },
        ];
      },
      (b) => b.atEnd({ name: 'x-is-zero', check: (w) => (w.mem[0] === 0 ? null : 'x ended at 1') }),
    );
    const m = new Machine(def);
    runSchedule(m, [0]);
    expect(m.violation).toBeNull();
    m.finish();
    expect(m.violation?.invariant).toBe('x-is-zero');
  });

  it('reports an execution longer than the step bound as livelock', () => {
    const def = model(1, (b) => {
      const x = b.layout.cell('x');
      return [
        function* () {
          for (;;) yield load(x, R);
        },
      ];
    });
    const m = runFirst(new Machine(def, { maxSteps: 50 }));
    expect(m.violation?.invariant).toBe('livelock');
    expect(m.steps).toBe(50);
  });
});

describe('tasks and CPUs', () => {
  it('parks a task in switch_to and resumes it, with more tasks than CPUs', () => {
    const order: string[] = [];
    const def = model(1, () => [
      function* () {
        order.push('a1');
        const cpu: number = yield switchTo(1, R);
        order.push(`a2 on cpu${cpu}`);
      },
      function* () {
        order.push('b1');
        yield switchTo(0, R);
        order.push('b2');
      },
    ]);
    // The constructor starts the programs that are current at time 0 (a1); reset()
    // goes back to that state without running them again (their answers are recorded).
    const m = runFirst(new Machine(def));
    expect(m.violation).toBeNull();
    expect(order).toEqual(['a1', 'b1', 'a2 on cpu0']);
    expect(m.taskDone(0)).toBe(true);
    expect(m.taskDone(1)).toBe(false);
  });

  it('never lets one task run on two CPUs', () => {
    const def = model(2, () => [
      function* () {
        yield switchTo(1, R);
      },
      function* () {
        yield store(0, 0, R);
      },
    ]);
    const m = runFirst(new Machine(def));
    expect(m.violation?.invariant).toBe('runqueue-sane');
    expect(m.violation?.message).toMatch(/switches to t1, which is still running on CPU1/);
  });
});

describe('interrupts', () => {
  const irqModel = (budget: number) =>
    model(
      1,
      (b) => {
        const hits = b.layout.cell('hits');
        b.layout.cell('done');
        return [
          function* () {
            const f: number = yield irqSave(R);
            yield store(hits, 0, R, 'irqs off here');
            yield irqRestore(f, R);
            yield store(hits, 0, R, 'irqs on here');
          },
        ];
      },
      (b) =>
        b.irq({
          name: 'tick',
          cpu: 0,
          budget,
          reads: [],
          enabled: () => true,
          handler: function* () {
            yield rmw(0, (v) => v + 1, R);
          },
        }),
    );

  it('an interrupt is a choice only while irqs are on, and its budget bounds it', () => {
    const m = new Machine(irqModel(1));
    const en: number[] = [];
    m.enabled(en);
    expect(en).toEqual([0, 1]);
    m.step(0); // irq_save
    m.enabled(en);
    expect(en).toEqual([0]);
    m.step(0);
    m.step(0); // irq_restore
    m.enabled(en);
    expect(en).toEqual([0, 1]);
    m.step(1); // inject: the handler runs with irqs off
    expect(m.cpus[0]?.irqsOn).toBe(false);
    expect(m.cpus[0]?.inIrq).toBe(true);
    m.step(0); // handler's rmw, then return from interrupt
    expect(m.cpus[0]?.irqsOn).toBe(true);
    expect(m.cpus[0]?.inIrq).toBe(false);
    m.enabled(en);
    expect(en).toEqual([0]);
  });

  it('flags a lock taken in irq context and also held with irqs on', () => {
    const def = model(
      1,
      (b) => {
        const l = b.layout.spinlock('siglock');
        return [
          function* () {
            yield spinLock(l, R);
            yield spinUnlock(l, R);
          },
        ];
      },
      (b) =>
        b.irq({
          name: 'ipi',
          cpu: 0,
          budget: 1,
          reads: [],
          enabled: () => true,
          handler: function* () {
            yield spinLock(0, R);
            yield spinUnlock(0, R);
          },
        }),
    );
    const m = new Machine(def);
    runSchedule(m, [1, 0, 0, 0]);
    expect(m.violation?.invariant).toBe('lock-discipline');
    expect(m.violation?.message).toMatch(/taken in interrupt context and also held with irqs on/);
  });

  it('irq_enable inside a handler does not count as holding locks with irqs on in process context', () => {
    const def = model(1, () => [
      function* () {
        yield irqEnable(R);
      },
    ]);
    expect(runFirst(new Machine(def)).violation).toBeNull();
  });
});

describe('invariants and state identity', () => {
  it('a safety invariant runs when a watched cell is written, and --invariant can exclude it', () => {
    const def = model(
      1,
      (b) => {
        const x = b.layout.cell('x');
        return [
          function* () {
            yield store(x, 2, R);
          },
        ];
      },
      (b) => b.invariant({ name: 'x-small', watch: [0], check: (w) => ((w.mem[0] as number) > 1 ? 'x > 1' : null) }),
    );
    expect(runFirst(new Machine(def)).violation?.invariant).toBe('x-small');
    expect(runFirst(new Machine(def, { invariants: ['deadlock'] })).violation).toBeNull();
  });

  it('an assertion step reports its invariant with the task, CPU and source', () => {
    const def = model(1, () => [
      function* () {
        yield check('kernel-assert', [], () => 'BUG_ON(!ptrace)', 'linux-6.6 kernel/signal.c ptrace_stop');
      },
    ]);
    expect(runFirst(new Machine(def)).violation).toEqual({
      invariant: 'kernel-assert',
      message: 'BUG_ON(!ptrace) (t0 on CPU0, linux-6.6 kernel/signal.c ptrace_stop)',
    });
  });

  it('gives independent steps in either order the same state key, and different ones different keys', () => {
    const def = model(2, (b) => {
      const x = b.layout.cell('x');
      const y = b.layout.cell('y');
      return [
        function* () {
          yield store(x, 1, R);
        },
        function* () {
          const v: number = yield load(x, R);
          yield store(y, v, R);
        },
      ];
    });
    const m = new Machine(def);
    m.trackStates();
    runSchedule(m, [0, 1]);
    const a = m.stateKey();
    runSchedule(m, [1, 0]);
    const b = m.stateKey();
    expect(a).not.toBe(b); // t1 read different values: different histories
    const def2 = model(2, (bb) => {
      const x = bb.layout.cell('x');
      const y = bb.layout.cell('y');
      return [
        function* () {
          yield store(x, 1, R);
        },
        function* () {
          yield store(y, 1, R);
        },
      ];
    });
    const m2 = new Machine(def2);
    m2.trackStates();
    runSchedule(m2, [0, 1]);
    const c = m2.stateKey();
    runSchedule(m2, [1, 0]);
    expect(m2.stateKey()).toBe(c);
  });
});

describe('footprints and blocking (what partial-order reduction relies on)', () => {
  const conflicts = (a: { reads: readonly number[]; writes: readonly number[] }, b: typeof a) =>
    a.writes.some((x) => b.writes.includes(x) || b.reads.includes(x)) || a.reads.some((x) => b.writes.includes(x));

  it('an injection on CPU c conflicts with every step of CPU c, and with no step of another CPU on other cells', () => {
    const def = model(
      2,
      (b) => {
        const x = b.layout.cell('x');
        const y = b.layout.cell('y');
        return [
          function* () {
            yield store(x, 1, R);
            yield load(x, R);
          },
          function* () {
            yield store(y, 1, R);
          },
        ];
      },
      (b) => b.irq({ name: 'tick', cpu: 0, budget: 1, reads: [], enabled: () => true, handler: function* () {} }),
    );
    const m = new Machine(def);
    const irq = m.footprint(2);
    expect(conflicts(irq, m.footprint(0))).toBe(true); // a plain store of CPU0
    expect(conflicts(irq, m.footprint(1))).toBe(false);
    m.step(0);
    expect(conflicts(irq, m.footprint(0))).toBe(true); // a plain load of CPU0
    expect(conflicts(m.footprint(0), m.footprint(1))).toBe(false);
  });

  it('blocked(): a waiting CPU or an interrupt with budget may run later; a finished CPU never', () => {
    const def = model(
      2,
      (b) => {
        const l = b.layout.spinlock('l');
        return [
          function* () {
            yield spinLock(l, R);
            yield spinUnlock(l, R);
          },
          function* () {
            yield spinLock(l, R);
          },
        ];
      },
      (b) => b.irq({ name: 'tick', cpu: 0, budget: 1, reads: [], enabled: () => true, handler: function* () {} }),
    );
    const m = new Machine(def);
    m.step(0);
    expect(m.blocked(1)).toBe(true);
    expect(m.blockingNext(1)).toBe(true);
    expect(m.blocked(0)).toBe(false); // enabled
    m.step(0); // CPU0's task ends: CPU0 has nothing left, its interrupt source still has budget
    expect(m.blocked(0)).toBe(false);
    expect(m.isEnabled(2)).toBe(false);
    expect(m.blocked(2)).toBe(true);
  });
});
