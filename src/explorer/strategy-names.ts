/** The strategies `check --strategy` takes; the first is the default of `check`. */
export const STRATEGIES = ['dpor', 'source-dpor', 'dfs', 'bounded', 'pct', 'random', 'portfolio'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const DEFAULT_PREEMPTIONS = 2;
export const DEFAULT_PCT_DEPTH = 3;
