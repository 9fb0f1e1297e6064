/**
 * Kernel paths by name. Every kernel model calls its own functions through a
 * table (`k.fn.try_to_wake_up(k, ctx, p, state)`), never directly, so a
 * scenario variant can put other code in place of any one of them —
 * `k.override('ptrace_stop', function* (k, ctx, …) { … })` — and every
 * other path that reaches it runs the replacement. `k.base` keeps the
 * model's own functions, for an override that adds a step before or after
 * the original.
 *
 * An override may be narrowed to the calls made from inside one other
 * function (`{ within: '__ptrace_unlink' }`): the one-line bug "unlink does
 * not wake the tracee" is then an override of ptrace_signal_wake_up within
 * __ptrace_unlink, not a copy of __ptrace_unlink. "Inside" is counted per
 * task context (TaskContext), so an interrupt handler running on top of
 * the function is not inside it, and a fresh execution starts outside
 * everything (its contexts are new objects).
 *
 * Dispatch is one property load on a plain object whose shape never
 * changes; the table is final once the kernel's finish() seals it, so the
 * search never sees it change.
 */
import type { Program } from '../../cpu/ops.ts';
import type { TaskContext } from '../../model/types.ts';

// biome-ignore lint/suspicious/noExplicitAny: a path's parameters are those of the kernel function it models
export type PathFn = (...args: any[]) => Program<any>;

export interface OverrideOptions<N extends string> {
  /** replace the function only when it is called from inside this one (on the same task context) */
  readonly within?: N;
}

function isTaskContext(x: unknown): x is TaskContext {
  return typeof x === 'object' && x !== null && 'ghost' in x && typeof (x as TaskContext).cpu === 'function';
}

export class PathTable<P extends Record<string, PathFn>> {
  /** the dispatch table every path calls through */
  readonly fn: P;
  private readonly overrides = new Map<string, PathFn>();
  private readonly scoped = new Map<string, { within: string; impl: PathFn }[]>();
  private sealed = false;
  /** per task context: how deep it is inside each `within` function */
  private readonly inside = new WeakMap<TaskContext, Record<string, number>>();

  constructor(
    /** the model's own functions */
    readonly base: Readonly<P>,
    /** the kernel's name, for messages */
    readonly system: string,
  ) {
    this.fn = { ...base };
  }

  /** The names a scenario may override, sorted. */
  get names(): string[] {
    return Object.keys(this.base).sort();
  }

  /** Replaces `name` by `impl` (everywhere, or only within `opts.within`). Before the kernel's finish(). */
  override<N extends keyof P & string>(name: N, impl: P[N], opts: OverrideOptions<keyof P & string> = {}): void {
    if (this.sealed)
      throw new Error(`${this.system}: override('${name}') after finish(): overrides come before the model is built`);
    if (!(name in this.base)) throw new Error(`${this.system} has no path named '${name}' (paths: ${this.names.join(', ')})`);
    const within = opts.within;
    if (within === undefined) {
      if (this.overrides.has(name)) throw new Error(`${this.system}: '${name}' is overridden twice`);
      this.overrides.set(name, impl);
      return;
    }
    if (!(within in this.base))
      throw new Error(`${this.system}: override('${name}', …, { within: '${within}' }): no path '${within}'`);
    const list = this.scoped.get(name) ?? [];
    if (list.some((s) => s.within === within)) {
      throw new Error(`${this.system}: '${name}' is overridden twice within '${within}'`);
    }
    list.push({ within, impl });
    this.scoped.set(name, list);
  }

  /** Was `name` replaced (anywhere)? */
  isOverridden(name: keyof P & string): boolean {
    return this.overrides.has(name) || this.scoped.has(name);
  }

  /** Builds the final table. Called by the kernel's finish(). */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    const fn = this.fn as Record<string, PathFn>;
    for (const [name, impl] of this.overrides) fn[name] = impl;
    const callers = new Set<string>();
    for (const [name, list] of this.scoped) {
      const outer = fn[name] as PathFn;
      fn[name] = this.dispatchWithin(name, list, outer);
      for (const s of list) callers.add(s.within);
    }
    for (const c of callers) fn[c] = this.counting(c, fn[c] as PathFn);
  }

  private depthOf(ctx: TaskContext): Record<string, number> {
    let d = this.inside.get(ctx);
    if (d === undefined) {
      d = {};
      this.inside.set(ctx, d);
    }
    return d;
  }

  private contextIn(args: readonly unknown[], name: string): TaskContext {
    const ctx = args.find(isTaskContext);
    if (ctx === undefined) {
      throw new Error(`${this.system}: '${name}' takes no task context, so calls from inside it cannot be told apart`);
    }
    return ctx;
  }

  /** The caller side of `within`: counts, per task context, how deep it is inside `name`. */
  private counting(name: string, impl: PathFn): PathFn {
    const self = this;
    return function* (...args: unknown[]): Program<unknown> {
      const d = self.depthOf(self.contextIn(args, name));
      d[name] = (d[name] ?? 0) + 1;
      try {
        return yield* impl(...args);
      } finally {
        d[name] = (d[name] as number) - 1;
      }
    };
  }

  /** The callee side: the first `within` function the caller is inside picks the replacement. */
  private dispatchWithin(name: string, list: readonly { within: string; impl: PathFn }[], outer: PathFn): PathFn {
    return (...args: unknown[]) => {
      const d = this.inside.get(this.contextIn(args, name));
      if (d !== undefined) for (const s of list) if ((d[s.within] ?? 0) > 0) return s.impl(...args);
      return outer(...args);
    };
  }
}

// biome-ignore lint/correctness/useYield: a path that takes no step at all
function* noStep<T>(value: T): Program<T> {
  return value;
}

/** An override that leaves the call out: no step, and `value` as the result. */
export function leaveOut<T = void>(value?: T): () => Program<T> {
  return () => noStep(value as T);
}
