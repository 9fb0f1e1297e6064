/**
 * demo/publish — a producer fills a record and then sets its ready flag; a
 * consumer that finds the flag set reads the record. Both are raw tasks
 * (ModelBuilder.task), each given a CPU: with one CPU they share it and run
 * one after the other, in the order they were added (raw tasks have no
 * scheduler, so nothing preempts them). The consumer's loads are snapshots:
 * each copies the value it read into a ghost cell in the same step, so the
 * end check can ask what the consumer saw at the moment it read — a value
 * that lives only in the program otherwise. Variant flag-first, an invented
 * bug: the producer sets the flag before it fills the record.
 */
import { snapshot, store } from '../../cpu/ops.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';

export default defineScenario({
  name: 'demo/publish',
  summary: 'a producer fills a record, then sets its ready flag: does a consumer that sees the flag see the record?',
  cpus: 2,
  invariants: ['sees-record'],
  variants: {
    ordered: {
      summary: 'producer: rec = 42; ready = 1 — consumer: if (ready) r = rec',
      expect: [
        {
          cpus: 1,
          verdict: 'holds',
          why: 'one CPU: the producer runs to its end, then the consumer (raw tasks are not preempted)',
        },
        { cpus: 2, verdict: 'holds' },
        { cpus: 2, memoryModel: 'tso', verdict: 'holds', why: 'x86-TSO drains each CPU’s stores in program order' },
      ],
    },
    'flag-first': {
      summary: 'producer: ready = 1; rec = 42',
      expect: [
        { cpus: 2, verdict: 'violated', invariant: 'sees-record', why: 'the consumer runs between the two stores' },
        { cpus: 1, verdict: 'holds', why: 'one CPU: the producer runs to its end before the consumer starts' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const [rec, ready] = [b.layout.cell('rec'), b.layout.cell('ready')];
    const [sawReady, sawRec] = [b.layout.ghost('ghost.saw_ready'), b.layout.ghost('ghost.saw_rec')];
    const fill = () => store(rec, 42, here`producer`, 'rec = 42');
    const publish = () => store(ready, 1, here`producer`, 'ready = 1');
    const steps = variant === 'flag-first' ? [publish, fill] : [fill, publish];
    b.task({
      name: 'producer',
      startCpu: 0,
      program: function* () {
        for (const step of steps) yield step();
      },
    });
    b.task({
      name: 'consumer',
      startCpu: 1,
      program: function* () {
        if (yield snapshot(sawReady, ready, here`consumer`, 'if (ready)')) yield snapshot(sawRec, rec, here`consumer`, 'r = rec');
      },
    });
    const check = (m: ArrayLike<number>) =>
      m[sawReady] === 1 && m[sawRec] !== 42 ? `the consumer saw ready = 1 but rec = ${m[sawRec]}` : null;
    b.atEnd({ name: 'sees-record', check: (w) => check(w.mem) });
    return b.build();
  },
});
