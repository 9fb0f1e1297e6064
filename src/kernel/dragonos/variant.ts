/**
 * The three DragonOS commits the models follow, and how a step names its
 * source line: `dragonos@90a99863 kernel/src/process/mod.rs:278 ProcessManager::wakeup`.
 *
 * - pr1663: 90a99863, the PR #1663 branch commit the review was written
 *   against. Its sched/ files are the master version 073432f93 (the branch
 *   did not touch them), so scheduler lines cite that commit.
 * - head:   bc145753, the PR head after the review (refs/pull/1663/head).
 * - master: f64a0d56, DragonOS master. It has no ptrace stop machinery
 *   (process/ptrace.rs covers PTRACE_TRACEME only, sys_ptrace.rs:37-53
 *   rejects every other request), so the ptrace paths exist only in the
 *   first two variants.
 */
export type Variant = 'pr1663' | 'head' | 'master';

export const VARIANTS: readonly Variant[] = ['pr1663', 'head', 'master'];

export const COMMIT: Readonly<Record<Variant, string>> = {
  pr1663: '90a99863',
  head: 'bc145753',
  master: 'f64a0d56',
};

/** The commit whose sched/ files a variant uses (pr1663 did not change them). */
const SCHED_COMMIT: Readonly<Record<Variant, string>> = {
  pr1663: '073432f93',
  head: 'bc145753',
  master: 'f64a0d56',
};

/** Line (or line range) of one step, per variant; a missing entry means the step does not exist there. */
export type Lines = Partial<Record<Variant, number | string>>;

export function isVariant(v: string): v is Variant {
  return (VARIANTS as readonly string[]).includes(v);
}

/** Builds source references for one variant. */
export class Src {
  constructor(readonly v: Variant) {}

  /** `dragonos@<commit> kernel/src/<file>:<line> <fn>` */
  at(file: string, lines: Lines | Record<string, number | string>, fn: string): string {
    const line = (lines as Lines)[this.v];
    if (line === undefined) throw new Error(`${fn} (${file}) has no step here in variant ${this.v}`);
    const commit = file.startsWith('sched/') ? SCHED_COMMIT[this.v] : COMMIT[this.v];
    // '' marks a function whose line in that commit is not pinned (only its name is)
    return line === '' ? `dragonos@${commit} kernel/src/${file} ${fn}` : `dragonos@${commit} kernel/src/${file}:${line} ${fn}`;
  }
}
