/**
 * Known bugs the dragonos/ scenarios put back, each as an override of the
 * one DragonOS path it changes (a "holds" needs a search that finds the bug
 * when it is there). A step the bug moves cites its line here.
 */
import { irqRestore, irqSave, load, type Program, readLock, readUnlock, spinLock, spinUnlock, store } from '../../cpu/ops.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { ST } from './consts.ts';
import type { DragonKernel, Pcb } from './kernel.ts';
import { noteResume } from './resume-ghosts.ts';

export type DragonBug =
  /** head's PTRACE_CONT wakes the tracee before it stores injected_signal (the store moved past the wakeup) */
  'resume-wakes-before-inject';

const FILE = 'process/ptrace.rs';

/**
 * head ptrace_resume (process/ptrace.rs 1079-1170) with `injected_signal =
 * resume_signal` (1148-1150) moved after the wakeup (1153-1156): the tracee
 * can leave ptrace_stop and read injected_signal before it is written.
 */
function* ptraceContWakesBeforeInject(k: DragonKernel, t: Pcb, sig: number, ctx: TaskContext): Program<number> {
  const me = k.pcb(ctx.self);
  const at = (l: Record<string, number>) => k.src.at(FILE, l, 'ProcessControlBlock::ptrace_resume');
  const ok: boolean = yield* k.fn.ptraceCheckAttach(k, t, me, ctx);
  if (!ok) return -3;
  const irq: number = yield irqSave(at({ head: 1153 }), 'inner_lock_read_irqsave(): irq save');
  yield readLock(t.schedInfo, at({ head: 1153 }), 'inner_lock_read_irqsave()');
  const st: number = yield load(t.state, at({ head: 1154 }), 'wake_traced = state is TracedStopped');
  yield readUnlock(t.schedInfo, at({ head: 1155 }), 'drop(sched_info)');
  yield irqRestore(irq, at({ head: 1155 }), 'irq restore');
  if (st === ST.TracedStopped) yield* k.fn.wakeup(k, t, ctx);
  yield* k.fn.lockNoPreempt(k, me, spinLock(t.ptraceLock, here`ptrace_resume`, 'ptrace_state.lock(), after the wakeup'));
  yield store(t.injected, sig, here`ptrace_resume`, 'injected_signal = resume_signal, after the wakeup');
  noteResume(k, t, sig, ctx);
  yield* k.fn.unlockPreempt(k, me, spinUnlock(t.ptraceLock, here`ptrace_resume`, 'drop(ptrace_state)'));
  return 0;
}

/** Puts `bug` back in the kernel `k` (before it is finished). */
export function putBack(k: DragonKernel, bug: DragonBug): void {
  if (k.v !== 'head') throw new Error(`dragonos bug ${bug} is written against head`);
  switch (bug) {
    case 'resume-wakes-before-inject':
      k.override('ptraceCont', ptraceContWakesBeforeInject);
      break;
  }
}
