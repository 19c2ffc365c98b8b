import { GAP_BAND } from '../harness/model/gap.js';
import type { DeployOutcome, FaultOutcome, ManagerName, ResultRow, RunResults } from '../harness/results/types.js';
import { describeLoad, formatPredicted, formatRatio, formatRps } from '../harness/formatting/numbers.js';
import { distinctPaths } from './series.js';
import { waitingClause } from './faults.js';

/** The heading of the notes under a summary table on the rows outside the model's band. */
export const GAP_TITLE = `Why rows fell outside ${GAP_BAND[0].toFixed(2)}–${GAP_BAND[1].toFixed(2)} of the prediction`;

/** Marks a prediction that is an estimate (a user's app measured at one client), not a bound a row cannot beat. */
export const ESTIMATE_MARK = '≈';

/** The predicted cell: the figure, marked when it is an estimate. */
export const predictedCell = (row: ResultRow): string =>
  (row.model.estimate && row.predictedThroughputRps !== null ? ESTIMATE_MARK : '') + formatPredicted(row.predictedThroughputRps);

/**
 * One sentence per row outside the band, keyed by its deployment, path and load: what it achieved
 * against what was predicted, then each reason bench measured (harness/model/gap.ts).
 */
export function gapNotes(run: RunResults): string[] {
  const showPath = distinctPaths(run).length > 1;
  return run.results.flatMap((row) => {
    if (!row.modelGap) return [];
    const which = `${row.deployment}${showPath ? ` ${row.path}` : ''} at ${describeLoad(row)}`;
    const figures = `${formatRps(row.throughputRps)} of ${predictedCell(row)} req/s predicted (ratio ${formatRatio(row.modelGap.ratio)})`;
    // The scenario's own fault (worker-crash, a deploy) is the first cause, and makes "found no cause" untrue.
    const cause = row.fault ? faultReason(row.fault, row.manager) : row.deploy && deployReason(row.deploy);
    const reasons = row.modelGap.reasons.filter((reason) => !(cause && reason.kind === 'none')).map((reason) => reason.text);
    return [`${which}: ${figures}: ${[...(cause ? [cause] : []), ...reasons].join('; ')}.`];
  });
}

function deployReason({ action, atS, failed, longestGapS, waiting }: DeployOutcome): string {
  return (
    `the scenario deployed (${action}) ${atS} s into the window, and ${failed} requests failed${waitingClause(waiting)}, the longest gap without an answer ${longestGapS} s: ` +
    'a deploy point\'s throughput is not a steady-state figure'
  );
}

/** What the scenario's SIGKILL did, in the row's words: a worker's recovery, or a master's outage and who brought it back. */
export function faultReason(fault: FaultOutcome, manager?: ManagerName): string {
  const { killedPid, atS, recoveryS } = fault;
  if (fault.killed !== 'master') {
    const after = recoveryS === null ? 'the deployment was not whole again before the window closed' : `the deployment was whole again ${recoveryS} s later`;
    return `the scenario killed process ${killedPid} (SIGKILL) ${atS} s into the window, and ${after}`;
  }
  const failed = (fault.failed === undefined ? '' : `, ${fault.failed} request${fault.failed === 1 ? '' : 's'} failed`) + waitingClause(fault.waiting);
  const killed = `master (pid ${killedPid}) killed at ${atS} s`;
  if (fault.firstAnswerS === null || fault.firstAnswerS === undefined) return `${killed}: down for the rest of the window${failed}`;
  // Nothing restarts a master without a manager: what answered after the kill is what it left running.
  if (!manager) return `${killed}: the workers it left kept answering (the first ${fault.firstAnswerS} s after the kill), with no master to replace them${failed}`;
  const said = fault.managerSaid ? ` (${manager}: ${fault.managerSaid})` : '';
  return `${killed}: back after ${fault.firstAnswerS} s under ${manager}${said}${failed}`;
}

/** The estimate mark's meaning, when a table shows it. */
export function estimateFootnote(run: RunResults): string[] {
  return run.results.some((row) => row.model.estimate && row.predictedThroughputRps !== null)
    ? [`${ESTIMATE_MARK}: an estimate from what one client measured, not a bound: a row may beat it.`]
    : [];
}
