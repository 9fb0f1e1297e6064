/**
 * dragonos/c1-siginfo-trylock — review concern 1 on PR #1663: after
 * ptrace_signal, do_signal re-takes sig_info with try_siginfo_mut(5) and
 * returns if the five attempts fail (arch/x86_64/ipc/signal.rs:643-646),
 * dropping the signal the tracer injected.
 *
 * T (the tracee) is parked in ptrace_stop, reporting SIGUSR1 it dequeued
 * (ptrace_signal → ptrace_stop → schedule). P, its tracer, resumes it with
 * PTRACE_CONT and SIGUSR1 as data, then waits (waitpid). S sends T SIGUSR2
 * (which T blocks), holding T's sig_info for reading in send_signal
 * (ipc/signal.rs:149-191). T's handler for SIGUSR1 is a user handler.
 *
 * master: no ptrace stop exists; the variant models T handling the signal
 * with master's do_signal while S sends, which checks that master's only
 * sig_info try-lock (752, before any dequeue) loses nothing.
 */
import { SIG, sigmask } from '../../kernel/common/bits.ts';
import { type Pcb, PF, ST } from '../../kernel/dragonos/kernel.ts';
import { putBack } from '../../kernel/dragonos/known-bugs.ts';
import { followResumes, registerResumeDelivered } from '../../kernel/dragonos/resume-ghosts.ts';
import type { DoSignalEnv } from '../../kernel/dragonos/x86-signal.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import {
  BOUNDS,
  COMMITS,
  finishKernel,
  GhostLedger,
  GUARD_HELD,
  NO_LEDGER,
  NO_TICK,
  newKernel,
  signalHandledOnce,
  simpleHandler,
  stoppedNeverRuns,
  TICK_EACH,
} from './common.ts';

export default defineScenario({
  name: 'dragonos/c1-siginfo-trylock',
  summary:
    'the tracee resumes from ptrace_stop with an injected signal while another CPU reads its sig_info: is the signal dropped?',
  cpus: 2,
  invariants: ['signal-handled-once', 'ptrace-resume-delivered', 'stopped-never-runs', GUARD_HELD],
  bounds: BOUNDS,
  variants: {
    pr1663: {
      summary: 'do_signal re-takes sig_info with try_siginfo_mut(5) after ptrace_signal and returns on failure',
      source: COMMITS.pr1663,
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: 'signal-handled-once',
          why: 'S holds a read guard on T.sig_info on CPU1 while T makes its five try_write attempts at 643: SIGUSR1 is dropped',
        },
        {
          cpus: 1,
          irq: NO_TICK,
          verdict: 'holds',
          why: 'one core, no timer tick: nothing preempts, each task runs its path to the end (a single execution)',
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: "S reads T's sig_info with irqs off (sig_info_irqsave): on one CPU nothing else runs while it holds it",
        },
        {
          cpus: 2,
          only: ['ptrace-resume-delivered', 'stopped-never-runs'],
          verdict: 'holds',
          irq: TICK_EACH,
          long: true,
          why: 'the dropped SIGUSR1 is the only fault: the signal P injects on resume is delivered, and a stopped T does not run (146k executions, 577k states; 6.9 s wall, 5.3 s of CPU at load 3)',
        },
        {
          cpus: 2,
          only: ['runqueue-sane', 'lock-discipline', 'deadlock'],
          verdict: 'holds',
          irq: TICK_EACH,
          long: true,
          why: 'the runqueues, locks and irq state stay sound, and nothing blocks for good (146k executions, 577k states; 11.5 s wall, 5.4 s of CPU at load 3-4)',
        },
        {
          cpus: 2,
          only: [GUARD_HELD],
          verdict: 'holds',
          irq: TICK_EACH,
          long: true,
          why: "every field DragonOS keeps inside a lock is accessed under it (the rows above' search)",
        },
      ],
    },
    head: {
      summary: 'blocking sig_info_mut() per dequeue; no lock is held across ptrace_signal or re-taken after it',
      source: COMMITS.head,
      expect: [
        {
          cpus: 2,
          verdict: 'holds',
          irq: TICK_EACH,
          long: true,
          why: 'nothing can fail after ptrace_signal returns the injected signal (199k executions, 1.1M states; 15.8 s wall, 7.8 s of CPU at load 4)',
        },
        { cpus: 1, irq: NO_TICK, verdict: 'holds', why: 'one core, no timer tick: nothing can interleave' },
        { cpus: 1, verdict: 'holds', why: 'as on two CPUs' },
      ],
    },
    'resume-wakes-before-inject': {
      summary: 'head with a bug put back: PTRACE_CONT wakes T before it stores injected_signal',
      source: COMMITS.head,
      expect: [
        {
          cpus: 2,
          only: ['ptrace-resume-delivered'],
          verdict: 'violated',
          invariant: 'ptrace-resume-delivered',
          why: 'T leaves ptrace_stop on CPU0 and reads injected_signal before P, on CPU1, stores SIGUSR1: the injected signal is lost',
        },
        {
          cpus: 1,
          only: ['ptrace-resume-delivered'],
          verdict: 'violated',
          invariant: 'ptrace-resume-delivered',
          why: 'a timer tick between the wakeup and the store hands the CPU to T, which reads injected_signal first',
        },
      ],
    },
    master: {
      summary: 'no ptrace stop exists (sys_ptrace accepts only TRACEME): T handles SIGUSR1 with master do_signal while S sends',
      source: COMMITS.master,
      expect: [
        {
          cpus: 2,
          verdict: 'holds',
          only: ['signal-handled-once', GUARD_HELD],
          irq: TICK_EACH,
          why: "master's only try-lock (752) comes before the dequeue: a failure leaves the signal pending (its irq finding is c2's)",
        },
        { cpus: 1, verdict: 'holds', only: ['signal-handled-once', GUARD_HELD], why: 'as on two CPUs' },
        {
          cpus: 2,
          verdict: 'holds',
          only: ['stopped-never-runs', 'runqueue-sane', 'deadlock'],
          irq: TICK_EACH,
          why: 'the runqueues stay sound and nothing blocks for good (the irq state on return is c2’s lock-discipline finding)',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const bug = variant === 'resume-wakes-before-inject' ? variant : null;
    const k = newKernel(b, bug ? 'head' : variant);
    if (bug) putBack(k, bug);
    const master = variant === 'master';
    k.actions.set(SIG.SIGUSR1, 'custom');
    k.actions.set(SIG.SIGUSR2, 'custom');
    // T, P, S: ids 0, 1, 2 (parent/tracer cells hold id + 1)
    let ledger: GhostLedger | null = null;
    const envOf = (p: Pcb): DoSignalEnv => ({
      ledger: p.id === 0 && ledger ? ledger : NO_LEDGER,
      handle: simpleHandler(k),
    });
    const T = k.spawn(
      'T',
      master
        ? {
            cpu: 0,
            start: 'current',
            flags: PF.HAS_PENDING_SIGNAL,
            pending: sigmask(SIG.SIGUSR1),
            blocked: sigmask(SIG.SIGUSR2),
          }
        : {
            cpu: 0,
            start: 'parked',
            state: ST.TracedStopped,
            sleep: true,
            flags: PF.PTRACED,
            blocked: sigmask(SIG.SIGUSR2),
            tracer: 1,
            parent: 1,
          },
      (ctx) =>
        master
          ? k.fn.returnToUserAndRun(k, T, envOf(T), ctx)
          : k.fn.returnToUserAndRun(k, T, envOf(T), ctx, { sig: SIG.SIGUSR1, sigBlock: sigmask(SIG.SIGUSR2) }),
    );
    const P = k.spawn('P', { cpu: 1, start: master ? 'queued' : 'current' }, function* (ctx) {
      if (!master) {
        yield* k.fn.ptraceCont(k, T, SIG.SIGUSR1, ctx);
        yield* k.fn.syscallReturnAndRun(k, P, envOf(P), ctx, () => k.fn.blockForever(k, P, 'waitpid(T)', ctx));
      } else {
        yield* k.fn.syscallReturnAndRun(k, P, envOf(P), ctx);
      }
    });
    const S = k.spawn('S', { cpu: 1, start: master ? 'current' : 'queued' }, function* (ctx) {
      yield* k.fn.sendSignal(k, SIG.SIGUSR2, T, ctx);
      yield* k.fn.syscallReturnAndRun(k, S, envOf(S), ctx, master ? null : () => k.fn.blockForever(k, S, 'pause()', ctx));
    });
    ledger = new GhostLedger(b, T, [SIG.SIGUSR1, SIG.SIGUSR2], master ? [] : [SIG.SIGUSR1]);
    const resumes = master ? null : followResumes(k, T);
    finishKernel(k, envOf);
    signalHandledOnce(b, ledger);
    stoppedNeverRuns(b, [T]);
    if (resumes) registerResumeDelivered(b, T, resumes);
    return b.build();
  },
});
