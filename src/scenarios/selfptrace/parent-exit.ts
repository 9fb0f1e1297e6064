/**
 * selfptrace/parent-exit — Oleg Nesterov's first objection to the 2008
 * self-ptrace RFC: PT_SELF is set without PT_PTRACED or ptrace_attach, and
 * "->ptrace != 0" checks misread it: "suppose that the task does
 * sys_ptrace(PTRACE_SELF_ON) and then its parent dies. I guess in that case
 * forget_original_parent() will hit BUG_ON(p->ptrace), no?"
 *
 * The child arms interception and makes a syscall; its SIGSYS handler
 * re-arms before it returns (the RFC's protocol, step 8). The parent exits
 * on another CPU and reparents the child. Invariants: no kernel assertion
 * fires (`kernel-assert`) and the armed syscall is intercepted
 * (`intercept-once`).
 */
import { SIG } from '../../kernel/common/bits.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import { exit_reparent } from '../../kernel/selfptrace/exit.ts';
import { selfVariant, VARIANT_SOURCE } from '../../kernel/selfptrace/variants.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { finishSelf, SELF_INVARIANTS, spawnTraced } from './process.ts';

const TICKS = 1;

export default defineScenario({
  name: 'selfptrace/parent-exit',
  summary: 'PT_SELF armed without PT_PTRACED, then the parent exits on another CPU and reparents the child',
  cpus: 2,
  invariants: [...SELF_INVARIANTS],
  bounds: `${TICKS} scheduler tick per CPU; the child arms once and makes one syscall`,
  variants: {
    rfc: {
      summary: 'PT_SELF with linux-2.6.27 forget_original_parent (BUG_ON(p->ptrace) at exit.c:889)',
      source: VARIANT_SOURCE.rfc,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'kernel-assert',
          why: 'the parent reparents the child while PT_SELF is set: p->parent == father and p->ptrace != 0',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'kernel-assert',
          why: 'no race needed: the child exits re-armed, its zombie keeps PT_SELF, and the parent exits after it',
        },
      ],
    },
    'rfc-2.6.26': {
      summary: 'PT_SELF with linux-2.6.26 forget_original_parent: reparent_thread clears p->ptrace (exit.c:711)',
      source: VARIANT_SOURCE['rfc-2.6.26'],
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'intercept-once',
          why: 'no BUG_ON in 2.6.26: reparent_thread sets p->ptrace = 0 between SELF_ON and the syscall, which then runs un-intercepted',
        },
        { cpus: 1, verdict: 'holds', why: 'one tick cannot put the reparent between SELF_ON and the syscall' },
      ],
    },
    'rfc-6.6': {
      summary: "PT_SELF with linux-6.6 forget_original_parent: does today's kernel still trip over it?",
      source: VARIANT_SOURCE['rfc-6.6'],
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'kernel-assert',
          why: 'BUG_ON((!t->ptrace) != (t->parent == father)) at 6.6 exit.c:705: ->ptrace != 0 while parent is still the dying task',
        },
        {
          cpus: 1,
          verdict: 'violated',
          invariant: 'kernel-assert',
          why: 'the child exits re-armed and its zombie keeps PT_SELF',
        },
      ],
    },
    sud: {
      summary: 'Syscall User Dispatch: the state is outside ->ptrace; linux-6.6 forget_original_parent',
      source: VARIANT_SOURCE.sud,
      expect: [
        {
          cpus: 2,
          verdict: 'holds',
          why: 'forget_original_parent reads ->ptrace, which SUD never writes; dispatch state is untouched',
        },
        { cpus: 1, verdict: 'holds' },
      ],
    },
  },
  build({ variant, cpus }) {
    const v = selfVariant(variant);
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b, { ticks: TICKS });
    const parent = k.spawn('parent', 0, function* (kk, _me, ctx) {
      yield* exit_reparent(kk, ctx, v.exit, [child]);
    });
    const traced = spawnTraced(
      k,
      v,
      'child',
      1,
      {
        [SIG.SIGSYS]: {
          site: 'tracer',
          *body(u) {
            yield* u.arm('tracer');
          },
        },
      },
      function* (u) {
        yield* u.arm();
        yield* u.syscall({ name: 'getpid', site: 'app' });
      },
      { parent, configured: true },
    );
    const child = traced.task;
    finishSelf(k, [traced]);
    return b.build();
  },
});
