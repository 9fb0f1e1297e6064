/**
 * linux/wait-on-bit — a task waits for a bit of a word to clear
 * (wait_on_bit, TASK_UNINTERRUPTIBLE) while another clears it, then
 * smp_mb() and wake_up_bit() (Linux 6.6 kernel/sched/wait_bit.c).
 * __wait_on_bit queues the waiter on the bit's wait queue and sets its state
 * (prepare_to_wait) before it tests the bit, so the clearer either sees the
 * queue non-empty and wakes it, or the waiter sees the bit clear. Variant
 * test-then-queue, an invented bug: __wait_on_bit tests the bit, then
 * queues itself and sleeps without testing again — a clear and a wake_up_bit
 * between the two find an empty queue.
 */
import { fence, load, store } from '../../cpu/ops.ts';
import { TASK_UNINTERRUPTIBLE } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants, sleepsWhile } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';

const BIT = 1 << 3;

export default defineScenario({
  name: 'linux/wait-on-bit',
  summary: 'wait_on_bit against clear_bit; smp_mb(); wake_up_bit() from another CPU: is the waiter always woken? (Linux 6.6)',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: '1 scheduler tick per CPU',
  variants: {
    'linux-6.6': {
      summary: 'wait_on_bit(&word, 3, TASK_UNINTERRUPTIBLE) — clear_bit(3, &word); smp_mb(); wake_up_bit(&word, 3)',
      source: 'linux-6.6 kernel/sched/wait_bit.c:46-59 __wait_on_bit, 121-127 __wake_up_bit',
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO store buffers on both CPUs: the same answer' },
      ],
    },
    'test-then-queue': {
      summary: '__wait_on_bit tests the bit before prepare_to_wait and not after',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the clear and wake_up_bit land between the test and the queueing: the wake finds no waiter',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'a tick preempts the waiter between its test and its queueing',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: 1 });
    const word = b.layout.cell('word', BIT);
    k.bitWaitqueue(word, BIT);
    if (variant === 'test-then-queue') {
      k.override('__wait_on_bit', function* (k, ctx, wq, mode) {
        const w: number = yield load(word, here`__wait_on_bit`, 'if (test_bit(bit, word))');
        if (w & BIT) {
          yield* k.fn.prepare_to_wait(k, ctx, wq, mode);
          yield* k.fn.bit_wait(k, ctx, mode); // no test after queueing
        }
        yield* k.fn.finish_wait(k, ctx, wq);
        return 0;
      });
    }
    const waiter = k.spawn('waiter', 0, function* (k, _me, ctx) {
      yield* k.fn.wait_on_bit(k, ctx, word, BIT, TASK_UNINTERRUPTIBLE);
    });
    k.spawn('clearer', 1, function* (k, _me, ctx) {
      yield store(word, 0, here`clearer`, 'clear_bit(3, &word)');
      yield fence(here`clearer`, 'smp_mb()');
      yield* k.fn.wake_up_bit(k, ctx, word, BIT);
    });
    k.finish();
    const clear = sleepsWhile(waiter, 'the bit is clear', (m) => ((m[word] as number) & BIT) === 0, TASK_UNINTERRUPTIBLE);
    registerLinuxInvariants(b, k, { sleepsFor: [clear] });
    return b.build();
  },
});
