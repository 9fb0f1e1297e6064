/**
 * The task-state oracle, written with xstate: the reference of which state
 * changes the modelled kernel makes. Kept to finite control states (no
 * context), so xstate/graph can enumerate every edge.
 *
 * taskStateMachine — p->__state (include/linux/sched.h:86-123). Who makes
 * each edge in Linux 6.6:
 *   SET_INTERRUPTIBLE / SET_UNINTERRUPTIBLE / SET_KILLABLE — current, with
 *     set_current_state (or prepare_to_wait, do_wait), from TASK_RUNNING;
 *   SET_STOPPED — do_signal_stop (signal.c:2490), set_special_state;
 *   SET_TRACED — ptrace_stop (signal.c:2269), set_special_state;
 *   SET_DEAD — do_task_dead (core.c:6709), set_special_state;
 *   WAKE — ttwu_do_wakeup (core.c:3766, direct path or ttwu_runnable),
 *     __schedule's signal_pending_state (6631), or current itself
 *     (__set_current_state(TASK_RUNNING), finish_wait);
 *   TTWU_WAKING — try_to_wake_up (core.c:4299) on a task off its runqueue,
 *     then ENQUEUED — ttwu_do_activate's ttwu_do_wakeup.
 * A task goes from one sleeping state to another only through TASK_RUNNING.
 *
 * ptraceLinkMachine — p->ptrace (PT_PTRACED, PT_SEIZED) with
 * JOBCTL_PTRACE_FROZEN: ATTACH (ptrace_attach / ptrace_traceme), SEIZE,
 * FREEZE / UNFREEZE (ptrace_freeze_traced / ptrace_unfreeze_traced, or the
 * tracee clearing the bit in ptrace_stop:2356), UNLINK (__ptrace_unlink).
 * __ptrace_detach never unfreezes (the tracee does it on its way out of
 * ptrace_stop), hence the UNLINKED_FROZEN state.
 */
import { setup } from 'xstate';

const SLEEPING_WAKE = {
  WAKE: 'RUNNING',
  TTWU_WAKING: 'WAKING',
} as const;

export const taskStateMachine = setup({
  types: {
    events: {} as
      | { type: 'SET_INTERRUPTIBLE' }
      | { type: 'SET_UNINTERRUPTIBLE' }
      | { type: 'SET_KILLABLE' }
      | { type: 'SET_STOPPED' }
      | { type: 'SET_TRACED' }
      | { type: 'SET_DEAD' }
      | { type: 'WAKE' }
      | { type: 'TTWU_WAKING' }
      | { type: 'ENQUEUED' },
  },
}).createMachine({
  id: 'task-state',
  initial: 'RUNNING',
  states: {
    RUNNING: {
      on: {
        SET_INTERRUPTIBLE: 'INTERRUPTIBLE',
        SET_UNINTERRUPTIBLE: 'UNINTERRUPTIBLE',
        SET_KILLABLE: 'KILLABLE',
        SET_STOPPED: 'STOPPED',
        SET_TRACED: 'TRACED',
        SET_DEAD: 'DEAD',
      },
    },
    INTERRUPTIBLE: { on: SLEEPING_WAKE },
    UNINTERRUPTIBLE: { on: SLEEPING_WAKE },
    KILLABLE: { on: SLEEPING_WAKE },
    STOPPED: { on: SLEEPING_WAKE },
    TRACED: { on: SLEEPING_WAKE },
    WAKING: { on: { ENQUEUED: 'RUNNING' } },
    DEAD: { type: 'final' },
  },
});

export const ptraceLinkMachine = setup({
  types: {
    events: {} as { type: 'ATTACH' } | { type: 'SEIZE' } | { type: 'FREEZE' } | { type: 'UNFREEZE' } | { type: 'UNLINK' },
  },
}).createMachine({
  id: 'ptrace-link',
  initial: 'UNTRACED',
  states: {
    UNTRACED: { on: { ATTACH: 'ATTACHED', SEIZE: 'SEIZED' } },
    ATTACHED: { on: { FREEZE: 'ATTACHED_FROZEN', UNLINK: 'UNTRACED' } },
    SEIZED: { on: { FREEZE: 'SEIZED_FROZEN', UNLINK: 'UNTRACED' } },
    ATTACHED_FROZEN: { on: { UNFREEZE: 'ATTACHED', UNLINK: 'UNLINKED_FROZEN' } },
    SEIZED_FROZEN: { on: { UNFREEZE: 'SEIZED', UNLINK: 'UNLINKED_FROZEN' } },
    UNLINKED_FROZEN: { on: { UNFREEZE: 'UNTRACED' } },
  },
});
