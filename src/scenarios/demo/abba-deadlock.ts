/**
 * demo/abba-deadlock — two paths take two spinlocks in opposite orders
 * (buggy) or in the same order (fixed). On two CPUs the buggy order can leave
 * each CPU spinning on the lock the other holds.
 */
import { spinLock, spinUnlock } from '../../cpu/ops.ts';
import { ToyKernel } from '../../kernel/demo/toy-sched.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const REF = 'demo abba-deadlock';

export default defineScenario({
  name: 'demo/abba-deadlock',
  summary: 'two paths take locks A and B: in opposite orders (buggy) or the same order (fixed)',
  cpus: 2,
  invariants: ['deadlock'],
  variants: {
    buggy: {
      summary: 'path 1 takes A then B, path 2 takes B then A',
      expect: [
        { cpus: 2, verdict: 'violated', invariant: 'deadlock', why: 'each CPU holds one lock and spins on the other' },
        { cpus: 1, verdict: 'holds', why: 'no preemption: one path releases both locks before the other starts' },
      ],
    },
    fixed: {
      summary: 'both paths take A then B',
      expect: [{ cpus: 2, verdict: 'holds' }],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new ToyKernel(b);
    const A = b.layout.spinlock('A');
    const B = b.layout.spinlock('B');
    const [first, second] = variant === 'buggy' ? [B, A] : [A, B];
    k.spawn('path1', 0, function* () {
      yield spinLock(A, `${REF} path1`, 'spin_lock(&A)');
      yield spinLock(B, `${REF} path1`, 'spin_lock(&B)');
      yield spinUnlock(B, `${REF} path1`, 'spin_unlock(&B)');
      yield spinUnlock(A, `${REF} path1`, 'spin_unlock(&A)');
    });
    k.spawn('path2', 1, function* () {
      yield spinLock(first, `${REF} path2`, `spin_lock(&${first === A ? 'A' : 'B'})`);
      yield spinLock(second, `${REF} path2`, `spin_lock(&${second === A ? 'A' : 'B'})`);
      yield spinUnlock(second, `${REF} path2`, `spin_unlock(&${second === A ? 'A' : 'B'})`);
      yield spinUnlock(first, `${REF} path2`, `spin_unlock(&${first === A ? 'A' : 'B'})`);
    });
    k.finish();
    return b.build();
  },
});
