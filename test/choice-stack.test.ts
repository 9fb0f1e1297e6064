import { describe, expect, it } from 'vitest';
import { backtrack, backtrackWith, type ChoiceLevel, ReplayPath } from '../src/explorer/choice-stack.ts';
import { NondeterminismError } from '../src/explorer/strategy.ts';

describe('backtrackWith', () => {
  it('pops the levels with nothing left, deepest first, and returns the depth of the one that moved on', () => {
    const stack = [{ left: 1 }, { left: 0 }, { left: 0 }];
    const seen: number[] = [];
    const d = backtrackWith(stack, (l) => {
      seen.push(stack.indexOf(l));
      if (l.left === 0) return false;
      l.left--;
      return true;
    });
    expect(d).toBe(0);
    expect(seen).toEqual([2, 1, 0]);
    expect(stack).toEqual([{ left: 0 }]);
    expect(backtrackWith(stack, () => false)).toBe(-1);
    expect(stack).toEqual([]);
  });

  it('backtrack over option lists: the next option at the deepest level that has one', () => {
    const stack: ChoiceLevel[] = [
      { enabled: [0, 1], options: [0, 1], index: 0 },
      { enabled: [0, 1], options: [0, 1], index: 1 },
    ];
    expect(backtrack(stack)).toBe(true);
    expect(stack).toHaveLength(1);
    expect(stack[0]?.index).toBe(1);
    expect(backtrack(stack)).toBe(false);
  });
});

describe('ReplayPath', () => {
  interface L {
    readonly choices: number[];
    at: number;
    taken: number;
  }
  const current = (l: L) => l.choices[l.at] as number;

  it('begins once unconditionally, then while a branch is left; stop() ends the search', () => {
    const p = new ReplayPath<L>();
    expect(p.begin()).toBe(true);
    p.levels.push({ choices: [0, 1], at: 0, taken: 0 });
    p.backtrack((l) => ++l.at < l.choices.length);
    expect(p.branchAt).toBe(0);
    expect(p.begin()).toBe(true);
    p.stop();
    expect(p.begin()).toBe(false);
  });

  it('replays the current choice, runs onBranch only at the level whose branch changed, and ends when none is left', () => {
    const p = new ReplayPath<L>();
    p.begin();
    p.levels.push({ choices: [0], at: 0, taken: -1 }, { choices: [1, 2], at: 0, taken: -1 });
    p.backtrack((l) => ++l.at < l.choices.length);
    expect(p.branchAt).toBe(1);
    const branched: number[] = [];
    const onBranch = (l: L, c: number) => {
      l.taken = c;
      branched.push(c);
    };
    expect(p.replay(0, [0, 1, 2], current, onBranch)).toBe(0);
    expect(p.replay(1, [0, 1, 2], current, onBranch)).toBe(2);
    expect(branched).toEqual([2]);
    p.backtrack((l) => ++l.at < l.choices.length);
    expect(p.levels).toHaveLength(0);
    expect(p.begin()).toBe(false);
  });

  it('a replayed choice the model no longer enables is nondeterminism, named with the enabled ones', () => {
    const p = new ReplayPath<L>();
    p.levels.push({ choices: [3], at: 0, taken: -1 });
    expect(() => p.replay(0, [0, 1], current, () => {})).toThrow(NondeterminismError);
    expect(() => p.replay(0, [0, 1], current, () => {})).toThrow('replaying depth 0: choice 3 is not enabled (enabled: [0,1])');
  });
});
