/**
 * The ptrace session (src/ptrace.rs): one Session per traced context in the
 * global SESSIONS map, with its breakpoint, its event queue and two
 * WaitConditions (tracee parks on `tracee`, tracer on `tracer`).
 *
 * 2019 (@cf0a7620): everything is under the SESSIONS spin RwLock; waiters
 * check their condition under it, drop it, then call WaitCondition::wait.
 * 2020 (@cbb17327): a per-session `data` Mutex guards breakpoint and events;
 * waiters check and queue themselves while holding it (wait(data)).
 *
 * Encodings: the breakpoint cell is 0 for None, else its flags with
 * REACHED (bit 16) for `reached`. The event queue is one cell holding up to
 * four 8-bit slots, oldest in the low bits: the event's `cause` (4 bits) and
 * a model-only tag (3 bits) naming the syscall invocation or clone that
 * produced it. The kernel's PtraceEvent carries no syscall number
 * (ptrace_event! fills only `cause`); the tag exists so that an invariant can
 * compare what the tracer concludes with what happened. Tracer programs never
 * branch on it. A PtraceEvent's other fields are not modelled.
 */
import { flagsFormatter } from '../../cpu/memory.ts';
import {
  load,
  type Program,
  readLock,
  readUnlock,
  rmw,
  spinLock,
  spinUnlock,
  store,
  writeLock,
  writeUnlock,
} from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { EXITED, type RedoxContext } from './context.ts';
import type { RedoxKernel } from './kernel.ts';
import { newWaitCondition, type WaitCondition } from './wait-condition.ts';

// syscall@6ba71e7e src/flag.rs:121-135
export const STOP_PRE_SYSCALL = 0x01;
export const STOP_POST_SYSCALL = 0x02;
export const STOP_SINGLESTEP = 0x04;
export const STOP_SIGNAL = 0x08;
export const STOP_BREAKPOINT = 0x10;
export const STOP_EXIT = 0x20;
export const STOP_MASK = 0xff;
export const EVENT_CLONE = 0x100;
export const EVENT_MASK = 0xf00;
export const FLAG_IGNORE = 0x1000;
export const FLAG_WAIT = 0x2000;
export const REACHED = 0x10000;

const FLAG_NAMES = {
  [STOP_PRE_SYSCALL]: 'PRE_SYSCALL',
  [STOP_POST_SYSCALL]: 'POST_SYSCALL',
  [STOP_SINGLESTEP]: 'SINGLESTEP',
  [STOP_SIGNAL]: 'SIGNAL',
  [STOP_BREAKPOINT]: 'BREAKPOINT',
  [STOP_EXIT]: 'EXIT',
  [EVENT_CLONE]: 'EVENT_CLONE',
  [FLAG_IGNORE]: 'IGNORE',
  [FLAG_WAIT]: 'WAIT',
  [REACHED]: 'reached',
};
const flagsFmt = flagsFormatter(FLAG_NAMES);
const bpFormatter = (v: number): string => (v === 0 ? 'None' : `Some(${flagsFmt(v)})`);

/** Event causes in queue order, as 4-bit codes. */
const CAUSES = [0, STOP_PRE_SYSCALL, STOP_POST_SYSCALL, STOP_SINGLESTEP, STOP_SIGNAL, STOP_BREAKPOINT, STOP_EXIT, EVENT_CLONE];
const MAX_EVENTS = 4;

export interface QueuedEvent {
  readonly cause: number;
  /** model-only: which invocation produced it */
  readonly tag: number;
}

export function eventsOf(queue: number): QueuedEvent[] {
  const out: QueuedEvent[] = [];
  for (let i = 0; i < MAX_EVENTS; i++) {
    const slot = (queue >>> (8 * i)) & 0xff;
    if (slot === 0) break;
    out.push({ cause: CAUSES[slot & 0xf] as number, tag: slot >>> 4 });
  }
  return out;
}

function pushEvent(queue: number, cause: number, tag: number): number {
  const n = eventsOf(queue).length;
  if (n >= MAX_EVENTS) throw new Error(`model bound: more than ${MAX_EVENTS} queued ptrace events`);
  if (tag < 0 || tag > 7) throw new Error(`event tag ${tag} out of range`);
  return queue | ((CAUSES.indexOf(cause) | (tag << 4)) << (8 * n));
}

const eventsFormatter = (v: number): string =>
  `[${eventsOf(v)
    .map((e) => `${flagsFmt(e.cause)}${e.tag ? `#${e.tag}` : ''}`)
    .join(',')}]`;

export interface Session {
  readonly target: RedoxContext;
  /** the map has an entry for target's pid */
  readonly exists: number;
  readonly breakpoint: number;
  readonly events: number;
  /** 2020: `data: Mutex<SessionData>`; -1 in 2019 */
  readonly data: number;
  readonly tracee: WaitCondition;
  readonly tracer: WaitCondition;
}

/** A session on `target`, open at time 0 when `open` (try_new_session already ran). */
export function newSession(k: RedoxKernel, target: RedoxContext, open: boolean): Session {
  const l = k.b.layout;
  const n = `session(${target.name})`;
  const s: Session = {
    target,
    exists: l.cell(`${n}.exists`, open ? 1 : 0),
    breakpoint: l.cell(`${n}.breakpoint`, 0, bpFormatter),
    events: l.cell(`${n}.events`, 0, eventsFormatter),
    data: k.v === '2020' ? l.spinlock(`${n}.data`) : -1,
    tracee: newWaitCondition(k, `${n}.tracee`),
    tracer: newWaitCondition(k, `${n}.tracer`),
  };
  k.sessions.push(s);
  return s;
}

const FILE = 'src/ptrace.rs';

/** sessions.get(&pid): one load of the entry (no step when no session is ever opened on that pid). */
export function* lookup(_k: RedoxKernel, s: Session | null, ref: string): Program<boolean> {
  if (s === null) return false;
  const e: number = yield load(s.exists, ref, `sessions.get(&${s.target.name})`);
  return e !== 0;
}

/** The session map lock: write in 2019 for the tracee side, read (plus `data`) in 2020. */
export function* lockMap(k: RedoxKernel, write: boolean, ref: string): Program<void> {
  yield write ? writeLock(k.sessionsLock, ref, 'sessions_mut()') : readLock(k.sessionsLock, ref, 'sessions()');
}
export function* unlockMap(k: RedoxKernel, write: boolean, ref: string): Program<void> {
  yield write ? writeUnlock(k.sessionsLock, ref, 'drop sessions_mut()') : readUnlock(k.sessionsLock, ref, 'drop sessions()');
}

/**
 * Session::send_event (@cf0a7620 :59-70) / SessionData::add_event + the
 * caller's tracer.notify() (@cbb17327 :57-65, :202, :299): push, then
 * notify the tracer. proc_trigger_event is not modelled.
 */
export function* addEventAndNotify(
  k: RedoxKernel,
  s: Session,
  cause: number,
  tag: number,
  ref: string,
  notifyRef: string,
): Program<void> {
  yield rmw(s.events, (q) => pushEvent(q, cause, tag), ref, `events.push_back(${flagsFmt(cause)})`);
  yield* k.fn.notify(k, s.tracer, notifyRef);
}

/**
 * breakpoint_callback (@cf0a7620 :244-275, @cbb17327 :269-306): the tracee
 * side of a stop. Returns the breakpoint's flags when it stopped, null when
 * no breakpoint matched.
 */
export function* breakpointCallback(
  k: RedoxKernel,
  s: Session | null,
  me: RedoxContext,
  match: number,
  tag: number,
  ctx: TaskContext,
): Program<number | null> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'breakpoint_callback', l19, l20);
  if (k.v === '2019') {
    yield readLock(me.lock, R(249, '-'), `${me.name}.read() (held to :270)`);
    yield* k.fn.lockMap(k, true, R(251, '-'));
    const found = yield* k.fn.lookup(k, s, R(252, '-'));
    const bp = found && s ? ((yield load(s.breakpoint, R(253, '-'), 'session.breakpoint.as_mut()?')) as number) : 0;
    if (!found || !s || bp === 0 || (bp & match) !== match) {
      yield* k.fn.unlockMap(k, true, R('253-256', '-'));
      yield readUnlock(me.lock, R('253-256', '-'), `drop ${me.name}.read()`);
      return null;
    }
    yield store(s.breakpoint, bp | REACHED, R(261, '-'), 'breakpoint.reached = true');
    yield* k.fn.addEventAndNotify(k, s, match, tag, R(264, '-'), R(264, '-'));
    yield* k.fn.unlockMap(k, true, R(270, '-'));
    yield readUnlock(me.lock, R(270, '-'), `drop ${me.name}.read()`);
    // Window W2: the tracer may already see `reached` and continue us before we are queued.
    while (!(yield* k.fn.wait(k, s.tracee, me, -1, ctx))) {
      /* `while !tracee.wait() {}` (:272): no re-check */
    }
    return bp & ~REACHED;
  }
  for (;;) {
    yield readLock(me.lock, R('-', 274), `${me.name}.read()`);
    yield* k.fn.lockMap(k, false, R('-', 276));
    const found = yield* k.fn.lookup(k, s, R('-', 277));
    yield* k.fn.unlockMap(k, false, R('-', 280));
    yield readUnlock(me.lock, R('-', 280), `drop ${me.name}.read()`);
    if (!found || !s) return null;
    yield spinLock(s.data, R('-', 282), 'session.data.lock()');
    const bp: number = yield load(s.breakpoint, R('-', 283), 'data.breakpoint?');
    if (bp === 0 || (bp & match) !== match) {
      yield spinUnlock(s.data, R('-', '283-288'), 'drop data');
      return null;
    }
    yield store(s.breakpoint, bp | REACHED, R('-', '291-293'), 'breakpoint.reached = true');
    yield* k.fn.addEventAndNotify(k, s, match, tag, R('-', 296), R('-', 299));
    if (yield* k.fn.wait(k, s.tracee, me, s.data, ctx)) return bp & ~REACHED;
    // woken by a signal: loop, re-set reached and push the event again (:270)
  }
}

/** send_event (@cf0a7620 :140-156, @cbb17327 :182-205): used by clone. Returns whether the event was sent. */
export function* sendEvent(k: RedoxKernel, s: Session | null, me: RedoxContext, cause: number, tag: number): Program<boolean> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'send_event', l19, l20);
  const w = k.v === '2019';
  yield readLock(me.lock, R(143, 186), `${me.name}.read()`);
  if (!w) yield readUnlock(me.lock, R('-', 188), `drop ${me.name}.read()`);
  yield* k.fn.lockMap(k, w, R(145, 190));
  const found = yield* k.fn.lookup(k, s, R(146, 191));
  if (!found || !s) {
    yield* k.fn.unlockMap(k, w, R(146, 191));
    if (w) yield readUnlock(me.lock, R(146, '-'), `drop ${me.name}.read()`);
    return false;
  }
  if (!w) yield spinLock(s.data, R('-', 192), 'session.data.lock()');
  const bp: number = yield load(s.breakpoint, R(147, 193), 'breakpoint.as_ref()?');
  const ok = bp !== 0 && (cause & bp) === cause;
  if (ok) yield* k.fn.addEventAndNotify(k, s, cause, tag, R(153, 200), R(153, 202));
  if (!w) yield spinUnlock(s.data, R('-', 205), 'drop data');
  yield* k.fn.unlockMap(k, w, R(156, 205));
  if (w) yield readUnlock(me.lock, R(156, '-'), `drop ${me.name}.read()`);
  return ok;
}

/** wait (@cf0a7620 :214-238, @cbb17327 :225-261): the tracer waits for a stop or an event. Returns false for ESRCH. */
export function* tracerWait(k: RedoxKernel, s: Session, me: RedoxContext, ctx: TaskContext): Program<boolean> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'wait', l19, l20);
  if (k.v === '2019') {
    yield* k.fn.lockMap(k, false, R(216, '-'));
    const found = yield* k.fn.lookup(k, s, R(217, '-'));
    let sleep = false;
    if (found) {
      const bp: number = yield load(s.breakpoint, R(218, '-'), 'breakpoint.map(|b| !b.reached).unwrap_or(true)');
      if (bp === 0 || (bp & REACHED) === 0) {
        const ev: number = yield load(s.events, R(219, '-'), 'if !session.events.is_empty()');
        sleep = ev === 0;
      }
    }
    yield* k.fn.unlockMap(k, false, R(226, '-'));
    if (!sleep) return true;
    // Window W1: a stop between the check above and the push in wait() notifies nobody.
    while (!(yield* k.fn.wait(k, s.tracer, me, -1, ctx))) {
      /* `while !tracer.wait() {}` (:228): no re-check */
    }
  } else {
    for (;;) {
      yield* k.fn.lockMap(k, false, R('-', 228));
      const found = yield* k.fn.lookup(k, s, R('-', 230));
      yield* k.fn.unlockMap(k, false, R('-', 234));
      if (!found) return true;
      yield spinLock(s.data, R('-', 238), 'session.data.lock()');
      const bp: number = yield load(s.breakpoint, R('-', 241), 'breakpoint.map(|b| b.reached)');
      let ready = (bp & REACHED) !== 0;
      if (!ready) {
        const ev: number = yield load(s.events, R('-', 241), '|| !data.events.is_empty()');
        ready = ev !== 0;
      }
      if (ready) {
        yield spinUnlock(s.data, R('-', 242), 'break (drop data)');
        break;
      }
      if (yield* k.fn.wait(k, s.tracer, me, s.data, ctx)) break;
    }
  }
  const st = yield* k.fn.readStatus(k, s.target, R('230-235', '253-258'));
  return st !== EXITED;
}

/** next_breakpoint (@cf0a7620 :280-290, @cbb17327 :310-321): the flags of the current breakpoint, or null. */
export function* nextBreakpoint(k: RedoxKernel, s: Session | null, me: RedoxContext): Program<number | null> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'next_breakpoint', l19, l20);
  yield readLock(me.lock, R(283, 313), `${me.name}.read()`);
  yield* k.fn.lockMap(k, false, R(285, 315));
  const found = yield* k.fn.lookup(k, s, R(286, 316));
  let bp = 0;
  if (found && s) {
    if (k.v === '2020') yield spinLock(s.data, R('-', 317), 'session.data.lock()');
    bp = yield load(s.breakpoint, R(287, 318), 'breakpoint?');
    if (k.v === '2020') yield spinUnlock(s.data, R('-', 321), 'drop data');
  }
  yield* k.fn.unlockMap(k, false, R(290, 321));
  yield readUnlock(me.lock, R(290, 321), `drop ${me.name}.read()`);
  return bp === 0 ? null : bp & ~REACHED;
}

/** cont (@cf0a7620 :184-196): breakpoint = None, then tracee.notify(), under the map write lock. */
export function* cont(k: RedoxKernel, s: Session): Program<void> {
  const R = (l: number) => k.ref(FILE, 'cont', l, '-');
  yield* k.fn.lockMap(k, true, R(185));
  if (yield* k.fn.lookup(k, s, R(186))) {
    yield store(s.breakpoint, 0, R(193), 'session.breakpoint = None');
    yield* k.fn.notify(k, s.tracee, R(195));
  }
  yield* k.fn.unlockMap(k, true, R(196));
}

/** set_breakpoint (@cf0a7620 :200-207): a separate critical section from cont (window W3). */
export function* setBreakpoint2019(k: RedoxKernel, s: Session, flags: number): Program<void> {
  const R = (l: number) => k.ref(FILE, 'set_breakpoint', l, '-');
  yield* k.fn.lockMap(k, true, R(201));
  yield* k.fn.lookup(k, s, R(202));
  yield store(s.breakpoint, flags, R(203), `session.breakpoint = Some(${flagsFmt(flags)}, reached: false)`);
  yield* k.fn.unlockMap(k, true, R(207));
}

/** with_session (@cbb17327 :110-118) + data.lock(): runs `body` with the map read lock and `data` held. */
export function* withSessionData(k: RedoxKernel, s: Session, ref: string, body: () => Program<void>): Program<boolean> {
  yield* k.fn.lockMap(k, false, ref);
  const found = yield* k.fn.lookup(k, s, ref);
  if (found) {
    yield spinLock(s.data, ref, 'session.data.lock()');
    yield* body();
    yield spinUnlock(s.data, ref, 'drop data');
  }
  yield* k.fn.unlockMap(k, false, ref);
  return found;
}

/** recv_events (@cf0a7620 :159-168): drains the queue (the tracer's buffer holds them all). */
export function* recvEvents2019(k: RedoxKernel, s: Session): Program<number> {
  const R = (l: number | string) => k.ref(FILE, 'recv_events', l, '-');
  yield* k.fn.lockMap(k, true, R(160));
  let q = 0;
  if (yield* k.fn.lookup(k, s, R(161))) {
    q = yield load(s.events, R(163), 'len = min(out.len(), events.len())');
    if (q !== 0) yield store(s.events, 0, R(164), 'events.drain(..len)');
  }
  yield* k.fn.unlockMap(k, true, R(168));
  return q;
}

/** close_session (@cf0a7620 :125-130, @cbb17327 :159-167): remove, then notify both sides, the map write lock held throughout. */
export function* closeSession(k: RedoxKernel, s: Session | null): Program<void> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'close_session', l19, l20);
  yield* k.fn.lockMap(k, true, R(126, 160));
  if (yield* k.fn.lookup(k, s, R(126, 160))) {
    const ss = s as Session;
    yield store(ss.exists, 0, R(126, 160), 'sessions_mut().remove(&pid)');
    yield* k.fn.notify(k, ss.tracer, R(127, 161));
    yield* k.fn.notify(k, ss.tracee, R(128, 162));
    if (k.v === '2020') {
      yield spinLock(ss.data, R('-', 164), 'session.data.lock() (proc_trigger_event)');
      yield spinUnlock(ss.data, R('-', 166), 'drop data');
    }
  }
  // `if let Some(session) = sessions_mut().remove(..)`: the guard lives to the end of the `if let`.
  yield* k.fn.unlockMap(k, true, R(129, 166));
}

/** close_tracee (@cf0a7620 :293-304): called by exit(); breakpoint = None, tracer.notify(). */
export function* closeTracee(k: RedoxKernel, s: Session | null): Program<void> {
  const R = (l: number) => k.ref(FILE, 'close_tracee', l, '-');
  yield* k.fn.lockMap(k, true, R(294));
  if (yield* k.fn.lookup(k, s, R(295))) {
    const ss = s as Session;
    yield store(ss.breakpoint, 0, R(299), 'session.breakpoint = None');
    yield* k.fn.notify(k, ss.tracer, R(300));
  }
  yield* k.fn.unlockMap(k, true, R(304));
}

/** is_traced (@cf0a7620 :108-110, @cbb17327 :170-172). */
export function* isTraced(k: RedoxKernel, s: Session | null): Program<boolean> {
  const R = k.ref(FILE, 'is_traced', 109, 171);
  yield* k.fn.lockMap(k, false, R);
  const found = yield* k.fn.lookup(k, s, R);
  yield* k.fn.unlockMap(k, false, R);
  return found;
}
