/**
 * The Redox locks' own rules, as the engine checks them (LockGuard). In the
 * Rust source a field inside a `RwLock<T>` or `Mutex<T>` cannot be reached
 * without the guard the lock returns, and a write needs a write guard
 * (`&mut T` comes only from `write()`): each access of the model's cell must
 * be made while its CPU holds the lock, write-held for a write under a
 * RwLock.
 *
 * Left out, because the source reaches them another way:
 * - `running`, `ksig` and the signal stack (`arch.signal_stack`, the model's
 *   `sigframe`): switch() writes them through raw pointers (`*to_ptr`,
 *   `*from_ptr`) after the context guards are gone (switch.rs:128-129,
 *   :153-155 at cf0a7620; :129-130, :152-154 at cbb17327). What protects
 *   those writes is CONTEXT_SWITCH_LOCK: `running` is written only there, so
 *   its writes are declared under CONTEXT_SWITCH_LOCK. `ksig` is also taken
 *   by update() under the context's guard; at cbb17327 every write of it is
 *   under CONTEXT_SWITCH_LOCK (switch_to drops the lock after the signal
 *   stack is built), at cf0a7620 switch() drops the lock first (:138) and
 *   writes ksig after it (:154): a rule only at cbb17327. Its reads and the
 *   signal stack's have no rule (the resumed context reads its own frame).
 * - `context.id` and the proc: handle state: constants, or not shared here.
 * The idle contexts' fields are constants (context.ts): no cell, no rule.
 */
import type { ModelBuilder } from '../../model/build.ts';
import type { RedoxContext } from './context.ts';
import type { RedoxKernel } from './kernel.ts';
import { COMMIT } from './refs.ts';

/** `redox@<commit> <file>:<line>: <what>`, with the line of the version being modelled. */
function at(k: RedoxKernel, file: string, l2019: string, l2020: string, what: string): string {
  return `redox@${COMMIT[k.v]} ${file}:${k.v === '2019' ? l2019 : l2020}: ${what}`;
}

/** The cells of a context's `RwLock<Context>` fields that some path writes (constants have none). */
function contextFields(c: RedoxContext): number[] {
  return [c.status, c.ptraceStop, c.cpuId, c.pending, c.ksigRestore].map((f) => f.addr).filter((a) => a >= 0);
}

/** Declares the lock rules of every context, the contexts map, the sessions and their wait conditions. After every context and session exists (RedoxKernel.finish). */
export function declareRedoxGuards(b: ModelBuilder, k: RedoxKernel): void {
  const ctxSrc = at(
    k,
    'src/context/list.rs',
    '15',
    '15',
    'the map holds Arc<RwLock<Context>>: status, ptrace_stop, cpu_id, pending, ksig_restore are fields of Context (context.rs)',
  );
  for (const c of k.contexts) {
    if (c.idle) continue;
    const cells = contextFields(c);
    if (cells.length > 0) b.guardedBy({ cells, lock: c.lock, access: 'read-write', source: ctxSrc });
  }
  const running = k.contexts.map((c) => c.running.addr).filter((a) => a >= 0);
  b.guardedBy({
    cells: running,
    lock: k.csl,
    access: 'write',
    source: at(
      k,
      'src/context/switch.rs',
      '72, 128-129',
      '72, 129-130',
      '"Set the global lock to avoid the unsafe operations below from causing issues": running is written only by switch(), through raw pointers, under CONTEXT_SWITCH_LOCK',
    ),
  });
  if (k.v === '2020') {
    const ksig = k.contexts.map((c) => c.ksig.addr).filter((a) => a >= 0);
    if (ksig.length > 0) {
      b.guardedBy({
        cells: ksig,
        lock: k.csl,
        access: 'write',
        source: at(
          k,
          'src/context/switch.rs',
          '-',
          '19, 153',
          'ksig is taken by update() and set by switch() through a raw pointer, both under CONTEXT_SWITCH_LOCK, which switch_to drops (arch/x86_64.rs:173)',
        ),
      });
    }
  }
  const created = k.contexts.map((c) => c.exists.addr).filter((a) => a >= 0);
  if (created.length > 0) {
    b.guardedBy({
      cells: created,
      lock: k.contextsLock,
      access: 'read-write',
      source: at(k, 'src/context/mod.rs', '44', '44', 'static CONTEXTS: Once<RwLock<ContextList>> (contexts() / contexts_mut())'),
    });
  }
  const mapSrc =
    k.v === '2019'
      ? at(
          k,
          'src/ptrace.rs',
          '75',
          '-',
          'static SESSIONS: Once<RwLock<SessionMap>>; a Session (breakpoint, events) is a value of the map',
        )
      : at(k, 'src/ptrace.rs', '-', '123', 'static SESSIONS: Once<RwLock<SessionMap>> (the map of Arc<Session>)');
  for (const s of k.sessions) {
    if (k.v === '2019') {
      b.guardedBy({ cells: [s.exists, s.breakpoint, s.events], lock: k.sessionsLock, access: 'read-write', source: mapSrc });
    } else {
      b.guardedBy({ cells: [s.exists], lock: k.sessionsLock, access: 'read-write', source: mapSrc });
      b.guardedBy({
        cells: [s.breakpoint, s.events],
        lock: s.data,
        access: 'read-write',
        source: at(k, 'src/ptrace.rs', '-', '105', 'Session { data: Mutex<SessionData> } (breakpoint, events)'),
      });
    }
    for (const wc of [s.tracee, s.tracer]) {
      b.guardedBy({
        cells: [wc.list],
        lock: wc.lock,
        access: 'read-write',
        source: at(k, 'src/sync/wait_condition.rs', '9', '9', 'WaitCondition { contexts: Mutex<Vec<Arc<RwLock<Context>>>> }'),
      });
    }
  }
}
