/**
 * Syscall User Dispatch, linux-6.6 kernel/entry/syscall_user_dispatch.c
 * and its hooks in kernel/entry/common.c: the state is in
 * task->syscall_dispatch and task->syscall_work, never in ->ptrace; the
 * switch is a selector byte in user memory; syscalls from the allowed
 * region [offset, offset+len) pass; SIGSYS is forced.
 *
 * Abstracted: the region bounds are configuration (a syscall site is in the
 * region or not; the single unsigned compare at :40 is a step that reads no
 * shared cell: offset and len are only written by the task itself, at
 * prctl time); selector faults (force_exit_sig(SIGSEGV), :51-54) and
 * selector values other than ALLOW and BLOCK (:59-62) never occur, since
 * the models only store ALLOW or BLOCK; arch_syscall_is_vdso_sigreturn is
 * false on native x86-64 (arch/x86/entry/vdso/vma.c:400-413), which is why
 * the signal restorer must be in the allowed region; syscall_rollback.
 */
import { load, nop, type Program, rmw, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { SIG } from '../common/bits.ts';
import type { LinuxKernel } from '../linux/kernel.ts';
import {
  PR_SET_SYSCALL_USER_DISPATCH,
  PR_SYS_DISPATCH_ON,
  SYSCALL_DISPATCH_FILTER_ALLOW,
  SYSCALL_DISPATCH_FILTER_BLOCK,
  SYSCALL_WORK_SYSCALL_USER_DISPATCH,
} from './consts.ts';
import type { Design, Site, Syscall, UserSide } from './design.ts';
import type { SelfProcess } from './process.ts';
import { ERA_66, force_sig_info } from './signal.ts';

const U = 'linux-6.6 kernel/entry/syscall_user_dispatch.c';
const E = 'linux-6.6 kernel/entry/common.c';

/** syscall_user_dispatch — syscall_user_dispatch.c:35-70, in the order of its checks. */
function* syscall_user_dispatch(ctx: TaskContext, sp: SelfProcess, call: Syscall): Program<boolean> {
  const inRegion = call.site === 'tracer';
  yield nop(
    `${U}:40 syscall_user_dispatch`,
    `if (likely(instruction_pointer(regs) - sd->offset < sd->len)) return false: ${inRegion ? 'in the allowed region' : 'outside it'}`,
  );
  if (inRegion) return false;
  yield nop(
    `${U}:43 syscall_user_dispatch`,
    'if (unlikely(arch_syscall_is_vdso_sigreturn(regs))) return false: never on native x86-64',
  );
  const sel: number = yield load(sp.sd_selector, `${U}:46 syscall_user_dispatch`, 'if (likely(sd->selector))');
  if (sel) {
    const state: number = yield load(sp.selector, `${U}:51 syscall_user_dispatch`, '__get_user(state, sd->selector)');
    if (state === SYSCALL_DISPATCH_FILTER_ALLOW) return false; // :56-57
    // :59-62: a value other than BLOCK is fatal; the models store only ALLOW and BLOCK
  }
  yield store(sp.sd_on_dispatch, 1, `${U}:65 syscall_user_dispatch`, 'sd->on_dispatch = true');
  // :66 syscall_rollback(current, regs): registers only
  ctx.ghost.add(sp.gHits, 1);
  // :67 trigger_sigsys (:20-33): the siginfo (SYS_USER_DISPATCH, si_call_addr, si_syscall) is not modelled
  yield* force_sig_info(ERA_66, sp, SIG.SIGSYS); // :32
  return true;
}

export function sudDesign(): Design {
  return {
    name: 'sud',
    era: ERA_66,
    exempt: (call) => call.site === 'tracer',
    *syscall_enter(_k: LinuxKernel, ctx: TaskContext, sp: SelfProcess, call: Syscall): Program<boolean> {
      const work: number = yield load(
        sp.syscall_work,
        `${E}:91 __syscall_enter_from_user_work`,
        'work = READ_ONCE(current_thread_info()->syscall_work)',
      );
      if (!(work & SYSCALL_WORK_SYSCALL_USER_DISPATCH)) return false;
      // syscall_trace_enter :58-61: SUD first, before ptrace and seccomp
      return yield* syscall_user_dispatch(ctx, sp, call);
    },
    *syscall_exit(_k, _ctx, sp): Program<void> {
      const work: number = yield load(
        sp.syscall_work,
        `${E}:260 syscall_exit_to_user_mode_prepare`,
        'work = READ_ONCE(current_thread_info()->syscall_work)',
      );
      if (!(work & SYSCALL_WORK_SYSCALL_USER_DISPATCH)) return;
      const on: number = yield load(
        sp.sd_on_dispatch,
        `${E}:238 syscall_exit_work`,
        'if (unlikely(current->syscall_dispatch.on_dispatch))',
      );
      if (on)
        yield store(
          sp.sd_on_dispatch,
          0,
          `${E}:239 syscall_exit_work`,
          'current->syscall_dispatch.on_dispatch = false; return (no exit reports)',
        );
    },
    *handle_signal(): Program<void> {
      // SUD does nothing on signal delivery: the selector is user memory the kernel never writes
    },
    *sys_body(_k, ctx, sp, call): Program<boolean> {
      if (call.name !== 'prctl') return false;
      const on = call.arg === PR_SYS_DISPATCH_ON;
      yield nop(
        `${U}:72 task_set_syscall_user_dispatch`,
        `prctl(PR_SET_SYSCALL_USER_DISPATCH=${PR_SET_SYSCALL_USER_DISPATCH}, ${on ? 'ON' : 'OFF'}): offset, len checked (access_ok on the selector)`,
      );
      if (!on) ctx.ghost.set(sp.gDisarmRan, 1);
      yield store(
        sp.sd_selector,
        on ? 1 : 0,
        `${U}:108 task_set_syscall_user_dispatch`,
        `current->syscall_dispatch.selector = ${on ? 'selector' : 'NULL'}`,
      );
      yield store(
        sp.sd_on_dispatch,
        0,
        `${U}:111 task_set_syscall_user_dispatch`,
        'current->syscall_dispatch.on_dispatch = false',
      );
      yield rmw(
        sp.syscall_work,
        (w) => (on ? w | SYSCALL_WORK_SYSCALL_USER_DISPATCH : w & ~SYSCALL_WORK_SYSCALL_USER_DISPATCH),
        `${U}:${on ? 114 : 116} task_set_syscall_user_dispatch`,
        on ? 'set_task_syscall_work(task, SYSCALL_USER_DISPATCH)' : 'clear_task_syscall_work(task, SYSCALL_USER_DISPATCH)',
      );
      return true;
    },
    *setup(u: UserSide): Program<void> {
      // the tracer's library switches dispatch on once, from its own code (selector still ALLOW)
      yield* u.syscall({ name: 'prctl', site: 'tracer', arg: PR_SYS_DISPATCH_ON, control: true });
    },
    *arm(u: UserSide, sp: SelfProcess): Program<void> {
      yield* u.userStore(sp.selector, SYSCALL_DISPATCH_FILTER_BLOCK, '*selector = SYSCALL_DISPATCH_FILTER_BLOCK');
    },
    *disarm(u: UserSide, sp: SelfProcess, _site: Site): Program<void> {
      yield* u.userStore(sp.selector, SYSCALL_DISPATCH_FILTER_ALLOW, '*selector = SYSCALL_DISPATCH_FILTER_ALLOW');
    },
    disarmedReads: (sp) => [sp.selector],
    disarmed(m, sp) {
      return m[sp.selector] === SYSCALL_DISPATCH_FILTER_ALLOW ? null : `the selector still says BLOCK after the disarm store`;
    },
  };
}
