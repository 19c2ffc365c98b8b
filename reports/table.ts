import type { ResultRow, RunResults } from '../harness/results.js';
import { alignedTable, type Column as TableColumn } from './aligned-table.js';
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

type Column = TableColumn<ResultRow>;

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

/**
 * A plain-text summary for the terminal: one line per measured point, then what the reader must
 * know before trusting it (generator-bound points, saturation, failed and skipped deployments).
 */
export function formatTable(run: RunResults): string {
  const body = run.results.length > 0 ? alignedTable(columnsFor(run), run.results) : ['Nothing measured.'];
  const warnings = runWarnings(run).map((warning) => `warning: ${warning}`);
  return [...body, ...(warnings.length > 0 ? ['', ...warnings] : [])].join('\n');
}
