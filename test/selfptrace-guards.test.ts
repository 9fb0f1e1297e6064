import { describe, expect, it } from 'vitest';
import { type Program, store } from '../src/cpu/ops.ts';
import { AutoStrategy } from '../src/explorer/auto.ts';
import { explore } from '../src/explorer/explore.ts';
import { LinuxKernel } from '../src/kernel/linux/kernel.ts';
import type { LinuxTask } from '../src/kernel/linux/objects.ts';
import { exit_reparent } from '../src/kernel/selfptrace/exit.ts';
import { ERA_66, recalc_sigpending } from '../src/kernel/selfptrace/signal.ts';
import type { Script } from '../src/kernel/selfptrace/user.ts';
import { selfVariant } from '../src/kernel/selfptrace/variants.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import type { TaskContext } from '../src/model/types.ts';
import { finishSelf, spawnTraced } from '../src/scenarios/selfptrace/process.ts';

/**
 * The self-ptrace lock rules (src/kernel/selfptrace/guards.ts) catch a lock
 * that is gone: a parent exits and reparents a self-intercepting child that
 * makes one rt_sigreturn, on two CPUs, searched whole for lock-discipline.
 * As modelled it holds; with rt_sigreturn's mask restore or the reparenting
 * made without the lock the source takes, the same search fails at the
 * store.
 */
type ParentExit = (k: LinuxKernel, ctx: TaskContext, child: LinuxTask) => Program<void>;

function search(child: Script, parentExit: ParentExit) {
  const b = new ModelBuilder(2);
  const k = new LinuxKernel(b, { ticks: 1 });
  const parent = k.spawn('parent', 0, function* (kk, _me, ctx) {
    yield* parentExit(kk, ctx, proc.task);
  });
  const proc = spawnTraced(k, selfVariant('sud'), 'child', 1, {}, child, { parent, configured: true });
  finishSelf(k, [proc]);
  const r = explore(new Machine(b.build(), { invariants: ['lock-discipline'] }), new AutoStrategy());
  return { verdict: r.verdict, message: r.violation?.message ?? '' };
}

const sigreturn: Script = function* (u) {
  yield* u.syscall({ name: 'rt_sigreturn', site: 'tracer', arg: 0 });
};

/** rt_sigreturn's `current->blocked = set` without spin_lock_irq(&current->sighand->siglock). */
const sigreturnUnlocked: Script = function* (u) {
  const t = u.sp.task;
  yield store(t.blocked, 0, 'test: current->blocked = set (no siglock)');
  yield* recalc_sigpending(ERA_66, t);
};

const exit66: ParentExit = (k, ctx, child) => exit_reparent(k, ctx, '6.6', [child]);

/** linux-2.6.26 forget_original_parent's stores with tasklist_lock left out. */
const reparentUnlocked: ParentExit = function* (_k, _ctx, child) {
  yield store(child.real_parent, -1, 'test: p->real_parent = reaper (no tasklist_lock)');
  yield store(child.parent, -1, 'test: p->parent = p->real_parent');
};

describe('self-ptrace lock rules catch a dropped lock', () => {
  it('as modelled (6.6 exit, rt_sigreturn under siglock) it holds', () => {
    expect(search(sigreturn, exit66)).toEqual({ verdict: 'holds', message: '' });
  });

  it('the mask restore without siglock fails lock-discipline on ->blocked', () => {
    const r = search(sigreturnUnlocked, exit66);
    expect(r.verdict).toBe('violated');
    expect(r.message).toContain('writes child.blocked without child.sighand.siglock held');
    expect(r.message).toContain('It is wrong to change ->blocked directly');
  });

  it('the reparenting without tasklist_lock fails lock-discipline on ->real_parent', () => {
    const r = search(sigreturn, reparentUnlocked);
    expect(r.verdict).toBe('violated');
    expect(r.message).toContain('writes child.real_parent without tasklist_lock write-held');
    expect(r.message).toContain('exit_notify holds tasklist_lock write-held across forget_original_parent');
  });
});
