/**
 * redox/clone-traced — as redox/clone-event, but the tracer traces the
 * child: having read EVENT_CLONE it opens proc:<child>/trace with O_TRUNC
 * (a session of the child's own), then closes its handle on the parent.
 * The close continues the clones nobody traces (proc.rs
 * continue_ignored_children, @cf0a7620 :114-130, @cbb17327 :149-163: `if
 * ptrace::is_traced(pid) { continue; }`), so the traced child stays frozen
 * until its own tracer lets it go (here, by closing the child's handle).
 *
 * Invariant traced-child-frozen: the child's ptrace_stop is cleared only by
 * the handle that traces it. child-runs-after-event as in clone-event: on
 * two CPUs each version's child can run before its freeze (the known bug
 * that scenario shows), which the two-CPU rows keep.
 */
import { check, nop } from '../../cpu/ops.ts';
import type { RedoxContext } from '../../kernel/redox/context.ts';
import type { TraceHandle } from '../../kernel/redox/proc-scheme.ts';
import { EVENT_CLONE, newSession, type Session, STOP_BREAKPOINT, STOP_POST_SYSCALL } from '../../kernel/redox/ptrace.ts';
import { COMMIT } from '../../kernel/redox/refs.ts';
import { defineScenario } from '../../model/scenario.ts';
import { traceSetup } from './setup.ts';

const FROZEN = 'traced-child-frozen';
const ONLY = ['child-runs-after-event', FROZEN, 'lock-discipline'];
/** one CPU: also, every execution ends within the step bound */
const ONE_CPU_ONLY = [...ONLY, 'livelock'];

export default defineScenario({
  name: 'redox/clone-traced',
  summary: 'the tracer traces the clone child, then closes its handle on the parent: does the child stay frozen?',
  cpus: 2,
  invariants: [...ONLY, 'kernel-assert'],
  variants: {
    '2019': {
      summary: 'continue_ignored_children skips a pid is_traced() finds in SESSIONS',
      source: `redox@${COMMIT['2019']}`,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'child-runs-after-event',
          why: 'as in clone-event: the other CPU takes the unowned child before ptrace_stop is set',
          only: ONLY,
        },
        { cpus: 1, verdict: 'holds', why: 'the child stays frozen until its own handle is closed', only: ONE_CPU_ONLY },
      ],
    },
    '2020': {
      summary: 'the same test, the session map under its own RwLock',
      source: `redox@${COMMIT['2020']}`,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'child-runs-after-event',
          why: 'as in clone-event: the child is pinned to the other CPU, which runs it before the freeze',
          only: ONLY,
        },
        { cpus: 1, verdict: 'holds', only: ONE_CPU_ONLY },
      ],
    },
  },
  build({ variant, cpus }) {
    let saw = -1;
    let released = -1;
    let child: RedoxContext | null = null;
    let childSession: Session | null = null;
    const { b } = traceSetup(
      variant,
      cpus,
      function* (k, h, clones, ctx) {
        yield* k.fn.procWrite(k, h, EVENT_CLONE | STOP_BREAKPOINT, clones, ctx);
        const events = yield* k.fn.procRead(k, h, clones, ctx);
        if (events.some((e) => e.cause === EVENT_CLONE)) ctx.ghost.set(saw, 1);
        const ch: TraceHandle = { session: childSession as Session, tracer: h.tracer, children: [] };
        const traced = yield* k.fn.procOpenTrace(k, ch.session);
        yield nop('user', `tracer ${traced ? 'traces' : 'could not trace'} the child, and lets the parent go`);
        yield* k.fn.procClose(k, h, clones);
        ctx.ghost.set(released, 1);
        if (traced) yield* k.fn.procClose(k, ch, []);
      },
      {
        *body(k, me, ctx) {
          const c = child as RedoxContext;
          yield* k.fn.syscall(k, me, 1, () => k.fn.cloneChild(k, me, c, c.pid, ctx), ctx);
        },
      },
      (k) => {
        saw = k.b.layout.ghost('ghost.tracer_saw_clone');
        released = k.b.layout.ghost('ghost.tracer_released_child');
        child = k.spawn({
          name: 'child',
          cpu: null,
          created: true,
          *body(k, me, ctx) {
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
        childSession = newSession(k, child, false);
        const stop = child.ptraceStop.addr;
        k.b.onChange({
          name: FROZEN,
          watch: [stop],
          reads: [released],
          check: (_addr, from, to, w) =>
            from !== 0 && to === 0 && w.mem[released] === 0
              ? "the traced child's ptrace_stop is cleared before its tracer let it go (by the parent's handle)"
              : null,
        });
        return [child];
      },
    );
    return b.build();
  },
});
