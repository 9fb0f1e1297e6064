/**
 * linux/wait-threads — wait4 in a process of two threads, P (the leader)
 * and T (Linux 6.6). A child is on the children list of the thread that
 * forked it, and do_wait looks at every thread's list in turn
 * (kernel/exit.c:1611-1624, while_each_thread), unless __WNOTHREAD limits
 * it to the caller's own (1622, and is_effectively_child 1548 for one
 * pid). The threads share signal->wait_chldexit, so a child's exit wakes a
 * waiter in any thread (child_wait_callback skips a __WNOTHREAD waiter the
 * child is not its own).
 *
 * - wait-result (terminal): each wait returned what 6.6 returns for it —
 *   C's pid and exit status, or -ECHILD where no child is eligible.
 *
 * Variants:
 * - linux-6.6: T forked C; P: wait4(-1, &status, 0) reaps it (a sibling
 *   thread's child). Holds.
 * - own-child: P forked C, and T has no child; P: wait4(-1, 0) finds C on
 *   its own list, the first of the walk, and returns at once (1614-1616:
 *   `goto end`; tasklist_lock was dropped by the report). Holds.
 * - wnothread: P forked C; P: waitpid(C, __WNOTHREAD) reaps it (C's
 *   real_parent is current, 1548); T: wait4(-1, __WNOTHREAD) has no child
 *   of its own: -ECHILD. Holds.
 * - own-children-only (a bug put back): do_wait walks the caller's
 *   children only, as if every wait had __WNOTHREAD: in the linux-6.6
 *   set-up P gets -ECHILD for its sibling's child.
 * - wnothread-ignored (a bug put back): do_wait ignores __WNOTHREAD: in the
 *   wnothread set-up T can reap P's child, and P then gets -ECHILD.
 */

import type { Program } from '../../cpu/ops.ts';
import { __WNOTHREAD } from '../../kernel/linux/consts.ts';
import { ECHILD, type WaitpidResult } from '../../kernel/linux/exit-wait.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { script, setupPtrace, type UserProc } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import type { MachineView } from '../../model/types.ts';
import { TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';
import { NOT_RETURNED, storeWaitResult, waitResultText } from './wait-common.ts';

const WAIT_RESULT = 'wait-result';

/** One wait a thread makes, and what it must return: C's exit, or -ECHILD. */
interface Wait {
  readonly call: string;
  readonly wants: 'exit' | 'echild';
  readonly run: (u: UserProc, c: LinuxTask) => Program<WaitpidResult>;
}

const ANY: Wait = { call: 'wait4(-1, &status, 0)', wants: 'exit', run: (u) => u.waitAny(0) };
const PID_NOTHREAD: Wait = { call: 'waitpid(C, &status, __WNOTHREAD)', wants: 'exit', run: (u, c) => u.waitpid(c, __WNOTHREAD) };
const ANY_NOTHREAD: Wait = { call: 'wait4(-1, &status, __WNOTHREAD)', wants: 'echild', run: (u) => u.waitAny(__WNOTHREAD) };

/** Each variant's set-up: who forked C, and the waits P and T make (null: the thread only stays, in pause()). */
const SETUP: Readonly<Record<string, { readonly forker: 'P' | 'T'; readonly p: Wait; readonly t: Wait | null }>> = {
  'linux-6.6': { forker: 'T', p: ANY, t: null },
  'own-child': { forker: 'P', p: ANY, t: null },
  wnothread: { forker: 'P', p: PID_NOTHREAD, t: ANY_NOTHREAD },
  'own-children-only': { forker: 'T', p: ANY, t: null },
  'wnothread-ignored': { forker: 'P', p: PID_NOTHREAD, t: ANY_NOTHREAD },
};

export default defineScenario({
  name: 'linux/wait-threads',
  summary: "wait4 in a two-thread process: a sibling thread's child, its own child first, __WNOTHREAD (Linux 6.6)",
  cpus: 2,
  invariants: [WAIT_RESULT, 'no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'T forked C — P: wait4(-1, &status, 0) — T: pause() — C: exit(0)',
      source: 'linux-6.6 kernel/exit.c:1492-1504 do_wait_thread, 1611-1624 do_wait (while_each_thread)',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: "do_wait walks T's children too, and C's exit wakes the group's wait queue",
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO store buffers on both CPUs, a tick on each: the same answer (46,820 states, 2.0× sc)',
        },
      ],
    },
    'own-child': {
      summary: 'P forked C — P: wait4(-1, &status, 0) — T: pause() — C: exit(0)',
      source: 'linux-6.6 kernel/exit.c:1611-1624 do_wait (goto end once a thread reported)',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: "C is found on P's own list, the first of the walk; the walk ends there",
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO store buffers on both CPUs, a tick on each: the same answer (46,820 states, 2.0× sc)',
        },
      ],
    },
    wnothread: {
      summary: 'P forked C — P: waitpid(C, &status, __WNOTHREAD) — T: wait4(-1, &status, __WNOTHREAD) — C: exit(0)',
      source: 'linux-6.6 kernel/exit.c:1542-1550 is_effectively_child, 1475-1490 child_wait_callback, 1622 do_wait',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: "C's real_parent is P itself; T has no child of its own and gets -ECHILD",
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO store buffers on both CPUs, a tick on each: the same answer (450k states, 2.6× sc)',
        },
      ],
    },
    'own-children-only': {
      summary: 'do_wait walks current->children only, as if __WNOTHREAD were always set',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: WAIT_RESULT,
          why: "P's wait4(-1) never looks at T's list: -ECHILD for its sibling's child",
        },
        { cpus: 1, verdict: 'violated', invariant: WAIT_RESULT, why: 'as on two CPUs: no race is needed' },
      ],
    },
    'wnothread-ignored': {
      summary: 'do_wait ignores __WNOTHREAD',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: WAIT_RESULT,
          why: "T's wait4(-1, __WNOTHREAD) walks P's list and reaps C; P's waitpid(C) then finds it gone",
        },
        {
          cpus: 1,
          verdict: 'holds',
          why: 'one CPU, no tick: P sleeps in its wait first, so C’s exit wakes P ahead of T on the runqueue, and P reaps C',
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    const setup = SETUP[variant];
    if (setup === undefined) throw new Error(`linux/wait-threads: no set-up for variant ${variant}`);
    if (variant === 'own-children-only') {
      k.override('do_wait', (kk, ctx, options, target) => kk.base.do_wait(kk, ctx, options | __WNOTHREAD, target));
    }
    if (variant === 'wnothread-ignored') {
      k.override('do_wait', (kk, ctx, options, target) => kk.base.do_wait(kk, ctx, options & ~__WNOTHREAD, target));
    }
    let c = null as unknown as LinuxTask;
    const cells: { who: string; wait: Wait; ret: number; status: number }[] = [];
    const thread = (who: string, wait: Wait | null) => {
      if (wait === null) return script((u) => u.idle());
      const ret = b.layout.cell(`${who}.wait`, NOT_RETURNED);
      const status = b.layout.cell(`${who}.status`, 0);
      cells.push({ who, wait, ret, status });
      return script(function* (u) {
        const res = yield* wait.run(u, c);
        yield* storeWaitResult(ret, status, res, who, `r = ${wait.call}`);
        yield* u.idle();
      });
    };
    const p = k.spawn('P', 1, thread('P', setup.p));
    // T is the first task on CPU0; C waits behind it there (no tick: C runs once T sleeps)
    const t = k.spawn('T', 0, thread('T', setup.t), { threadOf: p });
    c = k.spawn(
      'C',
      0,
      script(function* () {}),
      { parent: setup.forker === 'P' ? p : t },
    );
    setupPtrace(k); // exit_notify's report of C's exit to its parent's group
    k.finish();
    registerLinuxInvariants(b, k);
    b.atEnd({ name: WAIT_RESULT, check: (w) => waitResult(w, c, cells) });
    return b.build();
  },
});

function waitResult(
  w: MachineView,
  c: LinuxTask,
  cells: readonly { who: string; wait: Wait; ret: number; status: number }[],
): string | null {
  for (const { who, wait, ret, status } of cells) {
    const r = w.mem[ret] as number;
    const st = w.mem[status] as number;
    const ok = wait.wants === 'exit' ? r === c.id && (st & 0xff) !== 0x7f : r === -ECHILD;
    if (!ok) {
      return `${who}'s ${wait.call} returned ${waitResultText(c, r, st)}; it must return ${wait.wants === 'exit' ? "C's exit" : '-ECHILD'}`;
    }
  }
  return null;
}
