/**
 * `ptrace-mc`: what a concern is written with, and how it is checked from
 * code.
 *
 * - `defineScenario` and its types: a scenario names its variants, the CPU
 *   counts, what its author expects of each, and `build({ variant, cpus })`.
 * - `ModelBuilder` and the operations a kernel path yields, one shared
 *   access per step (`load`, `store`, `rmw`, `fence`, locks, irq and
 *   preempt state, `nop`, `bugOn`), each with its source reference.
 * - `here\`name\``: the source reference of a step a scenario writes itself
 *   (`file:line name`); `leaveOut()`: an override that leaves a call out.
 * - `check`, `compare`: the searches of `ptrace-mc check` (with
 *   `--compare`), returning the objects `--json` prints; `explore` for a bare
 *   model; `loadScenario` for a scenario file by path.
 *
 * The kernel models are `ptrace-mc/linux`, `ptrace-mc/dragonos`,
 * `ptrace-mc/redox` and `ptrace-mc/demo`; vitest matchers are
 * `ptrace-mc/vitest`.
 */

export { bitsFormatter, enumFormatter, type Formatter } from '../cpu/memory.ts';
export {
  awaitCond,
  check as bugOn,
  fence,
  irqDisable,
  irqEnable,
  irqRestore,
  irqSave,
  load,
  nop,
  Op,
  type Program,
  preemptDisable,
  preemptEnable,
  readLock,
  readUnlock,
  rmw,
  snapshot,
  spinLock,
  spinTrylock,
  spinUnlock,
  store,
  writeLock,
  writeUnlock,
} from '../cpu/ops.ts';
export type { StrategyName } from '../explorer/strategy-names.ts';
export { leaveOut, type OverrideOptions } from '../kernel/common/paths.ts';
export { loadScenarioFile as loadScenario } from '../load/import-file.ts';
export { ModelBuilder } from '../model/build.ts';
export {
  type BuildOptions,
  defineScenario,
  type Expectation,
  type RowSearch,
  type ScenarioDef,
  type VariantDef,
} from '../model/scenario.ts';
export { here } from '../model/source-ref.ts';
export type { MachineView, ModelDef, Prologue, TaskContext, TerminalInvariant } from '../model/types.ts';
export { type CheckOptions, type CheckResult, check, compare, type ExploreResult, explore, storyOf } from './check.ts';
