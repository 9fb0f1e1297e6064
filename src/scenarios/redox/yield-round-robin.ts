/**
 * redox/yield-round-robin — a context yields the CPU while another context
 * of its CPU is runnable. sched_yield is `context::switch(); Ok(0)`
 * (src/syscall/time.rs:46-49 @cf0a7620, :69-72 @cbb17327), and switch()
 * scans the contexts map, a BTreeMap in id order (context/list.rs:15), for
 * a runnable context first among the ids above the current one
 * (switch.rs:97-108 / :98-109), then, only when it found none, among those
 * below (:110-122 / :111-123): round-robin. runnable() (:56-59) never
 * takes the current context (its `running` is true), so a context that
 * yields runs again only after every other context runnable on its CPU.
 *
 * CPU 0's contexts: its idle context (kmain's, the lowest id), `yielder`
 * (current) and `other` (runnable, the highest id; it runs its user code,
 * then exits). yielder's switch takes other (the first pass); other's exit
 * switch takes idle (the second pass: no id above other's), and idle's
 * takes yielder.
 *
 * Invariant yielded: when sched_yield returns to yielder, other has run.
 * Without the first pass's lower bound the scan would start at the lowest
 * id: idle, always runnable when it does not run, then yielder again, and
 * other would wait for as long as yielder yields.
 *
 * Variant yield-no-switch (an invented bug): sched_yield returns Ok(0)
 * without calling switch().
 */
import { check, nop } from '../../cpu/ops.ts';
import { RedoxKernel } from '../../kernel/redox/kernel.ts';
import { COMMIT, type RedoxVersion } from '../../kernel/redox/refs.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const YIELDED = 'yielded';
const INVARIANTS = [YIELDED, 'kernel-assert', 'lock-discipline', 'livelock'];

export default defineScenario({
  name: 'redox/yield-round-robin',
  summary: 'sched_yield while another context of the CPU is runnable: has it run when the yield returns?',
  cpus: 1,
  invariants: INVARIANTS,
  bounds: 'CPU 0 with its idle context, one context that yields and one that runs, then exits',
  variants: {
    '2019': {
      summary: 'sched_yield is switch(); switch() scans ids above the current one, then below',
      source: `redox@${COMMIT['2019']} src/syscall/time.rs:46-49 sched_yield, src/context/switch.rs:56-122`,
      expect: [
        { cpus: 1, verdict: 'holds', why: 'yielder’s switch takes other (the first id above it); idle’s takes yielder back' },
        { cpus: 2, verdict: 'holds', why: 'both contexts are CPU 0’s; CPU 1 stays in its idle loop' },
      ],
    },
    '2020': {
      summary: 'the same sched_yield and scan',
      source: `redox@${COMMIT['2020']} src/syscall/time.rs:69-72 sched_yield, src/context/switch.rs:56-123`,
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    'yield-no-switch': {
      summary: 'sched_yield returns Ok(0) without switch() (an invented bug)',
      source: `redox@${COMMIT['2019']} with sched_yield changed`,
      expect: [
        { cpus: 1, verdict: 'violated', invariant: YIELDED, why: 'nothing switches: yielder goes on and other has not run' },
        { cpus: 2, verdict: 'violated', invariant: YIELDED },
      ],
    },
  },
  build({ variant, cpus }) {
    const noSwitch = variant === 'yield-no-switch';
    const b = new ModelBuilder(cpus);
    const k = new RedoxKernel(b, (noSwitch ? '2019' : variant) as RedoxVersion);
    const ran = b.layout.ghost('ghost.other_ran');
    const T = 'src/syscall/time.rs';
    k.spawn({
      name: 'yielder',
      cpu: 0,
      current: true,
      *body(k, me, ctx) {
        yield* k.fn.syscall(
          k,
          me,
          1,
          function* () {
            yield nop(k.ref(T, 'sched_yield', 46, 69), 'sched_yield()');
            if (!noSwitch) yield* k.fn.contextSwitch(k, ctx); // :47 / :70
          },
          ctx,
        );
        yield check(
          YIELDED,
          [ran],
          (m) => (m[ran] === 0 ? 'sched_yield returned to yielder and other, runnable on its CPU, has not run' : null),
          k.ref(T, 'sched_yield', 48, 71),
          'Ok(0)',
        );
      },
    });
    k.spawn({
      name: 'other',
      cpu: 0,
      *body(_k, _me, ctx) {
        ctx.ghost.set(ran, 1);
        yield nop('user', 'user code, then exit()');
      },
    });
    k.finish();
    return b.build();
  },
});
