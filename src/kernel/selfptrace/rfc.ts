/**
 * The 2008 self-ptrace RFC ("[RFC] [Patch 1/1] [Self Ptrace] System call
 * notification with self_ptrace", Pierre Morel, for linux-2.6.26 x86 and
 * s390) on the Linux substrate.
 *
 * The patch body was never found. What is verified is the cover letter
 * (the syscall is not done and the caller gets SIGSYS; switched on and off
 * through ptrace) and the review thread: Dave Hansen's is_self_ptracing()
 * helper, which abstracts the patch's per-architecture tests — intercept iff
 * `current->ptrace & PT_SELF`, except __NR_rt_sigreturn and __NR_ptrace; Oleg
 * Nesterov: PT_SELF is set without PT_PTRACED or ptrace_attach; the trace
 * hook "filters out __NR_ptrace"; "handle_signal() clears
 * PT_SELF/TIF_SYSCALL_TRACE"; Morel: "the patch clears the trace flags
 * before delivering the signal". Steps marked [reconstructed] follow those
 * statements; their order inside the hook (clear PT_SELF, clear
 * TIF_SYSCALL_TRACE, send SIGSYS) follows the resend's description
 * ("not executed, self ptrace disabled, SIGSYS sent"). Whether SIGSYS went
 * out with send_sig or force_sig is unknown: send_sig is modelled, as the
 * description says "sent".
 *
 * The unpatched steps are linux-2.6.26 code: the entry test of the trace
 * flags (entry_64.S:247), syscall_trace_enter's PT_PTRACED test
 * (ptrace.c:1489-1491), the exit path's syscall_trace_leave.
 */
import { load, nop, type Program, rmw } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG } from '../common/bits.ts';
import { PT_PTRACED } from '../linux/consts.ts';
import type { LinuxKernel } from '../linux/kernel.ts';
import { PT_SELF, PTRACE_SELF_OFF, PTRACE_SELF_ON, TIF_SYSCALL_TRACE } from './consts.ts';
import type { Design, Site, Syscall, UserSide } from './design.ts';
import type { SelfProcess } from './process.ts';
import { ERA_2626, send_sig } from './signal.ts';

const V = 'linux-2.6.26';
const RFC = 'rfc-self-ptrace-2008';
const REC = `${RFC} [reconstructed]`;

export interface RfcOptions {
  /** the syscalls is_self_ptracing() lets through */
  readonly exempt: readonly Syscall['name'][];
  readonly name: string;
}

export function rfcDesign(o: RfcOptions): Design {
  const exempt = (call: Syscall) => o.exempt.includes(call.name);
  return {
    name: o.name,
    era: ERA_2626,
    exempt,
    *syscall_enter(_k: LinuxKernel, ctx: TaskContext, sp: SelfProcess, call: Syscall): Program<boolean> {
      const t = sp.task;
      const tif: number = yield load(
        t.tif,
        `${V} arch/x86/kernel/entry_64.S:247 system_call`,
        'testl $(_TIF_SYSCALL_TRACE|_TIF_SYSCALL_AUDIT|_TIF_SECCOMP),threadinfo_flags; jnz tracesys',
      );
      if (!(tif & TIF_SYSCALL_TRACE)) return false;
      // tracesys → syscall_trace_enter (arch/x86/kernel/ptrace.c:1484); secure_computing: no seccomp here
      const pt: number = yield load(
        t.ptrace,
        `${REC} syscall_trace_enter is_self_ptracing`,
        'if (!(current->ptrace & PT_SELF)) return 0',
      );
      if (pt & PT_SELF && !exempt(call)) {
        yield rmw(t.ptrace, (v) => v & ~PT_SELF, `${REC} syscall_trace_enter`, 'current->ptrace &= ~PT_SELF (one shot)');
        yield rmw(t.tif, (v) => v & ~TIF_SYSCALL_TRACE, `${REC} syscall_trace_enter`, 'clear_thread_flag(TIF_SYSCALL_TRACE)');
        ctx.ghost.add(sp.gHits, 1);
        yield* send_sig(ERA_2626, SIG.SIGSYS, t);
        yield nop(
          `${V} arch/x86/kernel/entry_64.S:328 tracesys`,
          'orig_ax = -1: cmpq $__NR_syscall_max,%rax; ja int_ret_from_sys_call (-ENOSYS): the syscall is not done',
        );
        return true;
      }
      const tif2: number = yield load(
        t.tif,
        `${V} arch/x86/kernel/ptrace.c:1489 syscall_trace_enter`,
        'if (test_thread_flag(TIF_SYSCALL_TRACE)',
      );
      if (tif2 & TIF_SYSCALL_TRACE) {
        yield load(
          t.ptrace,
          `${V} arch/x86/kernel/ptrace.c:1490 syscall_trace_enter`,
          '&& (current->ptrace & PT_PTRACED)) syscall_trace(regs): never traced here',
        );
      }
      return false;
    },
    *syscall_exit(_k, _ctx, sp): Program<void> {
      const t = sp.task;
      const tif: number = yield load(
        t.tif,
        `${V} arch/x86/kernel/entry_64.S:379 int_very_careful`,
        'testl $(_TIF_SYSCALL_TRACE|...),%edx; jz int_signal',
      );
      if (tif & TIF_SYSCALL_TRACE) {
        const pt: number = yield load(
          t.ptrace,
          `${V} arch/x86/kernel/ptrace.c syscall_trace_leave`,
          'if (test_thread_flag(TIF_SYSCALL_TRACE) && (current->ptrace & PT_PTRACED))',
        );
        if (pt & PT_PTRACED) yield nop(`${V} arch/x86/kernel/ptrace.c syscall_trace_leave`, 'syscall_trace(regs)');
      }
    },
    *handle_signal(_k, _ctx, sp): Program<void> {
      const t = sp.task;
      yield rmw(
        t.ptrace,
        (v) => v & ~PT_SELF,
        `${REC} handle_signal`,
        'current->ptrace &= ~PT_SELF (cleared on any signal, before delivery)',
      );
      yield rmw(t.tif, (v) => v & ~TIF_SYSCALL_TRACE, `${REC} handle_signal`, 'clear_thread_flag(TIF_SYSCALL_TRACE)');
    },
    *sys_body(_k, ctx, sp, call): Program<boolean> {
      if (call.name !== 'ptrace') return false;
      const t = sp.task;
      // :545 lock_kernel(): the big kernel lock, which no other path here takes
      if (call.arg === PTRACE_SELF_ON) {
        yield rmw(
          t.ptrace,
          (v) => v | PT_SELF,
          `${REC} sys_ptrace PTRACE_SELF_ON`,
          'current->ptrace |= PT_SELF (no PT_PTRACED, no ptrace_attach)',
        );
        yield rmw(t.tif, (v) => v | TIF_SYSCALL_TRACE, `${REC} sys_ptrace PTRACE_SELF_ON`, 'set_thread_flag(TIF_SYSCALL_TRACE)');
      } else if (call.arg === PTRACE_SELF_OFF) {
        ctx.ghost.set(sp.gDisarmRan, 1);
        yield rmw(t.ptrace, (v) => v & ~PT_SELF, `${REC} sys_ptrace PTRACE_SELF_OFF`, 'current->ptrace &= ~PT_SELF');
        yield rmw(
          t.tif,
          (v) => v & ~TIF_SYSCALL_TRACE,
          `${REC} sys_ptrace PTRACE_SELF_OFF`,
          'clear_thread_flag(TIF_SYSCALL_TRACE)',
        );
      }
      // out: unlock_kernel()
      return true;
    },
    *setup(): Program<void> {
      // PT_SELF needs no set-up: PTRACE_SELF_ON is the whole interface
    },
    *arm(u: UserSide, _sp, site: Site): Program<void> {
      yield* u.syscall({ name: 'ptrace', site, arg: PTRACE_SELF_ON, control: true });
    },
    *disarm(u: UserSide, _sp, site: Site): Program<void> {
      yield* u.syscall({ name: 'ptrace', site, arg: PTRACE_SELF_OFF, control: true });
    },
    disarmedReads: (sp) => [sp.gDisarmRan, sp.task.ptrace],
    disarmed(m, sp) {
      if (m[sp.gDisarmRan] !== 1)
        return `ptrace(PTRACE_SELF_OFF) was intercepted, not executed (${sp.task.name} got SIGSYS for it instead)`;
      if (((m[sp.task.ptrace] as number) & PT_SELF) !== 0) return `PT_SELF is still set after ptrace(PTRACE_SELF_OFF) returned`;
      return null;
    },
  };
}

/** The RFC as the thread describes it: ptrace and rt_sigreturn pass through. */
export const RFC_EXEMPT: readonly Syscall['name'][] = ['rt_sigreturn', 'ptrace'];
