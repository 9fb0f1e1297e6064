/** A column of a text table: its heading, its cells, and whether they align right (numbers). */
export interface Column {
  readonly head: string;
  readonly cells: readonly string[];
  readonly right?: boolean;
}

export function column<T>(items: readonly T[], head: string, cell: (x: T) => string, right = false): Column {
  return { head, cells: items.map(cell), right };
}

/** The heading, a rule and one line per row, columns padded to their widest cell. */
export function formatColumns(columns: readonly Column[]): string[] {
  const widths = columns.map((c) => Math.max(c.head.length, ...c.cells.map((x) => x.length)));
  const line = (cell: (c: Column, i: number) => string) =>
    columns
      .map((c, i) => {
        const w = widths[i] as number;
        return c.right ? cell(c, i).padStart(w) : cell(c, i).padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const rows = columns[0]?.cells.length ?? 0;
  return [
    line((c) => c.head),
    line((_, i) => '-'.repeat(widths[i] as number)),
    ...Array.from({ length: rows }, (_, r) => line((c) => c.cells[r] as string)),
  ];
}

/**
 * A column shown only when it says something: for the irq budgets, when
 * some row has its own ('-' is none); for the checked invariants, when rows
 * differ in them (not when --invariant narrowed every row alike). Tables of
 * scenarios without either stay as they were.
 */
export function optionalColumn(head: string, cells: readonly string[], when: 'some' | 'differ' = 'some'): Column[] {
  const show = when === 'some' ? cells.some((c) => c !== '-') : cells.some((c) => c !== cells[0]);
  return show ? [{ head, cells }] : [];
}
