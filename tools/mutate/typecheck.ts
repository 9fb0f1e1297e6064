/**
 * Does a mutant compile? The rows run the model through a loader that
 * strips types without checking them, so a mutant the compiler refuses (a
 * removed check that a later line's types depend on: `if (x === undefined)
 * return` gone, then `x` used as defined) would still run, and its run-time
 * error would be counted as a kill. Such a mutant is no program of the
 * project: it is reported as "does not compile", apart from the share.
 *
 * The check is the compiler's own, on the tree the mutants are written into
 * (a tsconfig.json there extends the repository's, over `src` alone), kept
 * open across mutants: after the first, each check re-reads one file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { API, DiagnosticCategory } from 'typescript/unstable/sync';
import { applyMutant, type Mutant } from './operators.ts';

export class MutantTypeCheck {
  private readonly api: API;
  private readonly config: string;
  /** every file a check has seen changed: each later check tells the compiler again (a mutated file is put back after its run) */
  private readonly touched = new Set<string>();

  /** `tree`: a copy of the sources under the repository `root` (so that the repository's tsconfig.json and node_modules apply). */
  constructor(
    private readonly tree: string,
    root: string,
  ) {
    this.config = join(tree, 'tsconfig.json');
    writeFileSync(this.config, `${JSON.stringify({ extends: relative(tree, join(root, 'tsconfig.json')), include: ['src'] })}\n`);
    this.api = new API({ cwd: tree });
    this.api.updateSnapshot({ openProject: this.config });
  }

  /** The compiler's errors in `file` (relative to the tree) as it is on disk now; empty when it compiles. */
  errors(file: string): string[] {
    const abs = join(this.tree, file);
    this.touched.add(abs);
    const project = this.api.updateSnapshot({ fileChanges: { changed: [...this.touched] } }).getProjects()[0];
    if (!project) throw new Error(`${this.config} gives no project`);
    return [...project.program.getSyntacticDiagnostics(abs), ...project.program.getSemanticDiagnostics(abs)]
      .filter((d) => d.category === DiagnosticCategory.Error)
      .map((d) => `TS${d.code} ${d.text}`);
  }

  /** The compiler's errors in the file with the mutant applied (the file is put back after). */
  mutantErrors(m: Mutant): string[] {
    const path = join(this.tree, m.file);
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, applyMutant(original, m));
    try {
      return this.errors(m.file);
    } finally {
      writeFileSync(path, original);
    }
  }

  close(): void {
    this.api.close();
  }
}
