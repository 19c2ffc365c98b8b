import type { Column as TableColumn } from './aligned-table.js';
import type { ResultRow, RunResults } from '../../harness/results/types.js';
import {
  anyCoarse,
  COARSE_FOOTNOTE,
  failedCount,
  formatCpu,
  formatMemory,
  formatMs,
  formatRatio,
  latencyCell,
  loadCell,
  NONE,
  PERCENTILE_NAMES,
  pssOrUnsampled,
  rpsCell,
  type Percentile,
} from '../../harness/formatting/numbers.js';
import { startedOutsideBench } from '../deployments.js';
import { predictedCell } from '../model-gap.js';
import { distinctPaths, isOpenLoop } from '../series.js';

/** A column of a table of measured points, one row per point; numbers are right-aligned. */
export type Column = TableColumn<ResultRow>;

export const optional = (include: boolean, column: Column): Column[] => (include ? [column] : []);


/**
 * The web server in front on its own (nginx, Apache: already part of the deployment's figures),
 * where any row had one: its CPU (% of one core) and its memory (PSS where read, else RSS).
 */
export function frontColumns(run: RunResults, compact: boolean): Column[] {
  if (!run.results.some((row) => row.frontResources)) return [];
  const pss = run.results.every((row) => pssOrUnsampled(row.frontResources));
  return [
    { header: compact ? 'web CPU %' : 'web server CPU %', numeric: true, cell: (row) => formatCpu(row.frontResources) },
    { header: `${compact ? 'web' : 'web server'} ${pss ? 'PSS' : 'RSS'} MB`, numeric: true, cell: (row) => formatMemory(row.frontResources, pss ? 'pss' : 'rss') },
  ];
}

/**
 * Compact is for the terminal: no min–max across repeats on latencies and no p99.9, so the table
 * fits a terminal's width; the document reports have room for both.
 */
function percentiles(compact: boolean): readonly Percentile[] {
  return compact ? ['p50', 'p99'] : ['p50', 'p99', 'p999'];
}

/** The heading of the second table a wide summary is split into: each point's pool, what it used, and why a row is flagged. */
export const RESOURCES_TITLE = 'Pool, CPU, memory and notes';

/**
 * Which point a row is: its deployment, its path (where the run measured several) and its load.
 * A table too wide for the page is split in two, and the second repeats these.
 */
export function keyColumns(run: RunResults, { compact }: { compact: boolean }): Column[] {
  return [
    { header: 'deployment', numeric: false, cell: (row) => row.deployment },
    ...optional(distinctPaths(run).length > 1, { header: 'path', numeric: false, cell: (row) => row.path }),
    loadColumn(run, compact),
  ];
}

/** The load level: clients (c) or offered req/s, and both in words where a session ran each. */
function loadColumn(run: RunResults, compact: boolean): Column {
  if (new Set(run.results.map((row) => row.loop)).size > 1) {
    return { header: 'load', numeric: true, cell: (row) => (row.loop === 'open' ? `${loadCell(row)} req/s` : `c=${loadCell(row)}`) };
  }
  return { header: isOpenLoop(run) ? (compact ? 'offered' : 'offered req/s') : 'c', numeric: true, cell: loadCell };
}

/** The pool a point ran on; its label says as much ("×4 (8 threads)"), so a split table moves these to its second part. */
export function poolColumns(run: RunResults): Column[] {
  return [
    // A server started outside bench has whatever pool its owner gave it: bench does not know it.
    { header: 'workers', numeric: true, cell: (row) => (startedOutsideBench(row) ? NONE : String(row.workers)) },
    ...optional(run.results.some((row) => row.threads !== undefined), {
      header: 'threads',
      numeric: true,
      cell: (row) => (row.threads === undefined ? NONE : String(row.threads)),
    }),
  ];
}

/**
 * The columns every table of points shares, in order: which point (keyColumns, then the pool),
 * then measuredColumns. Each table adds its own columns after these.
 */
export function pointColumns(run: RunResults, options: { compact: boolean }): Column[] {
  return [...keyColumns(run, options), ...poolColumns(run), ...measuredColumns(run, options)];
}

/**
 * What a point achieved: the slow clients beside it, its throughput against Little's law, the
 * latencies with the samples they rest on, and what failed.
 */
export function measuredColumns(run: RunResults, { compact }: { compact: boolean }): Column[] {
  const slow = run.results.some((row) => row.slowClients !== undefined);
  return [
    ...optional(slow, { header: 'slow clients', numeric: true, cell: (row) => String(row.slowClients?.count ?? 0) }),
    { header: 'req/s', numeric: true, cell: rpsCell },
    { header: 'predicted', numeric: true, cell: predictedCell },
    // A server on another machine: the round trip the prediction includes, and how many each request pays.
    ...optional(run.results.some((row) => row.network !== undefined), {
      header: 'RTT ms',
      numeric: true,
      cell: (row) => (row.network ? `${formatMs(row.network.rttMs)} ${row.network.notInModel ? '(not in model)' : `×${row.network.roundTrips}`}` : NONE),
    }),
    { header: 'ratio', numeric: true, cell: (row) => formatRatio(row.throughputRatio) },
    { header: 'samples', numeric: true, cell: (row) => String(row.samples) },
    ...percentiles(compact).map((percentile) => ({
      header: `${PERCENTILE_NAMES[percentile]} ms`,
      numeric: true,
      cell: (row: ResultRow) => latencyCell(row, percentile, { spread: !compact }),
    })),
    { header: 'errors', numeric: true, cell: (row) => String(failedCount(row)) },
    { header: 'non-2xx', numeric: true, cell: (row) => String(row.non2xx) },
    // The slow clients' own answers, which every figure before this leaves out.
    ...optional(slow, { header: 'slow answered', numeric: true, cell: (row) => (row.slowClients ? String(row.slowClients.completed) : NONE) }),
    // /count: how many processes' separate counters the answers came from (scenario shared-state).
    ...optional(run.results.some((row) => row.counts !== undefined), { header: 'sequences', numeric: true, cell: sequencesCell }),
  ];
}

/** "8", or "8 (not rising)" when some process's counts fell back; NONE for a row without /count answers. */
function sequencesCell(row: ResultRow): string {
  if (!row.counts) return NONE;
  return row.counts.rising ? String(row.counts.sequences) : `${row.counts.sequences} (not rising)`;
}

/** The footnote a table of pointColumns needs under it: COARSE_FOOTNOTE when it shows a marked percentile. */
export function coarseFootnote(run: RunResults, { compact }: { compact: boolean }): string[] {
  return anyCoarse(run.results, percentiles(compact)) ? [COARSE_FOOTNOTE] : [];
}
