/**
 * redox/wait-again — the tracer waits for something that has already
 * happened, and the wait must return at once:
 * - at cf0a7620, after the stop it waited for, it writes PTRACE_FLAG_WAIT
 *   alone, which neither continues nor re-arms (proc.rs:430-435) and only
 *   waits (:463-465): the tracee is still at its reached breakpoint, so
 *   ptrace::wait returns without sleeping (ptrace.rs:218, `_ => return
 *   Ok(())`);
 * - at cbb17327 the blocking read waits (proc.rs:373-375); after the tracee
 *   exited and close_session removed the session, the tracer reads again:
 *   ptrace::wait finds no session and returns (ptrace.rs:230-232), and the
 *   read fails with ENODEV instead of sleeping.
 * The two versions wait in different calls (the write at cf0a7620, the read
 * at cbb17327), so each variant's tracer uses its own version's call.
 *
 * On two CPUs each version's known window opens first (W1/W2 at cf0a7620: a
 * notify lands between the check and the push; W5 at cbb17327: close_session
 * notifies without the data lock the tracer checks under).
 */
import { nop } from '../../cpu/ops.ts';
import { FLAG_WAIT, STOP_BREAKPOINT } from '../../kernel/redox/ptrace.ts';
import { COMMIT } from '../../kernel/redox/refs.ts';
import { defineScenario } from '../../model/scenario.ts';
import { addTraceInvariants } from './invariants.ts';
import { traceSetup } from './setup.ts';

const ONLY = ['no-lost-wakeup', 'no-stuck-traced', 'deadlock', 'kernel-assert', 'lock-discipline'];

export default defineScenario({
  name: 'redox/wait-again',
  summary: 'the tracer waits again for a stop it has seen (2019) or a tracee that is gone (2020): does the wait return?',
  cpus: 2,
  invariants: [...ONLY, 'no-missed-breakpoint'],
  variants: {
    '2019': {
      summary: 'PTRACE_FLAG_WAIT alone after the breakpoint stop: no cont, only ptrace::wait',
      source: `redox@${COMMIT['2019']}`,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'W1/W2: a notify lands between the check and the push',
          only: ONLY,
        },
        { cpus: 1, verdict: 'holds', why: 'every invariant, the lock rules and the step bound among them' },
      ],
    },
    '2020': {
      summary: 'a second blocking read after the tracee exited and its session was removed',
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
    const v2019 = variant === '2019';
    const { b, k, s, tracer, tracee } = traceSetup(
      variant,
      cpus,
      function* (k, h, clones, ctx) {
        yield* k.fn.procWrite(k, h, STOP_BREAKPOINT, clones, ctx);
        if (v2019) {
          yield* k.fn.procWrite(k, h, FLAG_WAIT, clones, ctx);
        } else {
          yield* k.fn.procRead(k, h, clones, ctx);
          yield* k.fn.procRead(k, h, clones, ctx);
        }
        yield* k.fn.procClose(k, h, clones);
      },
      {
        *body(k, me, ctx) {
          if (v2019) {
            yield nop('user', 'user code up to int3');
            if (!(yield* k.fn.int3(k, me, 0, ctx))) return;
          }
          yield nop('user', 'user code, then exit()');
        },
      },
    );
    addTraceInvariants(k, s, tracer, tracee);
    return b.build();
  },
});
