/**
 * kernel/exit.c (Linux 6.6.9) exit_notify's ptrace side, as the ExitHooks of
 * kernel.ts: forget_original_parent untraces the exiting tracer's tracees
 * (exit_ptrace) and hands its children to the reaper (init, outside the
 * model); the zombie is reported to its parent or tracer.
 *
 * Abstracted: find_child_reaper/find_new_reaper (the reaper is always init),
 * pdeath_signal (never set), reparent_leader's report to init (init reaps
 * outside the model), kill_orphaned_pgrp, release_task of the dead list.
 */
import { load, type Program, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import type { LinuxKernel } from './kernel.ts';
import { ptraceState } from './ptrace-state.ts';

const X = 'linux-6.6 kernel/exit.c';

/** forget_original_parent — exit.c:688-721 [tasklist_lock write-held]. */
export function* forget_original_parent(k: LinuxKernel, ctx: TaskContext): Program<void> {
  const F = 'forget_original_parent';
  const father = k.current(ctx);
  const list: number = yield load(
    ptraceState(k).of(father).ptraced,
    `${X}:693 ${F}`,
    'if (unlikely(!list_empty(&father->ptraced)))',
  );
  if (list) yield* k.fn.exit_ptrace(k, ctx, father); // 694
  for (const p of k.children(father)) {
    yield store(p.real_parent, -1, `${X}:704 ${F}`, 'RCU_INIT_POINTER(t->real_parent, reaper)');
    const ptr: number = yield load(p.ptrace, `${X}:706 ${F}`, 'if (likely(!t->ptrace))');
    if (!ptr) yield store(p.parent, -1, `${X}:707 ${F}`, 't->parent = t->real_parent');
  }
}

/**
 * exit_notify — exit.c:740-751, the report: a traced task reports to its
 * tracer; a group leader reports to its parent once it is the last of its
 * group (else its last thread's release_task does); another thread reaps
 * itself. Returns autoreap.
 */
export function* notify_parent(k: LinuxKernel, ctx: TaskContext): Program<boolean> {
  const me = k.current(ctx);
  const ptr: number = yield load(me.ptrace, `${X}:740 exit_notify`, 'if (unlikely(tsk->ptrace))');
  if (ptr) return yield* k.fn.do_notify_parent(k, ctx, me); // 741-745
  if (me.group_leader !== me.id) return true; // 749-751
  if (!(yield* k.fn.thread_group_empty(k, ctx, me, `${X}:747 exit_notify`))) return false; // 746-747
  return yield* k.fn.do_notify_parent(k, ctx, me); // 748
}
