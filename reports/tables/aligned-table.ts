/** A column of a table: how to head it, whether it holds numbers (right-aligned), and how to fill it from a row. */
export interface Column<Row> {
  header: string;
  numeric: boolean;
  cell(row: Row): string;
}

/** A table's cells for a format to lay out: its headers, which columns hold numbers, one line of cells per row. */
export interface TableCells {
  headers: string[];
  numeric: boolean[];
  rows: string[][];
}

export function tableCells<Row>(columns: Column<Row>[], rows: readonly Row[]): TableCells {
  return { headers: columns.map((c) => c.header), numeric: columns.map((c) => c.numeric), rows: rows.map((row) => columns.map((c) => c.cell(row))) };
}

const COLUMN_GAP = '  ';

/** Header, a rule of dashes, then one line per row, each column as wide as its widest cell: for terminals. */
export function alignedTable<Row>(columns: Column<Row>[], rows: Row[]): string[] {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const formatLine = (values: string[]) =>
    values
      .map((value, i) => {
        const width = widths[i] ?? value.length;
        return columns[i]?.numeric ? value.padStart(width) : value.padEnd(width);
      })
      .join(COLUMN_GAP)
      .trimEnd();
  const header = formatLine(columns.map((column) => column.header));
  const rule = widths.map((width) => '-'.repeat(width)).join(COLUMN_GAP).trimEnd();
  return [header, rule, ...cells.map(formatLine)];
}
