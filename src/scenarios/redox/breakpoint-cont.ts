/**
 * redox/breakpoint-cont — the tracer sets a breakpoint, the tracee reaches it
 * on another CPU, the tracer continues it; `ROUNDS` times, then the tracer
 * closes the handle.
 *
 * The tracee starts frozen (the tracer opened proc:<pid>/trace with O_TRUNC,
 * proc.rs:203-216) with a session open. Each round the tracer writes
 * STOP_BREAKPOINT on its blocking handle: at cf0a7620 that write continues
 * the last stop, sets the breakpoint and waits (proc.rs:430-465); at
 * cbb17327 the write sets the breakpoint and continues (:489-522) and the
 * read waits (:367-405). The tracee executes an int3 each round.
 */
import { nop } from '../../cpu/ops.ts';
import { RedoxKernel } from '../../kernel/redox/kernel.ts';
import { procClose, procRead, procWrite, type TraceHandle } from '../../kernel/redox/proc-scheme.ts';
import { newSession, STOP_BREAKPOINT } from '../../kernel/redox/ptrace.ts';
import { COMMIT, type RedoxVersion } from '../../kernel/redox/refs.ts';
import { int3 } from '../../kernel/redox/syscall.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { addTraceInvariants } from './invariants.ts';

const ROUNDS = 1;
const TRACE_ONLY = ['no-lost-wakeup', 'no-stuck-traced', 'deadlock', 'kernel-assert'];

export default defineScenario({
  name: 'redox/breakpoint-cont',
  summary: 'tracer sets a breakpoint, the tracee hits it on another CPU, the tracer continues it; once, then close',
  cpus: 2,
  invariants: ['no-lost-wakeup', 'no-stuck-traced', 'deadlock', 'no-missed-breakpoint', 'kernel-assert'],
  bounds: `${ROUNDS} breakpoint rounds`,
  variants: {
    '2019': {
      summary: 'WaitCondition without guard; cont and set_breakpoint in two critical sections',
      source: `redox@${COMMIT['2019']}`,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'no-lost-wakeup',
          why: 'W1/W2: a notify lands between the check and the push',
          only: TRACE_ONLY,
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: 'kernel code is not preempted on one CPU: no window opens',
          only: TRACE_ONLY,
        },
      ],
    },
    '2020': {
      summary: 'per-session data lock held across check-and-queue; breakpoint installed before the release',
      source: `redox@${COMMIT['2020']}`,
      expect: [
        { cpus: 2, verdict: 'holds', only: TRACE_ONLY },
        { cpus: 1, verdict: 'holds', only: TRACE_ONLY },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new RedoxKernel(b, variant as RedoxVersion);
    const tracer = k.spawn({
      name: 'tracer',
      cpu: 0,
      current: true,
      *body(k, me, ctx) {
        const h: TraceHandle = { session: s, tracer: me, children: [] };
        const clones: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          yield* procWrite(k, h, STOP_BREAKPOINT, clones, ctx);
          yield* procRead(k, h, clones, ctx);
        }
        yield* procClose(k, h, clones);
      },
    });
    const tracee = k.spawn({
      name: 'tracee',
      cpu: 1 % cpus,
      ptraceStop: true,
      *body(k, me, ctx) {
        for (let i = 0; i < ROUNDS; i++) {
          yield nop('user', 'user code up to int3');
          if (!(yield* int3(k, me, 0, ctx))) return;
        }
      },
    });
    const s = newSession(k, tracee, true);
    k.finish();
    addTraceInvariants(k, s, tracer, tracee);
    return b.build();
  },
});
