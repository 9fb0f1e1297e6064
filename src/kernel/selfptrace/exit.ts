/**
 * forget_original_parent — the reparenting of a dying task's children — as
 * three kernels have it. The RFC's PT_SELF task is a child whose ->ptrace is
 * non-zero although nobody traces it, and each version reads ->ptrace there:
 *
 * - linux-2.6.26 (the RFC's stated base): no BUG_ON(p->ptrace);
 *   reparent_thread(p, father, 0) sets p->ptrace = 0 (exit.c:711), which
 *   silently drops PT_SELF.
 * - linux-2.6.27 (the tree the RFC was reviewed against, 2.6.27-rc4; the
 *   BUG_ON came with f470021adb9 "ptrace children revamp"): ptrace_exit
 *   unlinks the real tracees first, then `if (p->parent == father) {
 *   BUG_ON(p->ptrace); ... }` (exit.c:888-891).
 * - linux-6.6 (Syscall User Dispatch's kernel): called with tasklist_lock
 *   held by exit_notify; BUG_ON((!t->ptrace) != (t->parent == father))
 *   (exit.c:705).
 *
 * Abstracted: the children and ptraced lists are fixed when the model is
 * built (nothing here traces anybody, so the ptraced walks are empty and
 * list moves are markers); find_new_reaper picks init (one thread per
 * group); pdeath_signal is never set; do_notify_parent for a child that is
 * already a zombie is a marker; kill_orphaned_pgrp (process groups) is left
 * out. Lines that touch nothing the models share are comments, not steps.
 */
import { load, nop, type Program, preemptDisable, store } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { BUG_ON } from '../common/kernel-assert.ts';
import { writeLockIrq, writeUnlockIrq } from '../common/locks.ts';
import { EXIT_ZOMBIE } from '../linux/consts.ts';
import { do_task_dead } from '../linux/exit.ts';
import type { LinuxKernel } from '../linux/kernel.ts';
import type { LinuxTask } from '../linux/objects.ts';

export type ExitVersion = '2.6.26' | '2.6.27' | '6.6';

/** init: the reaper of every orphan here (a task outside the model) */
const INIT = -1;

function* zombieMarker(p: LinuxTask, ref: string, what: string): Program<void> {
  const es: number = yield load(p.exit_state, ref, `p->exit_state == EXIT_ZOMBIE (${what})`);
  if (es === EXIT_ZOMBIE) yield nop(ref, 'do_notify_parent(p, p->exit_signal): the zombie is reported to init');
}

/** linux-2.6.26 kernel/exit.c:694-744 reparent_thread(p, father, traced = 0). */
function* reparent_thread_2626(p: LinuxTask): Program<void> {
  const X = 'linux-2.6.26 kernel/exit.c';
  // :697-699 pdeath_signal is 0; :702 traced == 0, so the else branch:
  yield store(p.ptrace, 0, `${X}:711 reparent_thread`, 'p->ptrace = 0 ("we\'re the one tracing it anyway, so let go of it")');
  yield store(p.parent, INIT, `${X}:713 reparent_thread`, 'p->parent = p->real_parent');
  // :716 if (task_is_traced(p)) ptrace_untrace(p): never traced here
  yield* zombieMarker(p, `${X}:739 reparent_thread`, '!traced && zombie');
  // :743 kill_orphaned_pgrp(p, father): process groups are not modelled
}

/** linux-2.6.26 kernel/exit.c:753-822 forget_original_parent. */
function* forget_original_parent_2626(k: LinuxKernel, father: LinuxTask, children: readonly LinuxTask[]): Program<void> {
  const X = 'linux-2.6.26 kernel/exit.c';
  yield* writeLockIrq(k.tasklist_lock, `${X}:760 forget_original_parent`, 'write_lock_irq(&tasklist_lock)');
  // :762-768 reaper = task_child_reaper(father): init (one thread per group)
  for (const p of children) {
    const ptrace: number = yield load(p.ptrace, `${X}:781 forget_original_parent`, 'ptrace = p->ptrace');
    const rp: number = yield load(p.real_parent, `${X}:784 forget_original_parent`, 'father != p->real_parent');
    yield BUG_ON([], () => father.id !== rp && !ptrace, 'father != p->real_parent && !ptrace', `${X}:784 forget_original_parent`);
    if (father.id === rp) {
      yield store(p.real_parent, INIT, `${X}:788 forget_original_parent`, 'p->real_parent = reaper');
      yield* reparent_thread_2626(p); // :789
    } else {
      // :792 __ptrace_unlink(p): unreachable here, nobody traces anybody
    }
    if (ptrace) yield* zombieMarker(p, `${X}:804 forget_original_parent`, 'ptrace && detached zombie → ptrace_dead');
  }
  // :808-811 the walk of father->ptrace_children: empty (nobody is traced)
  yield* writeUnlockIrq(k.tasklist_lock, `${X}:813 forget_original_parent`, 'write_unlock_irq(&tasklist_lock)');
}

/** linux-2.6.27 kernel/exit.c:874-899 forget_original_parent, with reparent_thread :806-833. */
function* forget_original_parent_2627(k: LinuxKernel, father: LinuxTask, children: readonly LinuxTask[]): Program<void> {
  const X = 'linux-2.6.27 kernel/exit.c';
  yield* writeLockIrq(k.tasklist_lock, `${X}:879 forget_original_parent`, 'write_lock_irq(&tasklist_lock)');
  // :880 reaper = find_new_reaper(father): init (one thread per group)
  // :884 ptrace_exit(father, &ptrace_dead): father->ptraced is empty, nobody is traced
  for (const p of children) {
    yield store(p.real_parent, INIT, `${X}:887 forget_original_parent`, 'p->real_parent = reaper');
    const parent: number = yield load(p.parent, `${X}:888 forget_original_parent`, 'if (p->parent == father)');
    if (parent === father.id) {
      yield BUG_ON(
        [p.ptrace],
        (m) => m[p.ptrace] !== 0,
        'p->ptrace',
        `${X}:889 forget_original_parent`,
        (m) => `${p.name}->ptrace = 0x${(m[p.ptrace] as number).toString(16)} although nobody traces it`,
      );
      yield store(p.parent, INIT, `${X}:890 forget_original_parent`, 'p->parent = p->real_parent');
    }
    // reparent_thread(p, father) — :806-833
    // :812 list_move_tail(&p->sibling, &p->real_parent->children): the lists are fixed
    yield* zombieMarker(p, `${X}:828 reparent_thread`, '!ptrace_reparented(p) && zombie');
    // :832 kill_orphaned_pgrp(p, father): process groups are not modelled
  }
  yield* writeUnlockIrq(k.tasklist_lock, `${X}:895 forget_original_parent`, 'write_unlock_irq(&tasklist_lock)');
}

/** linux-6.6 kernel/exit.c:688-721 forget_original_parent [tasklist_lock write-held], reparent_leader :659-678. */
function* forget_original_parent_66(_k: LinuxKernel, father: LinuxTask, children: readonly LinuxTask[]): Program<void> {
  const X = 'linux-6.6 kernel/exit.c';
  // :693-694 father->ptraced is empty: no exit_ptrace; :697-701 the reaper is init
  for (const p of children) {
    yield store(p.real_parent, INIT, `${X}:704 forget_original_parent`, 'RCU_INIT_POINTER(t->real_parent, reaper)');
    yield BUG_ON(
      [p.ptrace, p.parent],
      (m) => (m[p.ptrace] === 0) !== (m[p.parent] === father.id),
      '(!t->ptrace) != (rcu_access_pointer(t->parent) == father)',
      `${X}:705 forget_original_parent`,
      (m) =>
        `${p.name}->ptrace = 0x${(m[p.ptrace] as number).toString(16)}, parent ${m[p.parent] === father.id ? 'is' : 'is not'} the dying task`,
    );
    const pt: number = yield load(p.ptrace, `${X}:706 forget_original_parent`, 'if (likely(!t->ptrace))');
    if (!pt) yield store(p.parent, INIT, `${X}:707 forget_original_parent`, 't->parent = t->real_parent');
    // reparent_leader — :659-678
    yield* zombieMarker(p, `${X}:669 reparent_leader`, '!p->ptrace && zombie');
    // :677 kill_orphaned_pgrp(p, father): process groups are not modelled
  }
  // :720 list_splice_tail_init(&father->children, &reaper->children): the lists are fixed
}

/**
 * The dying parent's exit from exit_notify on, in `version`'s order;
 * `children` is father->children (the lists are fixed in these models). In
 * 2.6.26 and 2.6.27 exit_notify calls forget_original_parent first (it takes
 * tasklist_lock itself), then takes tasklist_lock for the rest: that rest is
 * the substrate's exit_notify, which the caller's do_exit runs after this
 * returns. In 6.6 forget_original_parent runs inside exit_notify's lock, so
 * this runs the whole of exit_notify and do_exit's end, and never returns.
 */
export function* exit_reparent(
  k: LinuxKernel,
  ctx: TaskContext,
  version: ExitVersion,
  children: readonly LinuxTask[],
): Program<void> {
  const me = k.current(ctx);
  if (version === '2.6.26') {
    yield* forget_original_parent_2626(k, me, children); // linux-2.6.26 kernel/exit.c:840 exit_notify
    return;
  }
  if (version === '2.6.27') {
    yield* forget_original_parent_2627(k, me, children); // linux-2.6.27 kernel/exit.c:918 exit_notify
    return;
  }
  const X = 'linux-6.6 kernel/exit.c';
  yield* writeLockIrq(k.tasklist_lock, `${X}:733 exit_notify`, 'write_lock_irq(&tasklist_lock)');
  yield* forget_original_parent_66(k, me, children); // :734
  yield store(me.exit_state, EXIT_ZOMBIE, `${X}:739 exit_notify`, 'tsk->exit_state = EXIT_ZOMBIE');
  yield* writeUnlockIrq(k.tasklist_lock, `${X}:761 exit_notify`, 'write_unlock_irq(&tasklist_lock)');
  yield preemptDisable(`${X}:916 do_exit`, 'preempt_disable()');
  yield* do_task_dead(k, ctx); // :923
}
