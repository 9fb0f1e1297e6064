import type { MemoryLayout } from '../cpu/memory.ts';
import type { MemView } from '../cpu/ops.ts';
import type { MachineView } from './types.ts';

/**
 * A view of the machine for invariant checks that tells, the first time an
 * invariant reads a memory cell, which cell it was. A reduction that takes
 * a step alone must not move a write past a check that could read it: this
 * is how the search learns which cells the checks read (they are closures,
 * so nothing else can say) when an invariant does not declare them.
 */
export function recordingView(m: MachineView, onFirstRead: (addr: number) => void): MachineView {
  const seen = new Uint8Array(m.layout.size);
  return trappingView(m, (i) => {
    if (seen[i] === 0) {
      seen[i] = 1;
      onFirstRead(i);
    }
  });
}

/**
 * A view for an invariant that declares the cells it reads: a read of any
 * other cell throws, naming the invariant and the cell, so that a wrong
 * declaration (which would let the search take a watched write alone) is
 * found by running the model, not by a wrong verdict.
 */
export function declaredReadsView(m: MachineView, name: string, reads: readonly number[]): MachineView {
  const allowed = new Uint8Array(m.layout.size);
  for (const a of reads) allowed[a] = 1;
  return trappingView(m, (i) => {
    if (allowed[i] === 0) {
      throw new Error(`invariant '${name}' read ${m.layout.name(i)}, which is not among the cells it declares in 'reads'`);
    }
  });
}

/** The machine's view with `onRead` called before each read of a memory cell. */
function trappingView(m: MachineView, onRead: (addr: number) => void): MachineView {
  const size = m.layout.size;
  const mem = new Proxy(m.mem as Int32Array, {
    get(target, prop, receiver) {
      if (typeof prop === 'string') {
        const i = Number(prop);
        if (Number.isInteger(i) && i >= 0 && i < size) {
          onRead(i);
          return target[i];
        }
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : (v ?? receiver[prop as never]);
    },
  }) as MemView;
  return {
    mem,
    get layout(): MemoryLayout {
      return m.layout;
    },
    taskCpu: (t) => m.taskCpu(t),
    taskName: (t) => m.taskName(t),
    taskDone: (t) => m.taskDone(t),
    taskStarted: (t) => m.taskStarted(t),
    taskCount: m.taskCount,
    cpuCount: m.cpuCount,
  };
}
