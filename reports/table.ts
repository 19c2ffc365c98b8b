import type { DeploymentFailure, ResultRow, RunResults } from '../harness/results.js';
import { distinctPaths } from './series.js';

interface Column {
  header: string;
  alignRight: boolean;
  cell(row: ResultRow): string;
}

const COLUMN_GAP = '  ';

function formatRps(rps: number): string {
  return rps.toFixed(1);
}

/** Tenths of a millisecond matter for fast responses, not once a request takes 100 ms or more. */
function formatMs(ms: number): string {
  return ms < 100 ? ms.toFixed(1) : Math.round(ms).toString();
}

function columnsFor(run: RunResults): Column[] {
  const pathColumn: Column[] =
    distinctPaths(run).length > 1 ? [{ header: 'path', alignRight: false, cell: (row) => row.path }] : [];
  return [
    { header: 'deployment', alignRight: false, cell: (row) => row.deployment },
    ...pathColumn,
    { header: 'c', alignRight: true, cell: (row) => String(row.concurrency) },
    { header: 'workers', alignRight: true, cell: (row) => String(row.workers) },
    { header: 'req/s', alignRight: true, cell: (row) => formatRps(row.throughputRps) },
    { header: 'p50 ms', alignRight: true, cell: (row) => formatMs(row.latencyMs.p50) },
    { header: 'p99 ms', alignRight: true, cell: (row) => formatMs(row.latencyMs.p99) },
    { header: 'errors', alignRight: true, cell: (row) => String(row.errors + row.timeouts) },
    { header: 'non-2xx', alignRight: true, cell: (row) => String(row.non2xx) },
  ];
}

function alignedTable(columns: Column[], rows: ResultRow[]): string[] {
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
  const rule = widths.map((width) => '-'.repeat(width)).join(COLUMN_GAP);
  return [header, rule, ...cells.map(formatLine)];
}

function failureLines(kind: string, failures: DeploymentFailure[]): string[] {
  return failures.map((failure) => `${kind} ${failure.deployment}: ${failure.reason}`);
}

/** A plain-text summary for the terminal: one line per measured point, then what was not measured. */
export function formatTable(run: RunResults): string {
  const body = run.results.length > 0 ? alignedTable(columnsFor(run), run.results) : ['Nothing measured.'];
  const notes = [...failureLines('failed:', run.failures), ...failureLines('skipped:', run.skipped)];
  return [...body, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
