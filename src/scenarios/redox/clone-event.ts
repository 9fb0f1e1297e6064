/**
 * redox/clone-event — the tracee clones; the tracer, waiting for events with
 * EVENT_CLONE armed, reads the clone event and decides not to trace the child
 * (it closes its handle, which lets ignored children run, proc.rs
 * continue_ignored_children).
 *
 * Invariant child-runs-after-event: the child executes no user code before
 * the tracer has read its EVENT_CLONE (the freeze's purpose, process.rs:590
 * "Freeze the clone, allow ptrace to put breakpoints to it before it starts").
 *
 * The tracer writes EVENT_CLONE|STOP_BREAKPOINT: at cf0a7620 only a write
 * with a STOP bit installs a breakpoint (proc.rs:433), so EVENT_CLONE alone
 * would arm nothing; the parent never executes int3, so the BREAKPOINT bit
 * never stops it. The same op is used at cbb17327.
 */
import { check, nop } from '../../cpu/ops.ts';
import type { RedoxContext } from '../../kernel/redox/context.ts';
import { EVENT_CLONE, STOP_BREAKPOINT, STOP_POST_SYSCALL } from '../../kernel/redox/ptrace.ts';
import { COMMIT } from '../../kernel/redox/refs.ts';
import { defineScenario } from '../../model/scenario.ts';
import { traceSetup } from './setup.ts';

const ONLY = ['child-runs-after-event', 'lock-discipline'];
/** one CPU: also, every execution ends within the step bound */
const ONE_CPU_ONLY = [...ONLY, 'livelock'];

export default defineScenario({
  name: 'redox/clone-event',
  summary: 'the tracee clones; does the child run user code before the tracer has seen EVENT_CLONE?',
  cpus: 2,
  invariants: [...ONLY, 'kernel-assert'],
  variants: {
    '2019': {
      summary: 'child cpu_id = None and Runnable before the event is queued and before the freeze',
      source: `redox@${COMMIT['2019']}`,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'child-runs-after-event',
          why: 'the other CPU takes the unowned child before ptrace_stop is set',
          only: ONLY,
        },
        { cpus: 1, verdict: 'holds', why: 'the parent is not preempted between Runnable and the freeze', only: ONE_CPU_ONLY },
      ],
    },
    '2020': {
      summary: 'child pinned to pid % cpu_count, still Runnable before the event and the freeze',
      source: `redox@${COMMIT['2020']}`,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'child-runs-after-event',
          why: 'the child is pinned to the other CPU, which runs it before the freeze',
          only: ONLY,
        },
        { cpus: 1, verdict: 'holds', only: ONE_CPU_ONLY },
      ],
    },
  },
  build({ variant, cpus }) {
    let saw = -1;
    let child: RedoxContext | null = null;
    const { b } = traceSetup(
      variant,
      cpus,
      function* (k, h, clones, ctx) {
        yield* k.fn.procWrite(k, h, EVENT_CLONE | STOP_BREAKPOINT, clones, ctx);
        const events = yield* k.fn.procRead(k, h, clones, ctx);
        if (events.some((e) => e.cause === EVENT_CLONE)) ctx.ghost.set(saw, 1);
        yield nop('user', 'tracer decides not to trace the child');
        yield* k.fn.procClose(k, h, clones);
      },
      {
        *body(k, me, ctx) {
          const c = child as RedoxContext;
          yield* k.fn.syscall(k, me, 1, () => k.fn.cloneChild(k, me, c, c.pid, ctx), ctx);
        },
      },
      (k) => {
        saw = k.b.layout.ghost('ghost.tracer_saw_clone');
        child = k.spawn({
          name: 'child',
          cpu: null,
          created: true,
          *body(k, me, ctx) {
            // clone_ret (interrupt/syscall.rs:136) returns through the copied
            // syscall frame, so the child passes the POST_SYSCALL hook (:34) first;
            // it has no session, so the hook only looks it up.
            yield* k.fn.breakpointCallback(k, k.sessionOf(me), me, STOP_POST_SYSCALL, 0, ctx);
            yield check(
              'child-runs-after-event',
              [saw],
              (m) => (m[saw] === 0 ? 'the child runs user code before the tracer has read its EVENT_CLONE' : null),
              k.ref('src/arch/x86_64/interrupt/syscall.rs', 'clone_ret', 136, 136),
              'first user instruction of the child',
            );
          },
        });
        return [child];
      },
    );
    return b.build();
  },
});
