/**
 * bench/locked-counter — N CPUs each increment a shared counter twice under
 * a spinlock (load, then store plus one). A scaling benchmark with a SPIN
 * mirror step for step (counter_nN.pml under the shared SPIN anchors): the
 * same state space in both tools, so their speeds can be compared.
 */
import { load, spinLock, spinUnlock, store } from '../../cpu/ops.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const REF = 'bench locked-counter';
/** increments per CPU */
const K = 2;

export default defineScenario({
  name: 'bench/locked-counter',
  summary: 'N CPUs each take a spinlock, load a counter, store it plus one, unlock — twice: the counter ends at 2N',
  cpus: 2,
  invariants: ['no-lost-update'],
  variants: {
    locked: {
      summary: 'spin_lock(&l); x = c; c = x + 1; spin_unlock(&l) — twice per CPU',
      expect: [2, 3, 4, 5, 6].map((cpus) => ({ cpus, verdict: 'holds' as const })),
    },
  },
  build({ cpus }) {
    const b = new ModelBuilder(cpus);
    const c = b.layout.cell('c');
    const l = b.layout.spinlock('l');
    for (let i = 0; i < cpus; i++) {
      b.task({
        name: `P${i}`,
        startCpu: i,
        *program() {
          for (let k = 0; k < K; k++) {
            yield spinLock(l, REF, 'spin_lock(&l)');
            const x: number = yield load(c, REF, 'x = c');
            yield store(c, x + 1, REF, 'c = x + 1');
            yield spinUnlock(l, REF, 'spin_unlock(&l)');
          }
        },
      });
    }
    b.atEnd({
      name: 'no-lost-update',
      check: (w) => (w.mem[c] !== cpus * K ? `c = ${w.mem[c]}, not ${cpus * K}` : null),
    });
    return b.build();
  },
});
