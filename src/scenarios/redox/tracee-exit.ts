/**
 * redox/tracee-exit — the tracer waits for a breakpoint stop; the tracee
 * exits instead. exit() notifies the tracer: close_tracee at cf0a7620
 * (process.rs:1150, ptrace.rs:293-304: breakpoint = None, tracer.notify()),
 * close_session at cbb17327 (process.rs:1155, ptrace.rs:159-167: remove,
 * notify both, without the session's `data` lock). Does the tracer's wait
 * always end?
 */
import { nop } from '../../cpu/ops.ts';
import { STOP_BREAKPOINT } from '../../kernel/redox/ptrace.ts';
import { COMMIT } from '../../kernel/redox/refs.ts';
import { defineScenario } from '../../model/scenario.ts';
import { addTraceInvariants } from './invariants.ts';
import { traceSetup } from './setup.ts';

const ONLY = ['no-lost-wakeup', 'no-stuck-traced', 'deadlock', 'kernel-assert', 'lock-discipline'];

export default defineScenario({
  name: 'redox/tracee-exit',
  summary: 'the tracer waits for a breakpoint, the tracee exits on another CPU: does the tracer wake up?',
  cpus: 2,
  invariants: ONLY,
  variants: {
    '2019': {
      summary: 'close_tracee notifies after the tracer checked and before it queued itself (no lock covers the gap)',
      source: `redox@${COMMIT['2019']}`,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'the tracer queues itself after close_tracee notified',
          only: ONLY,
        },
        { cpus: 1, verdict: 'holds', why: 'every invariant, the lock rules and the step bound among them' },
      ],
    },
    '2020': {
      summary: 'close_session notifies without the data lock the tracer checks under',
      source: `redox@${COMMIT['2020']}`,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'W5: the data lock the tracer holds is not the one close_session notifies under',
          only: ONLY,
        },
        { cpus: 1, verdict: 'holds', why: 'every invariant, the lock rules and the step bound among them' },
      ],
    },
  },
  build({ variant, cpus }) {
    const { b, k, s, tracer, tracee } = traceSetup(
      variant,
      cpus,
      function* (k, h, clones, ctx) {
        yield* k.fn.procWrite(k, h, STOP_BREAKPOINT, clones, ctx);
        yield* k.fn.procRead(k, h, clones, ctx);
        yield* k.fn.procClose(k, h, clones);
      },
      {
        *body() {
          yield nop('user', 'user code, then exit() without reaching a breakpoint');
        },
      },
    );
    addTraceInvariants(k, s, tracer, tracee);
    return b.build();
  },
});
