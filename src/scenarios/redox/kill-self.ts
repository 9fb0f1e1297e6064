/**
 * redox/kill-self — a context sends itself a signal while another context
 * of its CPU is runnable. kill() queues the signal and then calls switch()
 * "to ensure delivery to self" (process.rs:1286-1287 @cf0a7620, :1291-1292
 * @cbb17327): the signal is delivered only by switch(), which pops it from
 * `pending` of the context it picks (switch.rs:99-108 / :100-109) and
 * redirects that context to its handler. The kill returns to user mode
 * only after the handler ran.
 *
 * The CPU's contexts: its idle context (the lowest id, kmain's), `other`
 * (runnable, then exits) and `killer` (current, the highest id). killer's
 * switch picks idle (the second pass, ids below it); idle's picks other;
 * other's exit switch finds killer in the first pass (ids above it), pops
 * the signal and must stop there: the second pass (ids below, where idle is
 * runnable) runs only when the first found nothing (switch.rs:110).
 *
 * Invariant signal-delivered: when kill() returns to killer's user code,
 * killer's handler has run. The known bug put back (variant
 * 2019-kill-no-switch): kill() without that switch, as before commit
 * c912f428 (2018-01-03, "fix signal delivery to self").
 */
import { check, nop, rmw, writeLock, writeUnlock } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { RedoxKernel } from '../../kernel/redox/kernel.ts';
import { COMMIT, type RedoxVersion } from '../../kernel/redox/refs.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';

const SIGNAL_DELIVERED = 'signal-delivered';
const INVARIANTS = [SIGNAL_DELIVERED, 'kernel-assert', 'lock-discipline', 'livelock'];

export default defineScenario({
  name: 'redox/kill-self',
  summary: 'kill(self) while another context of the CPU is runnable: has the handler run when kill returns?',
  cpus: 1,
  invariants: INVARIANTS,
  bounds: 'CPU 0 with its idle context, one context that exits and one kill(self)',
  variants: {
    '2019': {
      summary: 'kill() then switch(); switch() scans ids above the current one, then below',
      source: `redox@${COMMIT['2019']}`,
      expect: [
        { cpus: 1, verdict: 'holds', why: 'the exit switch picks killer and pops its signal; the second pass does not run' },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    '2020': {
      summary: 'the same kill() and scan',
      source: `redox@${COMMIT['2020']}`,
      expect: [
        { cpus: 1, verdict: 'holds' },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    '2019-kill-no-switch': {
      summary: 'kill() without its switch(), as before c912f428 ("fix signal delivery to self")',
      source: `redox@${COMMIT['2019']} with kill() before c912f428`,
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: SIGNAL_DELIVERED,
          why: 'nothing switches between the queueing and the return to user mode',
        },
        { cpus: 2, verdict: 'violated', invariant: SIGNAL_DELIVERED },
      ],
    },
  },
  build({ variant, cpus }) {
    const noSwitch = variant === '2019-kill-no-switch';
    const b = new ModelBuilder(cpus);
    const k = new RedoxKernel(b, (noSwitch ? '2019' : variant) as RedoxVersion);
    const handled = b.layout.ghost('ghost.killer_handler_ran');
    k.spawn({
      name: 'other',
      cpu: 0,
      *body() {
        yield nop('user', 'user code, then exit()');
      },
    });
    k.spawn({
      name: 'killer',
      cpu: 0,
      current: true,
      sigNo: SIG.SIGUSR1,
      *onSignal(k, me, ctx) {
        ctx.ghost.set(handled, 1);
        yield nop('user', 'the SIGUSR1 handler');
        yield* k.fn.syscall(k, me, 2, () => k.fn.sigreturn(k, me, ctx), ctx);
      },
      *body(k, me, ctx) {
        yield* k.fn.syscall(k, me, 1, () => k.fn.killSelf(k, me, ctx), ctx);
        yield check(
          SIGNAL_DELIVERED,
          [handled],
          (m) => (m[handled] === 0 ? 'kill(self) returned to user mode and the SIGUSR1 handler has not run' : null),
          k.ref('src/syscall/process.rs', 'kill', 1286, 1291),
          'kill() returned: "Switch to ensure delivery to self"',
        );
      },
    });
    if (noSwitch) {
      k.override('killSelf', function* (k, me) {
        // the queueing of killSelf (syscall.ts), and no switch after it
        const P = 'src/syscall/process.rs';
        yield writeLock(me.lock, k.ref(P, 'kill', 1222, 1227), `${me.name}.write()`);
        yield rmw(me.pending.addr, (p) => p + 1, k.ref(P, 'kill', 1222, 1227), `pending.push_back(${me.sigNo})`);
        yield writeUnlock(me.lock, k.ref(P, 'kill', 1222, 1227), `drop ${me.name}.write()`);
      });
    }
    k.finish();
    return b.build();
  },
});
