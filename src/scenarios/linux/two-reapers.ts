/**
 * linux/two-reapers — two threads of one process wait for the same child,
 * which exits (Linux 6.6). P (the leader, the child's parent) and its
 * thread P2 both call waitpid(C): each may find C a zombie under the read
 * side of tasklist_lock, so both can reach wait_task_zombie at once, and
 * its cmpxchg(&p->exit_state, EXIT_ZOMBIE, EXIT_DEAD) (kernel/exit.c:1122)
 * lets exactly one of them reap C; the other finds no child left and gets
 * -ECHILD.
 *
 * - reaped-once (terminal): exactly one waitpid returned C's pid, and the
 *   other -ECHILD.
 *
 * Variant reap-test-then-set, an invented bug: wait_task_zombie reads
 * exit_state and stores EXIT_DEAD in two steps instead of the cmpxchg —
 * both waiters can see EXIT_ZOMBIE and both report the child.
 */
import { load, type Program, readUnlock, store } from '../../cpu/ops.ts';
import { EXIT_DEAD, EXIT_ZOMBIE, SIGNAL_GROUP_EXIT } from '../../kernel/linux/consts.ts';
import { ECHILD } from '../../kernel/linux/exit-wait.ts';
import { registerLinuxInvariants } from '../../kernel/linux/invariants.ts';
import { LinuxKernel } from '../../kernel/linux/kernel.ts';
import type { LinuxTask } from '../../kernel/linux/objects.ts';
import { script, setupPtrace, type UserProc } from '../../kernel/linux/user.ts';
import { ModelBuilder } from '../../model/build.ts';
import { defineScenario } from '../../model/scenario.ts';
import { here } from '../../model/source-ref.ts';
import type { MachineView } from '../../model/types.ts';
import { TICK_BOUNDS, TICK_EACH, TICK_ONE } from './ptrace-common.ts';

const REAPED_ONCE = 'reaped-once';
/** a waitpid result cell before the call returns (no pid, no errno) */
const NOT_RETURNED = -1000;

export default defineScenario({
  name: 'linux/two-reapers',
  summary: 'two threads of the parent waitpid() for one child that exits: exactly one reaps it (Linux 6.6)',
  cpus: 2,
  invariants: [REAPED_ONCE, 'no-lost-wakeup', 'runqueue-sane', 'lock-discipline', 'deadlock', 'legal-transition'],
  bounds: TICK_BOUNDS,
  variants: {
    'linux-6.6': {
      summary: 'P: waitpid(C) — P2 (thread of P): waitpid(C) — C (child of P): exit()',
      source: 'linux-6.6 kernel/exit.c:1096-1224 wait_task_zombie (1122 cmpxchg), 1582-1641 do_wait',
      expect: [
        { cpus: 1, irq: TICK_ONE, verdict: 'holds' },
        {
          cpus: 2,
          irq: TICK_EACH,
          verdict: 'holds',
          why: 'both waiters can reach wait_task_zombie under the read lock, but the exit_state cmpxchg lets one through',
        },
        {
          cpus: 2,
          irq: TICK_EACH,
          memoryModel: 'tso',
          verdict: 'holds',
          long: true,
          why: 'x86-TSO with a tick on each CPU: the same answer (214k executions, 1.78M states, 2.5× sc; 15 s under nice -n 19 at load 6.6)',
        },
        {
          cpus: 2,
          memoryModel: 'tso',
          verdict: 'holds',
          why: 'x86-TSO, no tick here (with one each the search is long: the row above): the exit_state cmpxchg is a locked instruction (it drains the buffer and works on memory): still one reaper',
        },
      ],
    },
    'reap-test-then-set': {
      summary: 'wait_task_zombie: if (p->exit_state == EXIT_ZOMBIE) p->exit_state = EXIT_DEAD, in two steps, for the cmpxchg',
      expect: [
        {
          cpus: 2,
          verdict: 'violated',
          invariant: REAPED_ONCE,
          why: 'both waiters read EXIT_ZOMBIE before either stores EXIT_DEAD: C is reaped twice',
        },
        {
          cpus: 1,
          irq: TICK_ONE,
          verdict: 'holds',
          why: "one CPU, one tick: a waiter's read and store run under read_lock(&tasklist_lock), with preemption off, so no other waiter runs in between",
        },
      ],
    },
  },
  build({ variant, cpus }) {
    const b = new ModelBuilder(cpus);
    const k = new LinuxKernel(b);
    if (variant === 'reap-test-then-set') {
      k.override('wait_task_zombie', function* (k, _ctx, wo, p): Program<number> {
        const old: number = yield load(p.exit_state, here`wait_task_zombie`, 'if (p->exit_state != EXIT_ZOMBIE) return 0');
        if (old !== EXIT_ZOMBIE) return 0;
        yield store(p.exit_state, EXIT_DEAD, here`wait_task_zombie`, 'p->exit_state = EXIT_DEAD');
        yield readUnlock(k.tasklist_lock, here`wait_task_zombie`, 'read_unlock(&tasklist_lock)');
        const f: number = yield load(p.signal.flags, here`wait_task_zombie`, 'status = (p->signal->flags & SIGNAL_GROUP_EXIT) ?');
        const status: number = yield load(
          f & SIGNAL_GROUP_EXIT ? p.signal.group_exit_code : p.exit_code,
          here`wait_task_zombie`,
          'p->signal->group_exit_code : p->exit_code',
        );
        wo.result = { ret: p.id, status, stopped: false };
        return p.id + 1;
      });
    }
    let child = null as unknown as LinuxTask;
    // what each waitpid returned, in the waiter's user memory
    const got: number[] = [];
    const waiter = (name: string) => {
      const cell = b.layout.cell(`${name}.waitpid`, NOT_RETURNED);
      got.push(cell);
      return script(function* (u: UserProc) {
        const res = yield* u.waitpid(child);
        yield store(cell, res.ret, `user ${name}`, 'r = waitpid(C, &status, 0)');
        yield* u.idle();
      });
    };
    const p = k.spawn('P', 0, waiter('P'));
    k.spawn('P2', 1, waiter('P2'), { threadOf: p });
    child = k.spawn(
      'C',
      1,
      script(function* () {}),
      { parent: p },
    );
    setupPtrace(k); // exit_notify's report to the parent
    k.finish();
    registerLinuxInvariants(b, k);
    b.atEnd({ name: REAPED_ONCE, check: (w) => reapedOnce(w, child, got) });
    return b.build();
  },
});

function reapedOnce(w: MachineView, child: LinuxTask, got: readonly number[]): string | null {
  const rets = got.map((c) => w.mem[c] as number);
  const reaped = rets.filter((r) => r === child.id).length;
  if (reaped === 1 && rets.every((r) => r === child.id || r === -ECHILD)) return null;
  return `waitpid(${child.name}) returned ${rets.map((r) => (r === child.id ? child.name : r === -ECHILD ? '-ECHILD' : r === NOT_RETURNED ? 'nothing' : String(r))).join(' and ')}: ${child.name} must be reaped by exactly one`;
}
