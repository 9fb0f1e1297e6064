/**
 * End-of-execution invariants shared by the Redox scenarios, read from the
 * model's real state at quiescence (nothing can run any more).
 */
import { BLOCKED, EXITED, type RedoxContext } from '../../kernel/redox/context.ts';
import type { RedoxKernel } from '../../kernel/redox/kernel.ts';
import { REACHED, type Session } from '../../kernel/redox/ptrace.ts';
import { countOf } from '../../kernel/redox/wait-condition.ts';
import type { MachineView } from '../../model/types.ts';

const at = (w: MachineView, addr: number): number => w.mem[addr] as number;

/**
 * no-lost-wakeup: a context sleeps on a WaitCondition although what it waits
 * for has happened. The tracer, on `tracer`, while the session exists and
 * its breakpoint is reached or events are queued (what ptrace::wait checks),
 * or while the tracee has exited or the session is gone (close_tracee and
 * close_session notify the tracer so that its wait ends);
 * the tracee, on `tracee`, while its breakpoint is no longer the reached one
 * it stopped at (it was continued: cleared in 2019, replaced in 2020) or the
 * session is gone.
 */
export function addTraceInvariants(k: RedoxKernel, s: Session, tracer: RedoxContext, tracee: RedoxContext): void {
  k.b.atEnd({
    name: 'no-lost-wakeup',
    check: (w) => {
      const exists = at(w, s.exists) !== 0;
      const bp = at(w, s.breakpoint);
      if (at(w, tracer.status.addr) === BLOCKED && countOf(at(w, s.tracer.list), tracer.task) > 0) {
        if (exists && ((bp & REACHED) !== 0 || at(w, s.events) !== 0)) {
          return `${tracer.name} sleeps in ptrace::wait although ${tracee.name} has stopped (${w.layout.format(s.breakpoint, bp)}, events ${w.layout.format(s.events, at(w, s.events))}): the notify came before it queued itself`;
        }
        if (!exists || at(w, tracee.status.addr) === EXITED) {
          return `${tracer.name} sleeps in ptrace::wait although ${tracee.name} has exited${exists ? '' : ' and its session is closed'}: the exit's notify came before it queued itself`;
        }
      }
      if (at(w, tracee.status.addr) === BLOCKED && countOf(at(w, s.tracee.list), tracee.task) > 0) {
        if (!exists || (bp & REACHED) === 0) {
          return `${tracee.name} sleeps at its stop although it was continued (${exists ? w.layout.format(s.breakpoint, bp) : 'session closed'}): the notify came before it queued itself`;
        }
      }
      return null;
    },
  });
  k.b.atEnd({
    name: 'no-stuck-traced',
    check: (w) => {
      if (at(w, tracee.status.addr) === EXITED) return null;
      const parked = at(w, tracee.status.addr) === BLOCKED && countOf(at(w, s.tracee.list), tracee.task) > 0;
      const frozen = at(w, tracee.ptraceStop.addr) !== 0;
      if (!parked && !frozen) return null;
      return `${tracee.name} is ${parked ? 'parked at a breakpoint' : 'frozen (ptrace_stop)'} and nothing is left that will continue it`;
    },
  });
  k.b.atEnd({
    name: 'deadlock',
    check: (w) =>
      at(w, tracer.status.addr) === BLOCKED && at(w, tracee.status.addr) === BLOCKED
        ? `${tracer.name} and ${tracee.name} are both asleep and neither can wake the other`
        : null,
  });
}
