import type { ResultRow, RunResults } from '../harness/results.js';
import {
  failedCount,
  formatMs,
  formatPredicted,
  formatRatio,
  isOpenSaturated,
  loadCell,
  rpsCell,
} from './format.js';
import { distinctPaths, isOpenLoop } from './series.js';
import { runWarnings } from './warnings.js';

/** A column of a plain-text table: its header, its alignment, and how a row fills it. */
export interface TextColumn<T> {
  header: string;
  alignRight: boolean;
  cell(row: T): string;
}

type Column = TextColumn<ResultRow>;

const COLUMN_GAP = '  ';

function columnsFor(run: RunResults): Column[] {
  const optional = (include: boolean, column: Column): Column[] => (include ? [column] : []);
  return [
    { header: 'deployment', alignRight: false, cell: (row) => row.deployment },
    ...optional(distinctPaths(run).length > 1, { header: 'path', alignRight: false, cell: (row) => row.path }),
    { header: isOpenLoop(run) ? 'offered' : 'c', alignRight: true, cell: loadCell },
    { header: 'workers', alignRight: true, cell: (row) => String(row.workers) },
    { header: 'req/s', alignRight: true, cell: rpsCell },
    { header: 'predicted', alignRight: true, cell: (row) => formatPredicted(row.predictedThroughputRps) },
    { header: 'ratio', alignRight: true, cell: (row) => formatRatio(row.throughputRatio) },
    { header: 'p50 ms', alignRight: true, cell: (row) => formatMs((row.latencyMs?.p50 ?? 0)) },
    { header: 'p99 ms', alignRight: true, cell: (row) => formatMs((row.latencyMs?.p99 ?? 0)) },
    { header: 'errors', alignRight: true, cell: (row) => String(failedCount(row)) },
    { header: 'non-2xx', alignRight: true, cell: (row) => String(row.non2xx) },
    ...optional(run.results.some(isOpenSaturated), {
      header: 'status',
      alignRight: false,
      cell: (row) => (isOpenSaturated(row) ? 'SATURATED' : ''),
    }),
  ];
}

/** Header, rule and one line per row, each column as wide as its widest cell. */
export function alignedTable<T>(columns: TextColumn<T>[], rows: T[]): string[] {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const formatLine = (values: string[]) =>
    values
      .map((value, i) => {
        const width = widths[i] ?? value.length;
        return columns[i]?.alignRight ? value.padStart(width) : value.padEnd(width);
      })
      .join(COLUMN_GAP)
      .trimEnd();
  const header = formatLine(columns.map((column) => column.header));
  const rule = widths.map((width) => '-'.repeat(width)).join(COLUMN_GAP).trimEnd();
  return [header, rule, ...cells.map(formatLine)];
}

/**
 * A plain-text summary for the terminal: one line per measured point, then what the reader must
 * know before trusting it (generator-bound points, saturation, failed and skipped deployments).
 */
export function formatTable(run: RunResults): string {
  const body = run.results.length > 0 ? alignedTable(columnsFor(run), run.results) : ['Nothing measured.'];
  const warnings = runWarnings(run).map((warning) => `warning: ${warning}`);
  return [...body, ...(warnings.length > 0 ? ['', ...warnings] : [])].join('\n');
}
