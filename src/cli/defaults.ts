/** Option values the command line states before a command's module is loaded. */
export const FORMATS = ['text', 'mermaid', 'perfetto', 'html'] as const;

/**
 * The per-row budget of `coverage` when none is given: executions, not
 * time, so that the same command prints the same report on any machine.
 * Every linux/ row ends within it (the largest, linux/attach-detach on 2
 * CPUs, takes 37,377 DFS executions); `coverage linux/` takes one to two
 * minutes.
 */
export const DEFAULT_MAX_EXECUTIONS_PER_ROW = 100_000;
