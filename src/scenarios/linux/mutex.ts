/**
 * linux/mutex — two tasks take a sleeping mutex around a critical section
 * (Linux 6.6 kernel/locking/mutex.c). The loser sleeps on the FIFO wait
 * list; mutex_unlock finds MUTEX_FLAG_WAITERS and wakes it. Variants:
 * waiters-flag-lost, an invented bug: __mutex_add_waiter queues the waiter
 * but never sets MUTEX_FLAG_WAITERS, so the owner's mutex_unlock takes the
 * fast path and wakes nobody; abba, two mutexes taken in opposite orders:
 * both tasks end asleep, each waiting for the mutex the other holds — a
 * deadlock no CPU spins on (both CPUs idle), found as a cycle of sleepers.
 */
import { nop, rmw } from '../../cpu/ops.ts';
import { fifoAddTail } from '../../kernel/common/fifo.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel, type TaskBody } from '../../kernel/linux/kernel.ts';
import type { Mutex } from '../../kernel/linux/mutex.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { MachineView } from '../../model/types.ts';

export default defineScenario({
  name: 'linux/mutex',
  summary:
    'two tasks take a sleeping mutex (Linux 6.6): one at a time, and the one that sleeps is woken; two mutexes in opposite orders deadlock',
  cpus: 2,
  invariants: ['mutual-exclusion', 'no-lost-wakeup', 'deadlock', 'lock-discipline', 'legal-transition', 'runqueue-sane'],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'mutex_lock; critical section; mutex_unlock — in both tasks',
      source: 'linux-6.6 kernel/locking/mutex.c:568-741 __mutex_lock_common, 901-952 __mutex_unlock_slowpath',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'waiters-flag-lost': {
      summary: '__mutex_add_waiter without __mutex_set_flag(lock, MUTEX_FLAG_WAITERS)',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the owner unlocks by the fast path (no WAITERS flag) while the other task sleeps on the wait list',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'a tick preempts the owner; the other task queues and sleeps; the owner unlocks by the fast path',
        },
      ],
    },
    abba: {
      summary: 'A takes M1 then M2, B takes M2 then M1',
      expect: [
        { cpus: 2, verdict: 'violated', invariant: 'deadlock', why: 'A holds M1 and sleeps on M2, B holds M2 and sleeps on M1' },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'deadlock',
          why: 'a tick preempts A between its two mutex_lock calls: the same cycle of sleepers on one CPU',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    const [m1, m2] = [k.mutex('M1'), k.mutex('M2')];
    const inside = b.layout.ghost('ghost.inside');
    if (variant === 'waiters-flag-lost') {
      k.override('__mutex_add_waiter', function* (_k, ctx, lock) {
        const add = (l: number) => fifoAddTail(l, ctx.self);
        yield rmw(lock.wait_list, add, here`__mutex_add_waiter`, 'list_add_tail(&waiter->list, list); no WAITERS flag');
      });
    }
    const body = (first: Mutex, second: Mutex | null): TaskBody =>
      function* (k, _me, ctx) {
        yield* k.fn.mutex_lock(k, ctx, first);
        if (second) yield* k.fn.mutex_lock(k, ctx, second);
        ctx.ghost.add(inside, 1);
        yield nop(here`critical section`, 'the critical section');
        ctx.ghost.add(inside, -1);
        if (second) yield* k.fn.mutex_unlock(k, ctx, second);
        yield* k.fn.mutex_unlock(k, ctx, first);
      };
    k.spawn('A', 0, body(m1, variant === 'abba' ? m2 : null));
    k.spawn('B', 1, variant === 'abba' ? body(m2, m1) : body(m1, null));
    k.finish();
    registerLinuxInvariants(b, k);
    const twoInside = (w: MachineView) => ((w.mem[inside] as number) > 1 ? 'two tasks are inside the critical section' : null);
    b.invariant({ name: 'mutual-exclusion', watch: [inside], check: twoInside });
    return b.build();
  },
});
