/**
 * User-space scripts for the Linux model: each method is one system call as
 * a program makes it — the kernel path, then the return to user mode
 * (exit_to_user_mode, where signals and ptrace traps are taken) — so a task
 * body reads like the C program a user would write:
 *
 *   tracee: yield* u.traceme(); yield* u.exec(); yield* u.run();
 *   tracer: const st = yield* u.waitpid(child); yield* u.ptrace(PTRACE.CONT, child);
 *
 * A task's exit(0) comes after its script (LinuxKernel.spawn).
 */
import { awaitCond, check, load, nop, type Program, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { TASK_RUNNING, TASK_UNINTERRUPTIBLE } from './consts.ts';
import { NO_RETURN_FROM_FAILED_EXEC } from './exec.ts';
import type { WaitpidResult } from './exit-wait.ts';
import type { LinuxKernel, TaskBody } from './kernel.ts';
import type { LinuxTask } from './objects.ts';
import { PTRACE } from './ptrace.ts';
import { enablePtrace, type PtraceState } from './ptrace-state.ts';

/** Turns ptrace on for a kernel: its cells, and exit_notify's report to the parent or tracer. Call after the spawns, before k.finish(). */
export function setupPtrace(k: LinuxKernel): PtraceState {
  const s = enablePtrace(k);
  k.reportsExit = true;
  return s;
}

export class UserProc {
  constructor(
    readonly k: LinuxKernel,
    readonly me: LinuxTask,
    readonly ctx: TaskContext,
  ) {}

  private *ret(): Program<void> {
    yield* this.k.fn.exit_to_user_mode(this.k, this.ctx);
  }

  /** the system call's entry from user mode (a step only for a task whose privilege level is followed, user-mode.ts) */
  private *enter(): Program<void> {
    yield* this.k.fn.syscall_enter_from_user_mode(this.k, this.ctx);
  }

  /** The task starts in the kernel (its signals pending at time 0): it returns to user mode (exit_to_user_mode) and takes them. */
  *returnToUser(): Program<void> {
    yield* this.ret();
  }

  /** user code between system calls (no shared access) */
  *run(what = 'user code runs'): Program<void> {
    yield nop(`user ${this.me.name}`, what);
  }

  /**
   * Sets a user-memory flag and wakes the task waiting for it (FUTEX_WAKE,
   * kernel/futex/waitwake.c futex_wake; the hash-bucket lock is abstracted:
   * the sleep/wake pattern of linux/sleep-wake carries the flag).
   */
  *setFlag(cell: number, waiter: LinuxTask): Program<void> {
    yield store(cell, 1, `user ${this.me.name}`, 'flag = 1 (user memory)');
    yield* this.enter();
    yield* this.k.fn.wake_up_process(this.k, this.ctx, waiter);
  }

  /** Sleeps until the flag is set (FUTEX_WAIT, kernel/futex/waitwake.c futex_wait_queue, abstracted as setFlag). */
  *waitFlag(cell: number): Program<void> {
    yield* this.enter();
    for (;;) {
      yield* this.k.fn.set_current_state(this.k, this.ctx, TASK_UNINTERRUPTIBLE);
      if (
        (yield load(
          cell,
          'linux-6.6 kernel/futex/waitwake.c futex_wait_setup',
          'uval = *uaddr: if (uval != val) return -EWOULDBLOCK',
        )) !== 0
      )
        break;
      yield* this.k.fn.schedule(this.k, this.ctx);
    }
    yield* this.k.fn.__set_current_state(this.k, this.ctx, TASK_RUNNING);
  }

  /** ptrace(PTRACE_TRACEME) */
  *traceme(): Program<number> {
    yield* this.enter();
    const ret = yield* this.k.fn.sys_ptrace(this.k, this.ctx, PTRACE.TRACEME, null);
    yield* this.ret();
    return ret;
  }

  /** ptrace(request, pid, 0, data) */
  *ptrace(request: number, child: LinuxTask, data = 0): Program<number> {
    yield* this.enter();
    const ret = yield* this.k.fn.sys_ptrace(this.k, this.ctx, request, child, data);
    yield* this.ret();
    return ret;
  }

  /**
   * execve() of a new image. Should it fail past its point of no return
   * and still get back here, the old program would run on: the step that
   * says so is a violation of no-return-from-failed-exec (exec.ts).
   */
  *exec(): Program<void> {
    yield* this.enter();
    const res = yield* this.k.fn.sys_execve(this.k, this.ctx);
    yield* this.ret();
    if (res.retval < 0 && res.point_of_no_return) {
      const msg = `${this.me.name} is back in user mode from an execve that failed (${res.retval}) past its point of no return`;
      yield check(
        NO_RETURN_FROM_FAILED_EXEC,
        [],
        () => msg,
        'linux-6.6 fs/exec.c:1871-1878 bprm_execve',
        'the old image runs again',
      );
    }
  }

  /** waitpid(pid, &status, options) */
  *waitpid(child: LinuxTask, options = 0): Program<WaitpidResult> {
    yield* this.enter();
    const res = yield* this.k.fn.do_wait(this.k, this.ctx, options, child);
    yield* this.ret();
    return res;
  }

  /** wait4(-1, &status, options, NULL): any child of the group's threads (of this thread only, with __WNOTHREAD) */
  *waitAny(options = 0): Program<WaitpidResult> {
    yield* this.enter();
    const res = yield* this.k.fn.do_wait(this.k, this.ctx, options, null);
    yield* this.ret();
    return res;
  }

  /** sigprocmask(how, &set, NULL) — rt_sigprocmask(2); returns the old mask */
  *sigprocmask(how: number, set: number): Program<number> {
    yield* this.enter();
    const old = yield* this.k.fn.sys_rt_sigprocmask(this.k, this.ctx, how, set);
    yield* this.ret();
    return old;
  }

  /** kill(pid, sig) */
  *kill(target: LinuxTask, sig: number): Program<void> {
    yield* this.enter();
    yield* this.k.fn.group_send_sig_info(this.k, this.ctx, sig, target);
    yield* this.ret();
  }

  /**
   * The process has nothing more to do and stays around, asleep in pause()
   * (no signal will come): it never exits. Scenarios end a task this way
   * when its exit is not what they are about, which keeps the search small.
   */
  *idle(): Program<void> {
    yield* this.enter();
    yield* this.k.fn.sys_pause(this.k, this.ctx);
  }

  /** exit_group(code) — kernel/exit.c:1030-1035: do_group_exit((code & 0xff) << 8); never returns. */
  *exitGroup(code = 0): Program<void> {
    yield* this.enter();
    yield* this.k.fn.do_group_exit(this.k, this.ctx, (code & 0xff) << 8);
  }

  /** pause() */
  *pause(): Program<void> {
    yield* this.enter();
    yield* this.k.fn.sys_pause(this.k, this.ctx);
    yield* this.ret();
  }

  /**
   * The user program runs on for ever, in user mode, making no more system
   * calls (a wait that never ends and counts as the end of the execution);
   * interrupts still land on it and go back through the kernel's return to
   * user mode.
   */
  *userLoop(what = 'the user program runs'): Program<void> {
    yield awaitCond([], () => false, `user ${this.me.name}`, what, true);
  }
}

/** A task body written as a user-space script. */
export function script(body: (u: UserProc) => Program<void>): TaskBody {
  return (k, me, ctx) => body(new UserProc(k, me, ctx));
}
