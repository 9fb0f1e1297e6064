/** A scenario that cannot be found or loaded: one line that names the file (and the line, when known). */
export class ScenarioLoadError extends Error {}

/** Bad scenario arguments (an unknown name, names and groups mixed): a usage error, exit 2. */
export class SelectionError extends Error {}
