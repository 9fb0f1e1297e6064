import { describe, expect, it } from 'vitest';
import { store } from '../src/cpu/ops.ts';
import { DfsStrategy } from '../src/explorer/dfs.ts';
import { explore } from '../src/explorer/explore.ts';
import { SIG, sigmask } from '../src/kernel/common/bits.ts';
import { SIGNAL_GROUP_EXIT, TIF_SIGPENDING } from '../src/kernel/linux/consts.ts';
import { LinuxKernel } from '../src/kernel/linux/kernel.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';

const SEGV = sigmask(SIG.SIGSEGV);

/** One task on one CPU calls force_fatal_sig(SIGSEGV); the end state is reported as a `probe` "violation". */
function forced(opts: { blocked: number; groupExit: boolean }) {
  const b = new ModelBuilder(1);
  const k = new LinuxKernel(b);
  const t = k.spawn(
    'T',
    0,
    function* (kk, me, ctx) {
      if (opts.groupExit) yield store(me.signal.flags, SIGNAL_GROUP_EXIT, 'test', 'a group exit already started');
      yield* kk.fn.force_fatal_sig(kk, ctx, SIG.SIGSEGV);
    },
    { blocked: opts.blocked },
  );
  k.finish();
  b.atEnd({
    name: 'probe',
    check: (w) =>
      `blocked ${((w.mem[t.blocked] as number) & SEGV) !== 0}, pending ${((w.mem[t.pending] as number) & SEGV) !== 0}, ` +
      `TIF_SIGPENDING ${((w.mem[t.tif] as number) & TIF_SIGPENDING) !== 0}`,
  });
  return explore(new Machine(b.build()), new DfsStrategy()).violation?.message;
}

describe('force_fatal_sig (kernel/signal.c force_sig_info_to_task)', () => {
  it('unblocks the signal, queues it and sets TIF_SIGPENDING', () => {
    expect(forced({ blocked: SEGV, groupExit: false })).toBe('blocked false, pending true, TIF_SIGPENDING true');
  });

  it('queues an unblocked signal the same way', () => {
    expect(forced({ blocked: 0, groupExit: false })).toBe('blocked false, pending true, TIF_SIGPENDING true');
  });

  it('is dropped by prepare_signal once a group exit has started (the task dies of that)', () => {
    expect(forced({ blocked: 0, groupExit: true })).toBe('blocked false, pending false, TIF_SIGPENDING false');
  });
});
