/**
 * A structural check of the Mermaid we emit, beside Mermaid's own parser
 * (which accepts more than GitHub renders well): only the subset of
 * `sequenceDiagram` syntax the renderer uses, every participant declared
 * first, and no character in a text that would end a statement or be read
 * as HTML. Returns the problems found.
 */
export function mermaidProblems(src: string): string[] {
  const problems: string[] = [];
  const lines = src.replace(/\n$/, '').split('\n');
  if (lines[0] !== 'sequenceDiagram') problems.push(`line 1 must be "sequenceDiagram", got "${lines[0]}"`);
  const declared = new Set<string>();
  const ID = '[A-Za-z][A-Za-z0-9_]*';
  const participant = new RegExp(`^  participant (${ID})$`);
  const message = new RegExp(`^  (${ID})(->>|-->>|->|-->|-x|--x)(${ID}): (.+)$`);
  const note = new RegExp(`^  Note (over|left of|right of) (${ID})(?:,(${ID}))?: (.+)$`);
  let seenMessage = false;
  lines.slice(1).forEach((line, i) => {
    const at = `line ${i + 2}`;
    if (/^ {2}%%/.test(line)) return;
    let m = participant.exec(line);
    if (m) {
      if (seenMessage) problems.push(`${at}: participant declared after the first message`);
      declared.add(m[1] as string);
      return;
    }
    let ids: string[] = [];
    let text = '';
    m = message.exec(line);
    if (m) ids = [m[1] as string, m[3] as string];
    if (m) text = m[4] as string;
    const n = m ? null : note.exec(line);
    if (n) {
      ids = [n[2] as string, ...(n[3] ? [n[3]] : [])];
      text = n[4] as string;
    }
    if (!m && !n) {
      problems.push(`${at}: not a statement: ${line}`);
      return;
    }
    seenMessage = true;
    for (const id of ids) if (!declared.has(id)) problems.push(`${at}: undeclared participant ${id}`);
    if (/[;#]/.test(text)) problems.push(`${at}: ";" or "#" in text would end the statement`);
    if (/</.test(text)) problems.push(`${at}: "<" in text may be read as HTML`);
    if (text.trim() === '') problems.push(`${at}: empty text`);
  });
  if (declared.size === 0) problems.push('no participant');
  return problems;
}
