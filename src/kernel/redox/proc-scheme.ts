/**
 * The tracer's side: the proc: scheme's `trace` handle (src/scheme/proc.rs).
 * The handle's own lock (a per-handle Mutex at cf0a7620, the global
 * `handles` RwLock at cbb17327, held across the blocking wait in both) is
 * taken only by the tracer in these scenarios, so it is not modelled; the
 * handle's `clones` Vec is the tracer program's own array.
 */
import type { Program } from '../../cpu/ops.ts';
import { check, load, readLock, readUnlock, store, writeLock, writeUnlock } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';
import { EXITED, type RedoxContext } from './context.ts';
import type { RedoxKernel } from './kernel.ts';
import { EVENT_CLONE, EVENT_MASK, eventsOf, FLAG_WAIT, type QueuedEvent, REACHED, type Session, STOP_MASK } from './ptrace.ts';

const FILE = 'src/scheme/proc.rs';

export interface TraceHandle {
  readonly session: Session;
  readonly tracer: RedoxContext;
  /** children the tracer may see in EVENT_CLONE events, by pid */
  readonly children: readonly RedoxContext[];
}

/** Handle::continue_ignored_children (@cf0a7620 :114-130, @cbb17327 :149-163). */
export function* continueIgnoredChildren(k: RedoxKernel, h: TraceHandle, clones: number[]): Program<void> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'continue_ignored_children', l19, l20);
  for (const pid of clones.splice(0)) {
    const child = h.children.find((c) => c.pid === pid);
    if (!child) continue;
    if (yield* k.fn.isTraced(k, k.sessionOf(child))) continue;
    yield* k.fn.setPtraceStop(k, child, 0, R('124-126', '157-159'));
  }
}

/**
 * open("proc:<pid>/trace", O_TRUNC) (@cf0a7620 :169-215, @cbb17327 :201-247):
 * under the contexts map's read guard (held to the end of open), the
 * target's look-up in the map (ESRCH when it is not there) and status test, ptrace::try_new_session (@cf0a7620 ptrace.rs:89-106,
 * @cbb17327 :137-155: under sessions_mut(), EBUSY when a session exists),
 * then O_TRUNC's freeze. The permission and ancestry checks read nothing
 * another path writes and are left out. Returns false (ESRCH, EBUSY) when
 * no session was opened.
 */
export function* procOpenTrace(k: RedoxKernel, s: Session): Program<boolean> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'ProcScheme::open', l19, l20);
  const P = (l19: number | string, l20: number | string) => k.ref('src/ptrace.rs', 'try_new_session', l19, l20);
  const target = s.target;
  yield readLock(k.contextsLock, R(169, 201), 'contexts()');
  const present = yield* k.fn.readField(k, target.exists, R(170, 202), 'contexts.get(pid).ok_or(Error::new(ESRCH))?');
  const st = present === 0 ? EXITED : yield* k.fn.readStatus(k, target, R('173-177', '205-209'));
  let opened = false;
  if (st !== EXITED) {
    yield writeLock(k.sessionsLock, P(90, 138), 'sessions_mut()');
    const e: number = yield load(s.exists, P(92, 140), `sessions.entry(${target.name})`);
    if (e === 0) yield store(s.exists, 1, P(95, 143), 'vacant.insert(Session { .. })');
    yield writeUnlock(k.sessionsLock, P(106, 155), 'drop sessions_mut()');
    opened = e === 0;
    if (opened) yield* k.fn.setPtraceStop(k, target, 1, R('212-215', '244-247'));
  }
  yield readUnlock(k.contextsLock, R(226, 259), 'drop contexts()');
  return opened;
}

/** write(trace, op) (@cf0a7620 :355-470, @cbb17327 :409-525) on a blocking handle. */
export function* procWrite(k: RedoxKernel, h: TraceHandle, op: number, clones: number[], ctx: TaskContext): Program<void> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'ProcScheme::write', l19, l20);
  const s = h.session;
  yield* k.fn.continueIgnoredChildren(k, h, clones);
  if (k.v === '2019') {
    if ((op & FLAG_WAIT) === 0 || (op & STOP_MASK) !== 0) yield* k.fn.cont(k, s);
    // Window W3: the tracee is released with no breakpoint until the next line.
    if ((op & STOP_MASK) !== 0) yield* k.fn.setBreakpoint2019(k, s, op);
    yield* k.fn.setPtraceStop(k, s.target, 0, R('457-460', '-'));
    // The handle is blocking (no O_NONBLOCK): wait (:463-465).
    yield* k.fn.tracerWait(k, s, h.tracer, ctx);
    return;
  }
  const bp = (op & (STOP_MASK | EVENT_MASK)) !== 0 ? op : 0;
  yield* k.fn.withSessionData(k, s, R('-', '489-495'), function* () {
    yield store(s.breakpoint, bp, R('-', 490), 'data.set_breakpoint(Some(op).filter(STOP|EVENT))');
  });
  yield* k.fn.setPtraceStop(k, s.target, 0, R('-', '513-516'));
  const found = yield* k.fn.withSessionNoData(k, s, R('-', '519-522'));
  if (found) yield* k.fn.notify(k, s.tracee, R('-', 520));
  yield* k.fn.unlockSessionsRead(k, R('-', 522));
}

/** with_session without `data`: takes the map read lock and looks the session up; the caller unlocks. */
export function* withSessionNoData(k: RedoxKernel, s: Session, ref: string): Program<boolean> {
  yield* k.fn.lockSessionsRead(k, ref);
  const e: number = yield load(s.exists, ref, `sessions.get(&${s.target.name})`);
  return e !== 0;
}

/**
 * read(trace) (@cf0a7620 :275-351, @cbb17327 :367-405): returns the events
 * read. At cf0a7620 it never blocks; at cbb17327 a blocking handle waits
 * first, and asserts that it did not wake for nothing (:398-401).
 */
export function* procRead(k: RedoxKernel, h: TraceHandle, clones: number[], ctx: TaskContext): Program<QueuedEvent[]> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'ProcScheme::read', l19, l20);
  const s = h.session;
  let q = 0;
  if (k.v === '2019') {
    q = yield* k.fn.recvEvents2019(k, s);
  } else {
    yield* k.fn.tracerWait(k, s, h.tracer, ctx);
    let bp = 0;
    const found = yield* k.fn.withSessionData(k, s, R('-', '384-387'), function* () {
      q = yield load(s.events, R('-', 386), 'data.recv_events(slice)');
      if (q !== 0) yield store(s.events, 0, R('-', 386), 'events.drain(..len)');
      bp = yield load(s.breakpoint, R('-', 386), 'data.is_reached()');
    });
    // with_session(..)? : no session any more is ENODEV, returned before the assertion.
    if (!found) return [];
    const spurious = q === 0 && (bp & REACHED) === 0;
    yield check(
      'kernel-assert',
      [],
      () =>
        spurious
          ? 'assert!(O_NONBLOCK, "wait woke up spuriously??") fails: a blocking read found no event and no reached breakpoint'
          : null,
      R('-', '398-399'),
      'if read == 0 && !reached: assert!(O_NONBLOCK)',
    );
  }
  const events = eventsOf(q);
  for (const e of events) if (e.cause === EVENT_CLONE) clones.push(e.tag);
  return events;
}

/** close(trace) (@cf0a7620 :510-529, @cbb17327 :566-584), without O_EXCL. */
export function* procClose(k: RedoxKernel, h: TraceHandle, clones: number[]): Program<void> {
  const R = (l19: number | string, l20: number | string) => k.ref(FILE, 'ProcScheme::close', l19, l20);
  yield* k.fn.continueIgnoredChildren(k, h, clones);
  yield* k.fn.closeSession(k, h.session);
  yield* k.fn.setPtraceStop(k, h.session.target, 0, R('521-525', '577-581'));
}
