import type { Machine, Snapshot } from '../model/machine.ts';

/**
 * Schedules written as picks (see shrink.ts): pick 0 is "the choice that ran
 * last, if it can go on (else the lowest enabled one)", pick i > 0 the i-th
 * of the other enabled choices in ascending order; past the end of the list
 * the completion policy picks 0 at every step. This file runs such lists,
 * from the initial state or from a saved point of an earlier run.
 */
export interface Outcome {
  readonly schedule: number[];
  readonly preemptions: number;
  readonly invariant: string | null;
}

/** The choice pick `p` names among `enabled` (ascending) after `last`. */
function choiceOfPick(enabled: readonly number[], last: number, p: number): number {
  const n = enabled.length;
  const j = p % n;
  const at = last >= 0 ? enabled.indexOf(last) : -1;
  if (at < 0) return enabled[j] as number;
  if (j === 0) return last;
  return enabled[j <= at ? j - 1 : j] as number;
}

/** The pick that names `c` among `enabled` after `last`; the inverse of choiceOfPick. */
export function pickOfChoice(enabled: readonly number[], last: number, c: number): number {
  const at = last >= 0 ? enabled.indexOf(last) : -1;
  const i = enabled.indexOf(c);
  if (i < 0) throw new Error(`shrinking: choice ${c} is not enabled`);
  if (at < 0) return i;
  if (c === last) return 0;
  return i < at ? i + 1 : i;
}

/** Negative when a is the simpler counterexample: fewer preemptions, then fewer steps, then lower choices. */
export function compare(a: Outcome, b: Outcome): number {
  if (a.preemptions !== b.preemptions) return a.preemptions - b.preemptions;
  if (a.schedule.length !== b.schedule.length) return a.schedule.length - b.schedule.length;
  for (let i = 0; i < a.schedule.length; i++) {
    const d = (a.schedule[i] as number) - (b.schedule[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** A run with these preemptions and steps so far ends worse than `o` (in `compare`), whatever it does next. */
function cannotBeat(preemptions: number, steps: number, o: Outcome): boolean {
  return preemptions > o.preemptions || (preemptions === o.preemptions && steps > o.schedule.length);
}

/** Where a run stood before one of its steps: the machine's state and what the run had counted. */
interface SavedPoint {
  readonly snap: Snapshot;
  readonly preemptions: number;
  readonly last: number;
}

/** A saved point every this many steps of the base run. */
const SAVE_EVERY = 8;

/**
 * Runs pick lists, each from where the base run (the last one `rebase` was
 * given) stood at the first pick where the two lists differ, not from the
 * initial state. The machine is deterministic, so a run that starts with
 * the same picks as the base passes through the same states as the base
 * did: its outcome is the one a run from the initial state gives, for the
 * cost of the steps after the shared prefix. Shrinking tries thousands of
 * lists that differ from the current best in one place.
 */
export class PickRunner {
  private readonly buf: number[] = [];
  private basePicks: readonly number[] = [];
  private baseSchedule: readonly number[] = [];
  /** saved[k]: the base run before its step k × SAVE_EVERY */
  private saved: SavedPoint[] = [];
  /**
   * saved[0 … valid-1] can be restored. A snapshot shares the tasks' frames
   * with the live machine, and a run that leaves the base path at step d
   * rewrites the frames' histories from there: the points after d are then
   * stale until a run passes them again on the base path and saves them anew.
   */
  private valid = 0;

  constructor(private readonly m: Machine) {}

  /**
   * Runs picks, then the completion policy, to a violation or the end of the
   * execution. Given `toBeat`, it stops early, without a violation, once the
   * run can only end worse than `toBeat` (preemptions and steps never
   * decrease along a run): such a run would be rejected whatever it ended in.
   */
  run(picks: readonly number[], toBeat: Outcome | null = null): Outcome {
    const m = this.m;
    const shared = this.sharedPrefix(picks);
    const k = Math.min(Math.floor(shared / SAVE_EVERY), this.valid - 1);
    let start = 0;
    let preemptions = 0;
    let last = -1;
    if (k >= 0) {
      const p = this.saved[k] as SavedPoint;
      m.restore(p.snap);
      start = k * SAVE_EVERY;
      preemptions = p.preemptions;
      last = p.last;
    } else {
      m.reset();
    }
    const schedule = this.baseSchedule.slice(0, start);
    const o = this.go(picks, start, schedule, preemptions, last, toBeat, shared);
    this.valid = Math.min(this.valid, Math.floor(shared / SAVE_EVERY) + 1);
    return o;
  }

  /** Makes `picks` the base run (running it once from the initial state to save its points) and returns its outcome. */
  rebase(picks: readonly number[]): Outcome {
    this.m.reset();
    this.saved = [];
    this.valid = 0;
    const o = this.go(picks, 0, [], 0, -1, null, Number.POSITIVE_INFINITY);
    this.basePicks = picks.slice();
    this.baseSchedule = o.schedule;
    return o;
  }

  /** The number of leading steps on which `picks` and the base run's picks agree (0s past either list's end). */
  private sharedPrefix(picks: readonly number[]): number {
    const base = this.basePicks;
    const steps = this.baseSchedule.length;
    const n = Math.max(picks.length, base.length);
    let i = 0;
    while (i < n && i < steps && (picks[i] ?? 0) === (base[i] ?? 0)) i++;
    return i < n ? i : steps;
  }

  private go(
    picks: readonly number[],
    from: number,
    schedule: number[],
    preemptionsIn: number,
    lastIn: number,
    toBeat: Outcome | null,
    onBase: number,
  ): Outcome {
    const m = this.m;
    const buf = this.buf;
    let preemptions = preemptionsIn;
    let last = lastIn;
    for (let i = from; ; i++) {
      // on the base path, a point not saved (or stale) is saved now
      if (i <= onBase && i % SAVE_EVERY === 0 && i / SAVE_EVERY === this.valid) {
        this.saved[this.valid++] = { snap: m.snapshot(), preemptions, last };
      }
      const n = m.enabled(buf);
      if (n === 0) {
        m.finish();
        break;
      }
      const c = choiceOfPick(buf, last, i < picks.length ? (picks[i] as number) : 0);
      if (last >= 0 && c !== last && buf.includes(last)) preemptions++;
      if (toBeat !== null && cannotBeat(preemptions, schedule.length + 1, toBeat)) {
        return { schedule, preemptions, invariant: null };
      }
      schedule.push(c);
      m.step(c);
      last = c;
      // an execution the search would have cut at --max-steps ends here, without a violation
      if (m.violation !== null || m.steps >= m.maxSteps) break;
    }
    return { schedule, preemptions, invariant: m.violation?.invariant ?? null };
  }
}

/** Runs picks, then the completion policy, from the initial state (see PickRunner.run). */
export function runPicks(m: Machine, picks: readonly number[]): Outcome {
  return new PickRunner(m).run(picks);
}
