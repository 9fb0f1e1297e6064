/**
 * selfptrace/intercept-twice — interception is a protocol over many
 * syscalls, not one: a syscall made before the process arms is not
 * intercepted (the RFC: PT_SELF and TIF_SYSCALL_TRACE clear; SUD: before the
 * prctl, SYSCALL_WORK_SYSCALL_USER_DISPATCH clear, so
 * __syscall_enter_from_user_work never calls syscall_user_dispatch,
 * linux-6.6 kernel/entry/common.c:91 and :58-61); once armed, every
 * syscall is intercepted, the second as well as the first. The first
 * SIGSYS handler re-arms and returns through rt_sigreturn, which must put
 * back the mask that handle_signal saved (SIGSYS unblocked again), else
 * the second force_sig_info finds SIGSYS blocked, resets it to SIG_DFL and
 * the process dies (linux-6.6 kernel/signal.c:1344-1365
 * force_sig_info_to_task), or, where SIGSYS is sent rather than forced (the
 * RFC's send_sig), it stays pending and blocked and the tracer never hears
 * of the second interception. Invariant sigsys-delivered: once the last
 * syscall is back in user mode, the tracer's handler has run once per
 * interception (the RFC's cover letter: the syscall "is not done and the
 * caller gets SIGSYS"; SUD: trigger_sigsys, syscall_user_dispatch.c:67).
 *
 * The known-buggy counterpart, sud-restorer-outside: the signal restorer
 * lies outside the allowed region, which the interface's documentation
 * warns against (Documentation/admin-guide/syscall-user-dispatch.rst: the
 * region "provides a way for the signal handler to return without
 * triggering a nested SIGSYS on (rt_)sigreturn. Users of this interface
 * should make sure that at least the signal trampoline code is included in
 * this region"): the handler's rt_sigreturn is dispatched while SIGSYS is
 * still blocked, and the process dies of it.
 */
import { check } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { selfVariant, VARIANT_SOURCE } from '../../kernel/selfptrace/variants.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { finishSelf, SELF_INVARIANTS, spawnTraced } from './process.ts';

const SIGSYS_DELIVERED = 'sigsys-delivered';
const INTERCEPTIONS = 2;

export default defineScenario({
  name: 'selfptrace/intercept-twice',
  summary: 'a syscall before arming, then two armed syscalls: is each intercepted exactly when wanted?',
  cpus: 1,
  invariants: [...SELF_INVARIANTS, SIGSYS_DELIVERED],
  bounds: 'one process; one syscall before arming, two armed syscalls',
  variants: {
    rfc: {
      summary: 'PT_SELF: the SIGSYS handler re-arms; rt_sigreturn (exempt) restores the mask',
      source: VARIANT_SOURCE.rfc,
      expect: [
        {
          cpus: 1,
          verdict: 'holds',
          why: 'nothing is intercepted before SELF_ON; rt_sigreturn unblocks SIGSYS before the second syscall',
        },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    sud: {
      summary: 'Syscall User Dispatch, the restorer in the allowed region (the tracer library)',
      source: VARIANT_SOURCE.sud,
      expect: [
        {
          cpus: 1,
          verdict: 'holds',
          why: 'no dispatch before the prctl sets the work bit; rt_sigreturn runs from the allowed region',
        },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    'sud-restorer-outside': {
      summary: 'Syscall User Dispatch with the signal restorer outside the allowed region (what the documentation warns against)',
      source: `${VARIANT_SOURCE.sud}; restorer outside [offset, offset+len)`,
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'sigsys-not-fatal',
          why: "the re-armed handler's rt_sigreturn is dispatched while SIGSYS is blocked: SIG_DFL, the process dies",
        },
        { cpus: 2, verdict: 'violated', invariant: 'sigsys-not-fatal' },
      ],
    },
  },
  build({ variant, cpus }) {
    const outside = variant === 'sud-restorer-outside';
    const v = selfVariant(outside ? 'sud' : variant);
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const handled = b.layout.ghost('ghost.sigsys_handler_runs');
    const proc = spawnTraced(
      k,
      v,
      'proc',
      0,
      {
        [SIG.SIGSYS]: {
          site: 'tracer',
          *body(u) {
            u.ctx.ghost.add(handled, 1);
            yield* u.arm('tracer');
          },
        },
      },
      function* (u) {
        yield* u.syscall({ name: 'getpid', site: 'app' });
        yield* u.arm();
        yield* u.syscall({ name: 'getpid', site: 'app' });
        yield* u.syscall({ name: 'getpid', site: 'app' });
        yield check(
          SIGSYS_DELIVERED,
          [handled],
          (m) =>
            m[handled] === INTERCEPTIONS
              ? null
              : `the SIGSYS handler ran ${m[handled]} times for ${INTERCEPTIONS} intercepted syscalls: a SIGSYS was not delivered`,
          'user space',
          'back in user mode after the last syscall: one handler run per interception?',
        );
      },
      { restorer: outside ? 'app' : 'tracer' },
    );
    finishSelf(k, [proc]);
    return b.build();
  },
});
