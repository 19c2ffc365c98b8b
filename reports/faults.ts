import type { FaultOutcome, ResultRow, RunResults, Waiting } from '../harness/results/types.js';
import { tableCells, type Column, type TableCells } from './tables/aligned-table.js';
import { loadCell, NONE } from '../harness/formatting/numbers.js';
import { distinctPaths, isOpenLoop } from './series.js';

export const FAULTS_TITLE = 'Processes killed under load';

type Faulted = ResultRow & { fault: FaultOutcome };

/** Seconds to two places, or – when it never came. */
const seconds = (s: number | null | undefined) => (s === null || s === undefined ? NONE : s.toFixed(2));

/** Requests unanswered when the window closed: "16 (oldest 2.90 s)", or – for none. */
export const waitingCell = (waiting: Waiting | undefined) => (waiting ? `${waiting.count} (oldest ${waiting.longestS.toFixed(2)} s)` : NONE);

/** The same in a sentence, after what failed: empty for none. */
export const waitingClause = (waiting: Waiting | undefined) =>
  waiting ? `, and ${waiting.count} sent after it still waited for an answer when the window closed (the oldest ${waiting.longestS} s)` : '';

/** What brought the server back: its manager, the pool's master for a worker, else nothing. */
function backBy(row: Faulted): string {
  if (row.manager) return row.manager;
  // A lone server killed as a "worker" has no master: nothing brings it back.
  return row.fault.killed === 'master' || row.fault.recoveryS === null ? 'nothing' : 'its master';
}

function columns(run: RunResults): Column<Faulted>[] {
  return [
    { header: 'deployment', numeric: false, cell: (row) => row.deployment },
    ...(distinctPaths(run).length > 1 ? [{ header: 'path', numeric: false, cell: (row: Faulted) => row.path }] : []),
    { header: isOpenLoop(run) ? 'offered' : 'c', numeric: true, cell: loadCell },
    { header: 'killed', numeric: false, cell: (row) => row.fault.killed ?? 'worker' },
    { header: 'at s', numeric: true, cell: (row) => row.fault.atS.toFixed(2) },
    { header: 'back after s', numeric: true, cell: (row) => seconds(row.fault.killed === 'master' ? row.fault.firstAnswerS : row.fault.recoveryS) },
    { header: 'failed', numeric: true, cell: (row) => (row.fault.failed === undefined ? NONE : String(row.fault.failed)) },
    { header: 'unanswered at close', numeric: true, cell: (row) => waitingCell(row.fault.waiting) },
    { header: 'restarted by', numeric: false, cell: backBy },
    { header: 'manager said', numeric: false, cell: (row) => row.fault.managerSaid ?? NONE },
  ];
}

/** The table of a run's killed processes (worker-crash), one line per point with a kill; undefined without one. */
export function faultsTable(run: RunResults): (TableCells & { footnotes: string[] }) | undefined {
  const rows = run.results.filter((row): row is Faulted => row.fault !== undefined);
  if (rows.length === 0) return undefined;
  return {
    ...tableCells(columns(run), rows),
    footnotes: [
      'back after: for a worker, until the deployment had all its processes back and accepted connections; for a master, until the first 2xx to a request sent after the kill ' +
        '(without a manager, from workers the dead master left running); – when it never came before the window closed. ' +
        'failed: a master kill\'s answers after it that were not 2xx; unanswered at close: requests sent after the kill still waiting when the window closed (a server that hangs fails none). manager said: its own status line as the window closed.',
    ],
  };
}
