/**
 * linux/detach-ignored-child — a parent that ignores SIGCHLD traces its own
 * child, detaches it, and waits for it (Linux 6.6).
 *
 * P (CPU1) has SIGCHLD set to SIG_IGN. It attaches its child C (CPU0, asleep
 * in pause()), has the SIGSTOP's stop reported, detaches it with signal 0,
 * and calls waitpid(C, 0). C, untraced again, goes back to user mode and
 * calls exit(0).
 *
 * PTRACE_DETACH of a live tracee only unlinks it: __ptrace_detach returns at
 * "if (p->exit_state != EXIT_ZOMBIE) return false" (ptrace.c:564-565). The
 * lines after it are for a zombie tracee: its real parent is the tracer and
 * ignores SIGCHLD, so the zombie is reaped there (ignoring_children:
 * __wake_up_parent, EXIT_DEAD, ptrace.c:570-579). wait(2): a parent whose
 * SIGCHLD is SIG_IGN gets no zombies; its wait "blocks until all children
 * have terminated, and then fails with ECHILD". C exits with SIGCHLD ignored:
 * exit_notify autoreaps it (do_notify_parent returns true, signal.c:2122-2143)
 * and wakes P, whose do_wait finds C's pid gone (exit.c:1599-1601).
 *
 * The rows start from a prologue run in one order: C attached and its stop
 * reported (the attach and its report are searched by linux/attach-detach;
 * the whole on two CPUs with a tick on each is 322k executions, 79 s). The
 * search covers the detach, C's way out and its exit against P's waitpid.
 *
 * - ptrace-returns: P's waitpid returns -ECHILD only after C called exit(0)
 *   (C keeps that in its memory as its last user step).
 *
 * Variant detach-reaps-live-child (a bug put back): __ptrace_detach without
 * the EXIT_ZOMBIE test: the live C is marked EXIT_DEAD at the detach, and
 * P's waitpid fails with ECHILD while C still runs.
 */
import { check, load, type Program, store } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { EXIT_DEAD } from '../../kernel/linux/consts.ts';
import { ECHILD } from '../../kernel/linux/exit-wait.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { TaskContext } from '../../model/types.ts';
import { PTRACE_INVARIANTS, TICK_BOUNDS, TICK_EACH, TICK_ONE, waitReportReady } from './ptrace-common.ts';
import { expectCall, PTRACE_RETURNS } from './refusal-common.ts';

const P = 'linux-6.6 kernel/ptrace.c';
const STOPPED = "P has attached C and waitpid has reported the attach's SIGSTOP stop";

export default defineScenario({
  name: 'linux/detach-ignored-child',
  summary: 'a parent ignoring SIGCHLD detaches its traced child and waits: ECHILD only once the child has exited (Linux 6.6)',
  cpus: 2,
  invariants: [PTRACE_RETURNS, ...PTRACE_INVARIANTS],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'P (SIGCHLD ignored): ATTACH C; waitpid; DETACH C 0; waitpid(C) — C: pause(); exit(0)',
      source:
        'linux-6.6 kernel/ptrace.c:558-581 __ptrace_detach; kernel/exit.c:1582-1641 do_wait; kernel/signal.c:2122-2143 do_notify_parent',
      prologue: STOPPED,
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'from the prologue on: the detach leaves the live C to run, and P’s waitpid sleeps until C’s exit autoreaps it, with a tick on each CPU (1,568 executions; 2.3 s under nice -n 19 at load 10)',
        },
      ],
    },
    'detach-reaps-live-child': {
      summary: '__ptrace_detach without "if (p->exit_state != EXIT_ZOMBIE) return false"',
      prologue: STOPPED,
      expect: [
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'violated',
          invariant: PTRACE_RETURNS,
          why: 'the detach marks the live C EXIT_DEAD: P’s waitpid fails with ECHILD before C has run',
        },
        { cpus: 2, irq: TICK_EACH, verdict: 'violated', invariant: PTRACE_RETURNS, why: 'as on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'detach-reaps-live-child') {
      k.override('__ptrace_detach', function* (k, ctx: TaskContext, tracer: LinuxTask, p: LinuxTask): Program<boolean> {
        yield* k.fn.__ptrace_unlink(k, ctx, p);
        // no "if (p->exit_state != EXIT_ZOMBIE) return false" (ptrace.c:564-565)
        let dead = false;
        const rp: number = yield load(p.real_parent, here`__ptrace_detach`, 'if (!same_thread_group(p->real_parent, tracer))');
        if (rp < 0 || !k.sameThreadGroup(k.task(rp), tracer)) dead = yield* k.fn.do_notify_parent(k, ctx, p);
        else if (tracer.actions[SIG.SIGCHLD] === 'ignore') dead = true; // ignoring_children: __wake_up_parent
        if (dead) yield store(p.exit_state, EXIT_DEAD, here`__ptrace_detach`, 'p->exit_state = EXIT_DEAD');
        return dead;
      });
    }
    const exited = b.layout.cell('C.exit_called', 0);
    let c = null as unknown as LinuxTask;
    const p = k.spawn(
      'P',
      1,
      script(function* (u) {
        const call = (what: string, run: Program<number>, want: number, ref: string) => expectCall('P', what, run, want, ref);
        yield* call('ptrace(PTRACE_ATTACH, C)', u.ptrace(PTRACE.ATTACH, c), 0, `${P}:480 ptrace_attach`);
        yield* u.waitpid(c);
        yield* call('ptrace(PTRACE_DETACH, C, 0)', u.ptrace(PTRACE.DETACH, c, 0), 0, `${P}:607 ptrace_detach`);
        const r = (yield* u.waitpid(c)).ret;
        yield check(
          PTRACE_RETURNS,
          [exited],
          (m) =>
            r === -ECHILD && m[exited]
              ? null
              : `P's waitpid(C) returned ${r === -ECHILD ? '-ECHILD' : r} ${m[exited] ? 'after' : 'before'} C called exit(0); with SIGCHLD ignored it blocks until C has terminated, then fails with ECHILD (wait(2); kernel/exit.c:1599-1633 do_wait)`,
          'user P',
          'waitpid(C) == -ECHILD, after C has exited',
        );
        yield* u.idle();
      }),
      { actions: { [SIG.SIGCHLD]: 'ignore' } },
    );
    c = k.spawn(
      'C',
      0,
      script(function* (u) {
        yield* u.pause();
        yield store(exited, 1, 'user C', 'exit(0) is called (its last user step)');
      }),
      { parent: p },
    );
    const pt = setupPtrace(k);
    b.prologue(STOPPED, (w) => (w.mem[pt.of(c).g_reports] as number) > 0);
    k.finish();
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(p, c)] });
    registerPtraceInvariants(b, k, pt);
    return b.build();
  },
});
