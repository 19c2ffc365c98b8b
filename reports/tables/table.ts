import type { ResultRow, RunResults } from '../../harness/results/types.js';
import { alignedTable } from './aligned-table.js';
import { coarseFootnote, frontColumns, keyColumns, measuredColumns, optional, pointColumns, poolColumns, RESOURCES_TITLE, type Column } from './columns.js';
import { formatMemory, GENERATOR_CHANGED, GENERATOR_LIMITED, isOpenSaturated, pssOrUnsampled, SERVER_SATURATED } from '../../harness/formatting/numbers.js';
import { estimateFootnote, gapNotes, GAP_TITLE } from '../model-gap.js';
import { sideTables } from '../side-tables.js';
import { runWarnings } from '../warnings.js';

const COMPACT = { compact: true };

/** Which limit a point hit: the server's, or the load generator's (the warnings say why). */
function status(row: ResultRow): string {
  return [isOpenSaturated(row) ? SERVER_SATURATED : '', row.generator.saturated ? GENERATOR_LIMITED : '', row.generatorChanges ? GENERATOR_CHANGED : ''].filter(Boolean).join(', ');
}

/**
 * One memory column: summed PSS, which counts the pages pre-forked workers share once, when every
 * point has it; otherwise summed RSS for all, so the column never mixes the two.
 */
function memoryColumn(run: RunResults): Column {
  const pss = run.results.every((row) => pssOrUnsampled(row.resources));
  return {
    header: pss ? 'PSS MB' : 'RSS MB',
    numeric: true,
    cell: (row) => formatMemory(row.resources, pss ? 'pss' : 'rss'),
  };
}

/** Past this many characters a line wraps in a terminal, and a table with it becomes unreadable. */
const TERMINAL_WIDTH = 160;

/** What each point used, and which limit it hit: after the points' own columns, or in a table of their own. */
function resourceColumns(run: RunResults): Column[] {
  return [
    memoryColumn(run),
    ...frontColumns(run, true),
    ...optional(run.results.some((row) => status(row) !== ''), { header: 'status', numeric: false, cell: status }),
  ];
}

/**
 * One table where it fits a terminal; else split as the document reports are: what the points
 * achieved, then their pool, CPU, memory and status, each row named again by its deployment, path
 * and load.
 */
function pointTables(run: RunResults): string[] {
  const whole = alignedTable([...pointColumns(run, COMPACT), ...resourceColumns(run)], run.results);
  if (Math.max(...whole.map((line) => line.length)) <= TERMINAL_WIDTH) return whole;
  const keys = keyColumns(run, COMPACT);
  return [
    ...alignedTable([...keys, ...measuredColumns(run, COMPACT)], run.results),
    '',
    `${RESOURCES_TITLE}:`,
    ...alignedTable([...keys, ...poolColumns(run), ...resourceColumns(run)], run.results),
  ];
}

/**
 * A plain-text summary for the terminal: one line per measured point, a footnote on coarse
 * percentiles, then what the reader must know before trusting it (generator-limited and saturated
 * points, points where nothing succeeded, failed and skipped deployments).
 */
export function formatTable(run: RunResults): string {
  const body =
    run.results.length > 0 ? [...pointTables(run), ...coarseFootnote(run, COMPACT), ...estimateFootnote(run), ...gapLines(run)] : ['Nothing measured.'];
  const warnings = runWarnings(run).map((warning) => `warning: ${warning}`);
  return [...body, ...sideLines(run), ...(warnings.length > 0 ? ['', ...warnings] : [])].join('\n');
}

/** Each row outside the model's band, and why, under the points' table. */
function gapLines(run: RunResults): string[] {
  const notes = gapNotes(run);
  return notes.length > 0 ? ['', `${GAP_TITLE}:`, ...notes.map((note) => `  ${note}`)] : [];
}

/** A mix's requests apart, a run's deploys, under the points' table. */
function sideLines(run: RunResults): string[] {
  return sideTables(run).flatMap((side) => {
    const columns = side.headers.map((header, i) => ({ header, numeric: side.numeric[i]!, cell: (cells: string[]) => cells[i]! }));
    return ['', `${side.title}:`, ...alignedTable(columns, side.rows), ...side.footnotes];
  });
}
