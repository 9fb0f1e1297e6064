/**
 * How long a concern is, in lines of model code: what a reviewer writes to
 * state it, leaving out what only frames or claims it.
 */

/** The source with its `variants: { … }` block (the claims: summaries and expectation rows) cut out. */
function withoutVariants(src: string): string {
  const at = src.indexOf('variants: {');
  if (at < 0) return src;
  let depth = 0;
  let end = at + 'variants: '.length;
  for (; end < src.length; end++) {
    if (src[end] === '{') depth++;
    else if (src[end] === '}' && --depth === 0) break;
  }
  return src.slice(0, at) + src.slice(end + 1);
}

const IMPORTS = /^import[\s\S]*?;\n/gm;

/**
 * A concern as the README guide shows it (no comments): every non-blank
 * line but its imports and its `variants: { … }` block.
 */
export function modelLines(src: string): number {
  return withoutVariants(src.replace(IMPORTS, ''))
    .split('\n')
    .filter((l) => l.trim() !== '').length;
}

/**
 * A shipped scenario file: the lines of code of its `build` function's body
 * and of whatever it defines beside `defineScenario({ … })` (helpers,
 * overrides, constants); not its imports, comments and blank lines, nor the
 * frame of the `defineScenario` call (name, summary, cpus, invariants,
 * bounds) and its `variants` claims.
 */
export function scenarioModelLines(src: string): number {
  const code = src
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(IMPORTS, '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\s*\/\//.test(l));
  const start = code.findIndex((l) => l.startsWith('export default defineScenario('));
  if (start < 0) throw new Error('no `export default defineScenario(` line');
  const end = code.findIndex((l, i) => i > start && l === '});');
  const buildAt = code.findIndex((l, i) => i > start && /^ {2}build\(/.test(l));
  const buildEnd = code.findIndex((l, i) => i > buildAt && /^ {2}},?$/.test(l));
  if (end < 0 || buildAt < 0 || buildEnd < 0 || buildEnd > end) throw new Error('no `build(…) { … }` inside defineScenario');
  return code.length - (end - start + 1) + (buildEnd - buildAt - 1);
}
