import type { ResultRow, RunResults } from '../harness/results.js';
import {
  failedCount,
  formatPredicted,
  formatRatio,
  isOpenSaturated,
  loadCell,
  NONE,
  p50Cell,
  p99Cell,
  rpsCell,
} from './format.js';
import { distinctPaths, isOpenLoop } from './series.js';

/** The summary table of the document reports (HTML, Markdown), as plain strings each format escapes. */
export interface SummaryTable {
  headers: string[];
  /** Per column: numbers are right-aligned. */
  numeric: boolean[];
  rows: { cells: string[]; flagged: boolean }[];
}

interface Column {
  header: string;
  numeric: boolean;
  cell(row: ResultRow): string;
}

/** Why a point deserves a second look; the warnings spell it out in full. */
function rowNotes(row: ResultRow): string {
  return [
    isOpenSaturated(row) ? `saturated, ${row.unsent ?? 0} unsent` : '',
    row.generator.saturated ? 'load generator was the limit' : '',
  ]
    .filter(Boolean)
    .join('; ');
}

function columnsFor(run: RunResults): Column[] {
  const optional = (include: boolean, column: Column): Column[] => (include ? [column] : []);
  return [
    { header: 'deployment', numeric: false, cell: (row) => row.deployment },
    ...optional(distinctPaths(run).length > 1, { header: 'path', numeric: false, cell: (row) => row.path }),
    { header: isOpenLoop(run) ? 'offered req/s' : 'c', numeric: true, cell: loadCell },
    { header: 'workers', numeric: true, cell: (row) => String(row.workers) },
    ...optional(run.results.some((row) => row.threads !== undefined), {
      header: 'threads',
      numeric: true,
      cell: (row) => (row.threads === undefined ? NONE : String(row.threads)),
    }),
    { header: 'req/s', numeric: true, cell: rpsCell },
    { header: 'predicted', numeric: true, cell: (row) => formatPredicted(row.predictedThroughputRps) },
    { header: 'ratio', numeric: true, cell: (row) => formatRatio(row.throughputRatio) },
    { header: 'p50 ms', numeric: true, cell: p50Cell },
    { header: 'p99 ms', numeric: true, cell: p99Cell },
    { header: 'errors', numeric: true, cell: (row) => String(failedCount(row)) },
    { header: 'non-2xx', numeric: true, cell: (row) => String(row.non2xx) },
    { header: 'CPU %', numeric: true, cell: (row) => String(Math.round(row.resources.cpuPercent)) },
    { header: 'peak RSS MB', numeric: true, cell: (row) => String(Math.round(row.resources.peakRssMb)) },
    ...optional(run.results.some((row) => rowNotes(row) !== ''), { header: 'notes', numeric: false, cell: rowNotes }),
  ];
}

/** One row per measured point. Repeated points show their median with the min–max across repeats. */
export function summaryTable(run: RunResults): SummaryTable {
  const columns = columnsFor(run);
  return {
    headers: columns.map((column) => column.header),
    numeric: columns.map((column) => column.numeric),
    rows: run.results.map((row) => ({
      cells: columns.map((column) => column.cell(row)),
      flagged: rowNotes(row) !== '',
    })),
  };
}

/** The machine and software, as label/value pairs, so a reader can tell whether two reports compare. */
export function environmentFacts(run: RunResults): [string, string][] {
  const { environment: env, settings } = run;
  const software = Object.entries(env.software).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return [
    ['node', env.node],
    ['os', env.os],
    ['cpus', `${env.cpus} × ${env.cpuModel}`],
    ['memory', `${(env.totalMemoryMb / 1024).toFixed(1)} GB`],
    ['bench', env.benchVersion],
    ...software,
    ['started', run.startedAt],
    ['finished', run.finishedAt ?? 'not finished'],
    ['per point', `${settings.warmupS} s warm-up, ${settings.durationS} s measured, ${settings.repeat} repeat${settings.repeat === 1 ? '' : 's'}`],
  ];
}
