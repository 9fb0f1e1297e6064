/**
 * The self-intercepting process: the cells its interception state lives in
 * besides the substrate's task cells, and the ghost cells the invariants read.
 *
 * PT_SELF lives in the substrate's `<task>.ptrace` cell and TIF_SYSCALL_TRACE
 * in `<task>.tif`, as in the RFC. Syscall User Dispatch keeps its state in
 * task->syscall_dispatch and task->syscall_work (cells of their own) and
 * reads the selector byte from user memory.
 */
import { type Formatter, flagsFormatter } from '../../cpu/memory.ts';
import type { ModelBuilder } from '../../model/build.ts';
import type { LinuxTask } from '../linux/objects.ts';
import {
  actionFormatter,
  SA_HANDLER,
  SYSCALL_DISPATCH_FILTER_ALLOW,
  SYSCALL_WORK_SYSCALL_USER_DISPATCH,
  selectorFormatter,
} from './consts.ts';

const yesNo: Formatter = (v) => (v ? 'yes' : 'no');

export interface SelfProcess {
  readonly task: LinuxTask;
  /** sighand->action[SIGSYS-1] handler: a handler, or SIG_DFL once force_sig_info has reset it */
  readonly sigsys_action: number;
  /** task->syscall_work (SYSCALL_WORK_SYSCALL_USER_DISPATCH) — linux-6.6 include/linux/sched.h */
  readonly syscall_work: number;
  /** task->syscall_dispatch.selector != NULL (the address itself is configuration) */
  readonly sd_selector: number;
  /** task->syscall_dispatch.on_dispatch */
  readonly sd_on_dispatch: number;
  /** the selector byte in user memory */
  readonly selector: number;
  /** ghost: the syscall now in the kernel must be intercepted (1), must not be (0), or is not judged (2) */
  readonly gExpect: number;
  /** ghost: how many times the kernel intercepted the syscall now in the kernel */
  readonly gHits: number;
  /** ghost: the last disarm request ran its body (1) */
  readonly gDisarmRan: number;
}

/** `dispatchOn`: the process starts with prctl(PR_SET_SYSCALL_USER_DISPATCH, ON) already done (selector ALLOW). */
export function allocSelfProcess(b: ModelBuilder, task: LinuxTask, dispatchOn = false): SelfProcess {
  const n = task.name;
  const L = b.layout;
  return {
    task,
    sigsys_action: L.cell(`${n}.sighand.action[SIGSYS]`, SA_HANDLER, actionFormatter),
    syscall_work: L.cell(
      `${n}.syscall_work`,
      dispatchOn ? SYSCALL_WORK_SYSCALL_USER_DISPATCH : 0,
      flagsFormatter({ [SYSCALL_WORK_SYSCALL_USER_DISPATCH]: 'SYSCALL_USER_DISPATCH' }),
    ),
    sd_selector: L.cell(`${n}.syscall_dispatch.selector`, dispatchOn ? 1 : 0, (v) => (v ? '&selector' : 'NULL')),
    sd_on_dispatch: L.cell(`${n}.syscall_dispatch.on_dispatch`, 0, yesNo),
    selector: L.cell(`${n}.user.selector`, SYSCALL_DISPATCH_FILTER_ALLOW, selectorFormatter),
    gExpect: L.ghost(`ghost.${n}.must_intercept`, 0, (v) => (v === 2 ? 'not judged' : yesNo(v))),
    gHits: L.ghost(`ghost.${n}.intercepted`),
    gDisarmRan: L.ghost(`ghost.${n}.disarm_ran`, 0, yesNo),
  };
}
