/**
 * linux/traced-group-stop — a traced task's group stop is reported to its
 * tracer and to its real parent (Linux 6.6).
 *
 * P (CPU0, ahead of C) is C's parent and waits for it with
 * waitpid(C, WUNTRACED). D (CPU1), another process, attaches C (asleep in
 * pause()), has the SIGSTOP's signal-delivery stop reported, and resumes C
 * with that SIGSTOP as the signal to deliver: C enters a group stop while
 * traced (do_signal_stop → do_jobctl_trap → ptrace_stop(CLD_STOPPED)),
 * completes it (task_participate_group_stop: SIGNAL_STOP_STOPPED), and
 * ptrace_stop reports it twice under tasklist_lock: to D
 * (do_notify_parent_cldstop(current, true, why), signal.c:2326-2327) and,
 * since C is reparented (include/linux/ptrace.h:100-103: real_parent P is
 * not in D's group), to P (do_notify_parent_cldstop(current, false, why),
 * signal.c:2328-2329), whose wait_chldexit it wakes. D's waitpid reports
 * the trap (0x137f), and P's the group stop (0x137f: SIGNAL_STOP_STOPPED
 * with group_exit_code SIGSTOP, exit.c:1237-1240 task_stopped_code).
 *
 * The rows start from a prologue run in one order: P asleep in its
 * waitpid, C attached, and its SIGSTOP stop reported to D (the attach and
 * its report are searched by linux/attach-detach and linux/ptrace-refusals;
 * the whole of this model on two CPUs is over 500k executions). The search
 * covers the rest: the resume with SIGSTOP, the group stop and its two
 * reports against D's second waitpid, and P's wake.
 *
 * - ptrace-returns: D's and P's waitpid give C's stop by SIGSTOP.
 * - no-lost-wakeup: P never sleeps in waitpid while the group stop is
 *   there to report.
 *
 * Variant parent-elsewhere: the same without P (C's parent is outside the
 * model, as for most scenarios): the second report goes to a parent the
 * model does not hold; D's reports are as above.
 *
 * Variant stop-not-told-to-parent (a bug put back): ptrace_stop without the
 * second report (signal.c:2328-2330): P sleeps on while C is stopped.
 */
import type { Program } from '../../cpu/ops.ts';
import { SIG } from '../../kernel/common/bits.ts';
import { SIGNAL_STOP_STOPPED, WUNTRACED } from '../../kernel/linux/consts.ts';
import { registerLinuxInvariants, sleepsWhile } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { PTRACE } from '../../kernel/linux/ptrace.ts';
import { registerPtraceInvariants } from '../../kernel/linux/ptrace-invariants.ts';
import { script, setupPtrace } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { PTRACE_INVARIANTS, TICK_BOUNDS, TICK_EACH, TICK_ONE, waitReportReady } from './ptrace-common.ts';
import { expectCall, expectReturn, PTRACE_RETURNS } from './refusal-common.ts';

const STOPPED_BY_SIGSTOP = (SIG.SIGSTOP << 8) | 0x7f;
const WAIT = 'linux-6.6 kernel/exit.c:1310 wait_task_stopped';
const ATTACHED = "P sleeps in waitpid(C, WUNTRACED), D has attached C and waitpid has reported the attach's SIGSTOP stop";
const ATTACHED_NO_P = "D has attached C and waitpid has reported the attach's SIGSTOP stop";

export default defineScenario({
  name: 'linux/traced-group-stop',
  summary: "a traced task's group stop is reported to its tracer and to its real parent (Linux 6.6)",
  cpus: 2,
  invariants: [PTRACE_RETURNS, ...PTRACE_INVARIANTS],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'P: waitpid(C, WUNTRACED) — D: ATTACH C; waitpid; CONT C SIGSTOP; waitpid — C: pause()',
      source: 'linux-6.6 kernel/signal.c:2300-2330 ptrace_stop; include/linux/ptrace.h:100-103 ptrace_reparented',
      prologue: ATTACHED,
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'from the prologue on: the completed group stop wakes P, whatever D does meanwhile, with a tick on each CPU (15,007 executions; 3.7 s under nice -n 19 at load 10)',
        },
      ],
    },
    'parent-elsewhere': {
      summary: 'the same without P: C’s parent is outside the model, and ptrace_stop’s second report goes there',
      source: 'linux-6.6 kernel/signal.c:2300-2330 ptrace_stop; include/linux/ptrace.h:100-103 ptrace_reparented',
      prologue: ATTACHED_NO_P,
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'from the prologue on: D has the group stop reported, with a tick on each CPU; C is reparented to a parent the model does not hold (ptrace_reparented is true)',
        },
      ],
    },
    'stop-not-told-to-parent': {
      summary:
        'ptrace_stop without "if (gstop_done && (!current->ptrace || ptrace_reparented(current))) do_notify_parent_cldstop(current, false, why)"',
      prologue: ATTACHED,
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'P sleeps on while C is group-stopped' },
        { cpus: 2, irq: TICK_EACH, verdict: 'violated', invariant: 'no-lost-wakeup', why: 'as on one CPU' },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'stop-not-told-to-parent') {
      // within ptrace_stop, the report with for_ptracer false (signal.c:2329) is not made
      k.override(
        'do_notify_parent_cldstop',
        function* (k, ctx, tsk, forPtracer, why) {
          if (forPtracer) yield* k.base.do_notify_parent_cldstop(k, ctx, tsk, forPtracer, why);
        },
        { within: 'ptrace_stop' },
      );
    }
    const elsewhere = variant === 'parent-elsewhere';
    let c = null as unknown as LinuxTask;
    // P runs first on CPU0 and sleeps in its waitpid; C runs after it
    const p = elsewhere
      ? null
      : k.spawn(
          'P',
          0,
          script(function* (u) {
            const st = yield* u.waitpid(c, WUNTRACED);
            yield expectReturn('P', 'waitpid(C, WUNTRACED): status', st.status, STOPPED_BY_SIGSTOP, WAIT);
            yield* u.idle();
          }),
        );
    const d = k.spawn(
      'D',
      1,
      script(function* (u) {
        const call = (what: string, run: Program<number>, want: number, ref: string) => expectCall('D', what, run, want, ref);
        yield* call('ptrace(PTRACE_ATTACH, C)', u.ptrace(PTRACE.ATTACH, c), 0, 'linux-6.6 kernel/ptrace.c:480 ptrace_attach');
        yield expectReturn('D', 'waitpid(C): status', (yield* u.waitpid(c)).status, STOPPED_BY_SIGSTOP, WAIT);
        yield* call(
          'ptrace(PTRACE_CONT, C, SIGSTOP)',
          u.ptrace(PTRACE.CONT, c, SIG.SIGSTOP),
          0,
          'linux-6.6 kernel/ptrace.c:888 ptrace_resume',
        );
        yield expectReturn('D', 'waitpid(C): status', (yield* u.waitpid(c)).status, STOPPED_BY_SIGSTOP, WAIT);
        yield* u.idle();
      }),
    );
    c = k.spawn(
      'C',
      0,
      script((u) => u.pause()),
      p ? { parent: p } : {},
    );
    const pt = setupPtrace(k);
    b.prologue(p ? ATTACHED : ATTACHED_NO_P, (w) => (w.mem[pt.of(c).g_reports] as number) > 0);
    k.finish();
    const groupStopReady = (p: LinuxTask) =>
      sleepsWhile(
        p,
        "C's group stop is there to report (SIGNAL_STOP_STOPPED, group_exit_code)",
        (m) => ((m[c.signal.flags] as number) & SIGNAL_STOP_STOPPED) !== 0 && m[c.signal.group_exit_code] !== 0,
      );
    registerLinuxInvariants(b, k, { sleepsFor: [waitReportReady(d, c), ...(p ? [groupStopReady(p)] : [])] });
    registerPtraceInvariants(b, k, pt);
    return b.build();
  },
});
