import { UsageError } from '../cli/errors.js';
import { serverKinds } from '../deployments/kinds.js';
import type { ResultRow, RunResults, TuneSummary } from '../results/types.js';

/** The server kinds whose deployment can be written out as files (ServerKind.exportAs): gunicorn's, uWSGI's, waitress's, then the ASGI servers'. */
export const EXPORTABLE_KINDS: readonly string[] = (['gunicorn', 'uwsgi', 'waitress', 'hypercorn', 'daphne'] as const).flatMap((format) => serverKinds.filter((k) => k.exportAs === format).map((k) => k.name));

export function isExportable(kind: string): boolean {
  return EXPORTABLE_KINDS.includes(kind);
}

/** The row to export, and why it was chosen, for the terminal and the export's README. */
export interface ChosenRow {
  row: ResultRow & { serverArgs: string[] };
  why: string;
}

/**
 * The deployment to export: `--deployment LABEL`, else the run's tune recommendation, else the
 * exportable deployment with the highest throughput. Of the chosen deployment's rows (one per load
 * level and path) the fastest one is the measurement its settings are cited from: in a tune run, the
 * fastest at the load level where it met the latency objective.
 */
export function chooseRow(run: RunResults, source: string, label: string | undefined): ChosenRow {
  const labels = [...new Set(run.results.map((r) => r.deployment))];
  if (labels.length === 0) throw new UsageError(`${source} has no measured rows to export`);
  let why: string;
  let rows: ResultRow[];
  if (label !== undefined) {
    rows = run.results.filter((r) => r.deployment === label);
    if (rows.length === 0) throw new UsageError(`--deployment: no deployment "${label}" in ${source}; it has: ${labels.join(', ')}`);
    why = `--deployment ${label}`;
  } else if (run.tune?.recommended) {
    const recommended = run.tune.recommended;
    rows = run.results.filter((r) => r.deployment === recommended);
    if (rows.length === 0) throw new UsageError(`${source}: the tune recommendation "${recommended}" has no rows; pick one with --deployment (${labels.join(', ')})`);
    why = `bench tune recommended it: ${run.tune.reason}`;
  } else {
    rows = run.results.filter((r) => isExportable(r.server));
    if (rows.length === 0) {
      throw new UsageError(`${source} measured no deployment that can be exported (only ${EXPORTABLE_KINDS.join(', ')} can); it has: ${labels.join(', ')}`);
    }
    why = 'the highest throughput of the exportable deployments in the run' + (run.tune ? ` (bench tune recommended none: ${run.tune.reason})` : '');
  }
  const row = fastest(withinSlo(rows, run.tune));
  if (!isExportable(row.server)) {
    const who = label !== undefined ? '--deployment: ' : `${source}: the tune recommendation `;
    throw new UsageError(`${who}${row.deployment} is a ${row.server} deployment, which cannot be exported; only ${EXPORTABLE_KINDS.join(', ')} can`);
  }
  if (!row.serverArgs || row.serverArgs.length === 0) {
    throw new UsageError(`${source}: ${row.deployment} has no serverArgs (measured by an older bench); run it again to export it`);
  }
  return { row: row as ChosenRow['row'], why };
}

const fastest = (rows: ResultRow[]) => rows.reduce((best, r) => (r.throughputRps > best.throughputRps ? r : best));

/** In a tune run, the deployment's rows at the load where it did best within the SLO (the rest may have broken it). */
function withinSlo(rows: ResultRow[], tune: TuneSummary | undefined): ResultRow[] {
  const atLoad = tune?.ranked.find((c) => c.deployment === rows[0]?.deployment)?.atLoad;
  if (atLoad === undefined || atLoad === null) return rows;
  const atThatLoad = rows.filter((r) => (r.loop === 'open' ? r.offeredRps : r.concurrency) === atLoad);
  return atThatLoad.length > 0 ? atThatLoad : rows;
}
