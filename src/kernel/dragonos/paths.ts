/**
 * Every path of the DragonOS model by name: the table a DragonKernel's
 * `k.fn` starts from (see src/kernel/common/paths.ts). Each path takes the
 * kernel first and calls every other path through `k.fn`, so a variant can
 * put other code in place of any one of them with `k.override(name, …)`.
 * The names are the model's (camelCase forms of the Rust functions they
 * mirror); each file says which source function a path follows.
 */
import {
  blockForever,
  doIrqTail,
  enterIrq,
  exitToUserModeLoop,
  retFromIntrToUser,
  returnToUserAndRun,
  spinWhileHeld,
  syscallReturnAndRun,
  userMode,
} from './entry.ts';
import { sigStop } from './generic-signal.ts';
import {
  enqueueTaskOnCpu,
  markStopMaster,
  prepareSigcontMaster,
  readOnRq,
  sighandWrite,
  sighandWriteDrop,
  sigStopMaster,
  transitionGroupContinue,
  transitionGroupStop,
  wakeupStopMaster,
} from './job-control-master.ts';
import { lockNoPreempt, unlockPreempt } from './locks.ts';
import { kick, markSleep, markStop, trySiginfoMut, wakeup, wakeupStop } from './process.ts';
import {
  notifyTracer,
  ptraceCheckAttach,
  ptraceCont,
  ptraceDetach,
  ptraceSignal,
  ptraceStop,
  ptraceStopAfterSchedule,
  ptraceStopUntilSchedule,
  ptraceUnlink,
  tracerOf,
} from './ptrace.ts';
import {
  __schedule,
  activateTask,
  deactivateTask,
  dequeueNotRunnableMaster,
  enqueueTask,
  flagsInsert,
  flagsRemove,
  idleLoop,
  resumeFromSchedule,
  schedule,
  scheduleTail,
} from './sched.ts';
import {
  completeSignal,
  dequeueLocked,
  flushStopSignals,
  prepareSianal,
  recalcLocked,
  recalcSigpending,
  sendSignal,
  sharedPendingDequeue,
  sharedPendingFlushByMask,
  sharedPendingPush,
  sharedPendingQueueHas,
  sharedPendingSignal,
  sharedPendingSignalInsert,
  sigFatalCheck,
  sighandHas,
  sighandRead,
  sighandReadDrop,
  sighandUpdate,
  sigIgnored,
  siginfoMut,
  siginfoMutDrop,
  signalWakeUp,
  wantsSignal,
} from './signal.ts';
import {
  doSignal,
  doSignalHead,
  doSignalHeadLoop,
  doSignalMaster,
  doSignalPr1663,
  doSignalPr1663Loop,
  setCurrentBlocked,
  trySiginfoIrqsave,
} from './x86-signal.ts';

export const DRAGON_PATHS = {
  // entry.ts
  blockForever,
  doIrqTail,
  enterIrq,
  exitToUserModeLoop,
  retFromIntrToUser,
  returnToUserAndRun,
  spinWhileHeld,
  syscallReturnAndRun,
  userMode,
  // generic-signal.ts
  sigStop,
  // job-control-master.ts
  enqueueTaskOnCpu,
  markStopMaster,
  prepareSigcontMaster,
  readOnRq,
  sighandWrite,
  sighandWriteDrop,
  sigStopMaster,
  transitionGroupContinue,
  transitionGroupStop,
  wakeupStopMaster,
  // locks.ts
  lockNoPreempt,
  unlockPreempt,
  // process.ts
  kick,
  markSleep,
  markStop,
  trySiginfoMut,
  wakeup,
  wakeupStop,
  // ptrace.ts
  notifyTracer,
  ptraceCheckAttach,
  ptraceCont,
  ptraceDetach,
  ptraceSignal,
  ptraceStop,
  ptraceStopAfterSchedule,
  ptraceStopUntilSchedule,
  ptraceUnlink,
  tracerOf,
  // sched.ts
  __schedule,
  activateTask,
  deactivateTask,
  dequeueNotRunnableMaster,
  enqueueTask,
  flagsInsert,
  flagsRemove,
  idleLoop,
  resumeFromSchedule,
  schedule,
  scheduleTail,
  // signal.ts
  completeSignal,
  dequeueLocked,
  flushStopSignals,
  prepareSianal,
  recalcLocked,
  recalcSigpending,
  sendSignal,
  sharedPendingDequeue,
  sharedPendingFlushByMask,
  sharedPendingPush,
  sharedPendingQueueHas,
  sharedPendingSignal,
  sharedPendingSignalInsert,
  sigFatalCheck,
  sighandHas,
  sighandRead,
  sighandReadDrop,
  sighandUpdate,
  sigIgnored,
  siginfoMut,
  siginfoMutDrop,
  signalWakeUp,
  wantsSignal,
  // x86-signal.ts
  doSignal,
  doSignalHead,
  doSignalHeadLoop,
  doSignalMaster,
  doSignalPr1663,
  doSignalPr1663Loop,
  setCurrentBlocked,
  trySiginfoIrqsave,
};

/** The DragonOS paths, by name: `k.fn`'s type, and what `k.override` takes. */
export type DragonPaths = typeof DRAGON_PATHS;
