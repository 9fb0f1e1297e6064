/**
 * selfptrace/self-off — Oleg Nesterov on the 2008 self-ptrace RFC: the trace
 * hook "filters out __NR_ptrace, this afaics means that the handler for
 * SIGSYS can happily call sys_ptrace(PTRACE_SELF_OFF) and clear
 * PT_SELF/TIF_SYSCALL_TRACE".
 *
 * The process arms and makes a syscall; its SIGSYS handler re-arms (the
 * RFC's protocol) and then switches interception off while armed; the
 * application then makes another syscall. Invariant: the process can
 * always disarm (`can-disarm`: the request ran and interception is off),
 * and nothing is intercepted after it (`intercept-once`).
 */
import { SIG } from '../../kernel/common/bits.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { selfVariant, VARIANT_SOURCE } from '../../kernel/selfptrace/variants.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { finishSelf, SELF_INVARIANTS, spawnTraced } from './process.ts';

export default defineScenario({
  name: 'selfptrace/self-off',
  summary: 'the SIGSYS handler switches interception off while it is armed',
  cpus: 1,
  invariants: [...SELF_INVARIANTS],
  bounds: 'one process; one armed syscall, one disarm, one syscall after it',
  variants: {
    rfc: {
      summary: 'PT_SELF: ptrace(PTRACE_SELF_OFF) is exempt from interception, so it runs while armed',
      source: VARIANT_SOURCE.rfc,
      expect: [
        {
          cpus: 1,
          verdict: 'holds',
          why: '__NR_ptrace is exempt (Dave Hansen\'s helper, Oleg: "filters out __NR_ptrace"): SELF_OFF always runs',
        },
        { cpus: 2, verdict: 'holds' },
      ],
    },
    'rfc-no-exempt': {
      summary: 'PT_SELF if __NR_ptrace were not exempt: SELF_OFF is intercepted like any syscall',
      source: VARIANT_SOURCE['rfc-no-exempt'],
      expect: [
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'can-disarm',
          why: 'the armed SELF_OFF is intercepted: not executed, SIGSYS instead',
        },
        { cpus: 2, verdict: 'violated', invariant: 'can-disarm' },
      ],
    },
    sud: {
      summary: 'Syscall User Dispatch: disarming is a store of ALLOW to the selector byte, no syscall',
      source: VARIANT_SOURCE.sud,
      expect: [
        {
          cpus: 1,
          verdict: 'holds',
          why: 'the selector is user memory the kernel reads at each entry; a store needs no permission',
        },
        { cpus: 2, verdict: 'holds' },
      ],
    },
  },
  build({ variant, cpus }) {
    const v = selfVariant(variant);
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const proc = spawnTraced(
      k,
      v,
      'proc',
      0,
      {
        [SIG.SIGSYS]: {
          site: 'tracer',
          *body(u) {
            yield* u.arm('tracer');
            yield* u.disarm('tracer');
          },
        },
      },
      function* (u) {
        yield* u.arm();
        yield* u.syscall({ name: 'getpid', site: 'app' });
        yield* u.syscall({ name: 'getpid', site: 'app' });
      },
    );
    finishSelf(k, [proc]);
    return b.build();
  },
});
