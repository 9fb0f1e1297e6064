import { describe, expect, it } from 'vitest';
import { store } from '../src/cpu/ops.ts';
import { TASK_INTERRUPTIBLE, TASK_STOPPED, TASK_TRACED } from '../src/kernel/linux/consts.ts';
import { registerLinuxInvariants } from '../src/kernel/linux/invariants.ts';
import { LinuxKernel } from '../src/kernel/linux/kernel.ts';
import { PTRACE_LINK_TABLE, TASK_STATE_TABLE } from '../src/kernel/linux/oracle/check.ts';
import { graphEdges } from '../src/kernel/linux/oracle/coverage.ts';
import { ptraceLinkMachine, taskStateMachine } from '../src/kernel/linux/oracle/machines.ts';
import type { EdgeTable } from '../src/kernel/linux/oracle/table.ts';
import { ModelBuilder } from '../src/model/build.ts';
import { Machine } from '../src/model/machine.ts';
import { runFirst } from './helpers.ts';

/** The task-state rules written by hand, independently of the xstate machine. */
function taskStateNext(from: string, event: string): string | undefined {
  const sleeping = ['INTERRUPTIBLE', 'UNINTERRUPTIBLE', 'KILLABLE', 'STOPPED', 'TRACED'];
  if (from === 'RUNNING' && event.startsWith('SET_')) return event.slice(4);
  if (sleeping.includes(from) && event === 'WAKE') return 'RUNNING';
  if (sleeping.includes(from) && event === 'TTWU_WAKING') return 'WAKING';
  if (from === 'WAKING' && event === 'ENQUEUED') return 'RUNNING';
  return undefined;
}

function ptraceLinkNext(from: string, event: string): string | undefined {
  const table: Record<string, Record<string, string>> = {
    UNTRACED: { ATTACH: 'ATTACHED', SEIZE: 'SEIZED' },
    ATTACHED: { FREEZE: 'ATTACHED_FROZEN', UNLINK: 'UNTRACED' },
    SEIZED: { FREEZE: 'SEIZED_FROZEN', UNLINK: 'UNTRACED' },
    ATTACHED_FROZEN: { UNFREEZE: 'ATTACHED', UNLINK: 'UNLINKED_FROZEN' },
    SEIZED_FROZEN: { UNFREEZE: 'SEIZED', UNLINK: 'UNLINKED_FROZEN' },
    UNLINKED_FROZEN: { UNFREEZE: 'UNTRACED' },
  };
  return table[from]?.[event];
}

function asFunction(t: EdgeTable): Map<string, string> {
  return new Map(t.edges.map((e) => [`${e.from}|${e.event}`, e.to]));
}

describe('the task-state oracle tables', () => {
  const events = (t: EdgeTable) => [...new Set(t.edges.map((e) => e.event))];
  for (const [name, table, next] of [
    ['task-state', TASK_STATE_TABLE, taskStateNext],
    ['ptrace-link', PTRACE_LINK_TABLE, ptraceLinkNext],
  ] as const) {
    it(`${name}: the compiled table equals the hand-written transition function on every state × event`, () => {
      const f = asFunction(table);
      let checked = 0;
      for (const s of table.states) {
        for (const e of events(table)) {
          expect(f.get(`${s}|${e}`), `${s} on ${e}`).toBe(next(s, e));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
    });
  }

  it('xstate/graph lists exactly the edges of the compiled tables', () => {
    for (const [m, t] of [
      [taskStateMachine, TASK_STATE_TABLE],
      [ptraceLinkMachine, PTRACE_LINK_TABLE],
    ] as const) {
      const g = graphEdges(m).map((e) => `${e.from}-${e.event}->${e.to}`);
      expect(g.sort()).toEqual(t.edges.map((e) => `${e.from}-${e.event}->${e.to}`).sort());
    }
  });
});

describe('legal-transition', () => {
  function run(writes: readonly number[]) {
    const b = new ModelBuilder(1);
    const k = new LinuxKernel(b);
    k.spawn('t', 0, function* (_k, me) {
      for (const v of writes) yield store(me.state, v, 'test');
      yield store(me.state, 0, 'test');
    });
    k.finish();
    registerLinuxInvariants(b, k);
    return runFirst(new Machine(b.build())).violation;
  }

  it('accepts a sleep and a wake', () => {
    expect(run([TASK_INTERRUPTIBLE])).toBeNull();
  });

  it('catches a write that is not an edge (TASK_STOPPED straight to TASK_TRACED)', () => {
    expect(run([TASK_STOPPED, TASK_TRACED])).toEqual({
      invariant: 'legal-transition',
      message: 't->__state: TASK_STOPPED → TASK_TRACED is not an edge of the task-state machine',
    });
  });
});
