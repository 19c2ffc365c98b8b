import type { DeployOutcome, ResultRow, RunResults } from '../harness/results/types.js';
import { tableCells, type Column, type TableCells } from './tables/aligned-table.js';
import { formatMs, loadCell, NONE } from '../harness/formatting/numbers.js';
import { MIN_DURING_S } from '../harness/run/deploy-fault.js';
import { distinctPaths, isOpenLoop } from './series.js';
import { waitingCell } from './faults.js';

export const DEPLOYS_TITLE = 'Deploys under load';

type Deployed = ResultRow & { deploy: DeployOutcome };

const p99 = (ms: number | null) => (ms === null ? NONE : formatMs(ms));

/** The answers each version served, in the order they appeared: "v1 1204 → v2 873". */
export function versionsCell(deploy: DeployOutcome): string {
  return deploy.versions.length === 0 ? NONE : deploy.versions.map((v) => `v${v.version} ${v.responses}`).join(' → ');
}

function columns(run: RunResults): Column<Deployed>[] {
  return [
    { header: 'deployment', numeric: false, cell: (row) => row.deployment },
    ...(distinctPaths(run).length > 1 ? [{ header: 'path', numeric: false, cell: (row: Deployed) => row.path }] : []),
    { header: isOpenLoop(run) ? 'offered' : 'c', numeric: true, cell: loadCell },
    { header: 'deploy', numeric: false, cell: (row) => row.deploy.action },
    { header: 'at s', numeric: true, cell: (row) => row.deploy.atS.toFixed(2) },
    { header: 'took s', numeric: true, cell: (row) => row.deploy.tookS.toFixed(2) },
    { header: 'failed', numeric: true, cell: (row) => String(row.deploy.failed) },
    { header: 'unanswered at close', numeric: true, cell: (row) => waitingCell(row.deploy.waiting) },
    { header: 'longest gap s', numeric: true, cell: (row) => row.deploy.longestGapS.toFixed(2) },
    { header: 'p99 before → during ms', numeric: true, cell: (row) => `${p99(row.deploy.p99BeforeMs)} → ${p99(row.deploy.p99DuringMs)}` },
    { header: 'answers per version', numeric: false, cell: (row) => versionsCell(row.deploy) },
  ];
}

/** The table of a run's deploys under load, one line per point with a deploy, as plain strings each format escapes; undefined without one. */
export function deploysTable(run: RunResults): (TableCells & { footnotes: string[] }) | undefined {
  const rows = run.results.filter((row): row is Deployed => row.deploy !== undefined);
  if (rows.length === 0) return undefined;
  return {
    ...tableCells(columns(run), rows),
    footnotes: [
      'failed, the longest gap without a successful answer and the requests still unanswered when the window closed run from the deploy\'s start to the window\'s end; ' +
        `p99 during it: of the requests in flight from its start until the manager said it was done (at least ${MIN_DURING_S} s), against p99 before it; ` +
        'each answer names the version its process imported the app at: one that imported it since the deploy began serves the new one, a worker forked from a preloading master the master\'s.',
    ],
  };
}
