/**
 * Every path of the Redox model by name: the table a RedoxKernel's `k.fn`
 * starts from (see src/kernel/common/paths.ts). Each path takes the kernel
 * first and calls every other path through `k.fn`, so a variant can put
 * other code in place of any one of them with `k.override(name, …)`. The
 * names are the model's (camelCase forms of the Rust functions; `switch`,
 * a reserved word here, is contextSwitch).
 */
import { blockLocked, readField, unblockLocked } from './context.ts';
import { continueIgnoredChildren, procClose, procOpenTrace, procRead, procWrite, withSessionNoData } from './proc-scheme.ts';
import {
  addEventAndNotify,
  breakpointCallback,
  closeSession,
  closeTracee,
  cont,
  isTraced,
  lockMap,
  lookup,
  nextBreakpoint,
  recvEvents2019,
  sendEvent,
  setBreakpoint2019,
  tracerWait,
  unlockMap,
  withSessionData,
} from './ptrace.ts';
import {
  afterSwitch,
  blockSelf,
  contextSwitch,
  exitContext,
  idleLoop,
  lockSessionsRead,
  readStatus,
  runnablePick,
  setPtraceStop,
  unlockSessionsRead,
  update,
} from './switch.ts';
import { cloneChild, int3, killSelf, signalHandler, sigreturn, syscall } from './syscall.ts';
import { notify, wait } from './wait-condition.ts';

export const REDOX_PATHS = {
  // context.ts
  blockLocked,
  readField,
  unblockLocked,
  // proc-scheme.ts
  continueIgnoredChildren,
  procClose,
  procOpenTrace,
  procRead,
  procWrite,
  withSessionNoData,
  // ptrace.ts
  addEventAndNotify,
  breakpointCallback,
  closeSession,
  closeTracee,
  cont,
  isTraced,
  lockMap,
  lookup,
  nextBreakpoint,
  recvEvents2019,
  sendEvent,
  setBreakpoint2019,
  tracerWait,
  unlockMap,
  withSessionData,
  // switch.ts
  afterSwitch,
  blockSelf,
  contextSwitch,
  exitContext,
  idleLoop,
  lockSessionsRead,
  readStatus,
  runnablePick,
  setPtraceStop,
  unlockSessionsRead,
  update,
  // syscall.ts
  cloneChild,
  int3,
  killSelf,
  signalHandler,
  sigreturn,
  syscall,
  // wait-condition.ts
  notify,
  wait,
};

/** The Redox paths, by name: `k.fn`'s type, and what `k.override` takes. */
export type RedoxPaths = typeof REDOX_PATHS;
