/** The strategies `check --strategy` takes; the first is the default of `check`. */
export const STRATEGIES = ['auto', 'dfs', 'dpor', 'source-dpor', 'bounded', 'delay', 'pct', 'random', 'portfolio'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const DEFAULT_PREEMPTIONS = 2;
export const DEFAULT_PCT_DEPTH = 3;
export const DEFAULT_DELAYS = 2;
