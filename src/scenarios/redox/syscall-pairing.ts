/**
 * redox/syscall-pairing — the tracer asks for PRE_SYSCALL and POST_SYSCALL
 * stops; the tracee calls kill(self, SIGUSR1), whose handler makes a
 * syscall (the example of the 2019 ptrace write-up).
 *
 * What happens (tags name the invocations): kill#1 enters (PRE#1); kill
 * queues the signal and switches (process.rs:1287); the switch back delivers
 * it on top of kill's frame (switch.rs:145-156); the handler's syscall X
 * (PRE#2, POST#2); the restorer's SYS_SIGRETURN (PRE#3, and no POST: it never
 * returns, process.rs:1422-1434); kill resumes (POST#1).
 *
 * What the tracer observes: only each event's cause (PRE or POST); a
 * PtraceEvent carries no syscall number. It pairs a POST with the latest
 * PRE not yet paired (a stack), the only pairing its observations allow.
 * Invariant syscall-pairing: for every POST event, the PRE it is paired with
 * has the same tag, i.e. is the stop of the same invocation. The tag rides
 * in the event as a model-only field (ptrace.ts) and only the check reads it.
 */
import { check, nop } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { type QueuedEvent, STOP_POST_SYSCALL, STOP_PRE_SYSCALL } from '../../kernel/redox/ptrace.ts';
import { COMMIT } from '../../kernel/redox/refs.ts';
import { syscall } from '../../kernel/redox/syscall.ts';
import { defineScenario } from '../../model/scenario.ts';
import { addTraceInvariants } from './invariants.ts';
import { traceSetup } from './setup.ts';

const NAMES = ['', 'kill', 'X (in the handler)', 'sigreturn'];
/** PRE kill, PRE X, POST X, PRE sigreturn, POST kill */
const STOPS = 5;
const ONLY = ['syscall-pairing', 'lock-discipline'];
/** The rows also check that each execution ends within the step bound (a signal frame entered on every resume loops). */
const ROW_ONLY = [...ONLY, 'livelock'];
/** The hooks are the same at both commits: the pairing fails the same way, with or without a second CPU. */
const PAIRING_FAILS = [
  { cpus: 1, verdict: 'violated', invariant: 'syscall-pairing', why: 'POST kill is paired with PRE sigreturn', only: ROW_ONLY },
  { cpus: 2, verdict: 'violated', invariant: 'syscall-pairing', only: ROW_ONLY },
] as const;

export default defineScenario({
  name: 'redox/syscall-pairing',
  summary: 'PRE/POST syscall stops around a signal handler that makes a syscall: can the tracer pair every POST with its PRE?',
  cpus: 2,
  invariants: [...ONLY, 'no-lost-wakeup', 'no-stuck-traced', 'deadlock', 'no-missed-breakpoint', 'kernel-assert'],
  bounds: 'one kill(self) with one syscall in the handler',
  variants: {
    '2019': {
      summary: 'PRE and POST told apart by the event cause (since part 6, 3ac1416d); sigreturn has no POST',
      source: `redox@${COMMIT['2019']}`,
      expect: PAIRING_FAILS,
    },
    '2020': {
      summary: 'same hooks (interrupt/syscall.rs unchanged)',
      source: `redox@${COMMIT['2020']}`,
      expect: PAIRING_FAILS,
    },
  },
  build({ variant, cpus }) {
    const { b, k, s, tracer, tracee } = traceSetup(
      variant,
      cpus,
      function* (k, h, clones, ctx) {
        const open: QueuedEvent[] = [];
        let seen = 0;
        while (seen < STOPS) {
          yield* k.fn.procWrite(k, h, STOP_PRE_SYSCALL | STOP_POST_SYSCALL, clones, ctx);
          const events = yield* k.fn.procRead(k, h, clones, ctx);
          for (const e of events) {
            seen++;
            if (e.cause === STOP_PRE_SYSCALL) open.push(e);
            if (e.cause !== STOP_POST_SYSCALL) continue;
            const pre = open.pop();
            yield check(
              'syscall-pairing',
              [],
              () =>
                pre === undefined
                  ? `a POST stop of ${NAMES[e.tag]} with no PRE stop left to pair it with`
                  : pre.tag !== e.tag
                    ? `the tracer pairs the POST stop of ${NAMES[e.tag]} with the PRE stop of ${NAMES[pre.tag]}`
                    : null,
              'user tracer',
              'pair the POST with the latest unpaired PRE',
            );
          }
        }
        yield* k.fn.procClose(k, h, clones);
      },
      {
        sigNo: SIG.SIGUSR1,
        *onSignal(k, me, ctx) {
          yield* syscall(
            k,
            me,
            2,
            function* () {
              yield nop('user', 'syscall X');
            },
            ctx,
          );
          yield* k.fn.syscall(k, me, 3, () => k.fn.sigreturn(k, me, ctx), ctx);
        },
        *body(k, me, ctx) {
          yield* k.fn.syscall(k, me, 1, () => k.fn.killSelf(k, me, ctx), ctx);
        },
      },
    );
    addTraceInvariants(k, s, tracer, tracee);
    return b.build();
  },
});
