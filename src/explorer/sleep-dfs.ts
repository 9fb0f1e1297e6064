import type { Machine } from '../model/machine.ts';
import { ReplayPath } from './choice-stack.ts';
import { dependent, type Event } from './dependence.ts';
import type { Strategy } from './strategy.ts';

interface Level {
  readonly enabled: readonly number[];
  /** inherited from the parent: steps equivalent to ones explored elsewhere */
  readonly sleep: readonly Event[];
  /** siblings explored here already, with their footprints */
  readonly done: Event[];
  /** position in `enabled` of the choice being explored */
  index: number;
  taken: Event;
}

/**
 * Stateless DFS over every enabled choice, pruned by sleep sets only
 * (Godefroid 1996): after exploring choice t at a state, t sleeps in the
 * siblings explored after it until a step dependent with t runs. No
 * backtrack-set reduction, no race analysis: it needs only that independent
 * steps commute, and still reaches every Mazurkiewicz trace, with far fewer
 * executions than plain DFS (some cut short when every enabled choice
 * sleeps). It is the second, cheaper ground truth for trace counts, checked
 * against plain DFS on small models.
 */
export class SleepSetDfsStrategy implements Strategy {
  readonly name = 'sleep-dfs';
  readonly exhaustive = true;
  private readonly path = new ReplayPath<Level>();

  beginExecution(): boolean {
    return this.path.begin();
  }

  choose(enabled: readonly number[], depth: number, m: Machine): number {
    const s = this.path.levels;
    if (depth < s.length) {
      return this.path.replay(
        depth,
        enabled,
        (level) => level.enabled[level.index] as number,
        (level, p) => {
          level.taken = { proc: p, fp: m.footprint(p) };
        },
      );
    }
    const parent = s[depth - 1];
    const sleep = parent ? [...parent.sleep, ...parent.done].filter((q) => !dependent(q, parent.taken)) : [];
    const level: Level = {
      enabled: enabled.slice(),
      sleep,
      done: [],
      index: -1,
      taken: { proc: -1, fp: { reads: [], writes: [] } },
    };
    level.index = this.nextAwake(level, 0);
    if (level.index < 0) return -1;
    s.push(level);
    const p = enabled[level.index] as number;
    level.taken = { proc: p, fp: m.footprint(p) };
    return p;
  }

  private nextAwake(level: Level, from: number): number {
    for (let i = from; i < level.enabled.length; i++) {
      const p = level.enabled[i] as number;
      if (!level.sleep.some((q) => q.proc === p)) return i;
    }
    return -1;
  }

  endExecution(m: Machine): void {
    if (m.violation !== null) {
      this.path.stop();
      return;
    }
    this.path.backtrack((level) => {
      level.done.push(level.taken);
      level.index = this.nextAwake(level, level.index + 1);
      return level.index >= 0;
    });
  }
}
