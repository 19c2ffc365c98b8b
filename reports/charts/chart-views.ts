import type { ResultRow, RunResults } from '../../harness/results/types.js';
import { distinctPaths, seriesColours } from '../series.js';

/** A part of a run that gets a chart panel of its own, with axes that fit its own figures. */
export interface ChartView {
  run: RunResults;
  /** What sets the panel apart, for its title (" at /io?ms=50"); empty when the run is one view. */
  heading: string;
  /** The whole run's lines, in order: each keeps its colour from panel to panel. */
  colours: string[];
}

const hasSlowClients = (row: ResultRow) => (row.slowClients?.count ?? 0) > 0;
/** What a row measured apart from its slow clients: the same deployment, path and load. */
const setting = (row: ResultRow) => JSON.stringify([row.deployment, row.path, row.loop, row.concurrency, row.offeredRps ?? null]);

/**
 * The slow-client rows, with the rows of the same settings measured without slow clients as
 * their starting point at 0 (a session's "8 clients", then "8 clients, 2 slow"): the drop is the
 * lesson, and it needs the figure it dropped from.
 */
function slowClientRows(run: RunResults): ResultRow[] {
  const slow = run.results.filter(hasSlowClients);
  const settings = new Set(slow.map(setting));
  return run.results.filter((row) => hasSlowClients(row) || settings.has(setting(row)));
}

/**
 * The panels a by-load chart splits a run into. Rows measured beside slow clients go on a panel
 * whose x axis counts the slow clients (on a by-concurrency axis they would sit at their load and
 * be joined to the others by a vertical line), starting from the same setting without them at 0.
 * Each path gets its own panel, so that a /hello at thousands of requests a second does not
 * flatten an /io line at tens.
 */
export function chartViews(run: RunResults): ChartView[] {
  const colours = seriesColours(run);
  if (run.results.length === 0) return [{ run, heading: '', colours }];
  const apart = run.settings.xAxis !== 'slow-clients' && run.results.some(hasSlowClients);
  const plain = apart ? run.results.filter((row) => !hasSlowClients(row)) : run.results;
  // A session that ran clients and then a rate: clients on one axis, offered req/s on another.
  const loops = [...new Set(plain.map((row) => row.loop))];
  const groups: { rows: ResultRow[]; settings: (rows: ResultRow[]) => RunResults['settings'] }[] = [
    ...(loops.length > 1 ? loops.map((loop) => ({ rows: plain.filter((row) => row.loop === loop), settings: loopSettings(run) })) : [{ rows: plain, settings: () => run.settings }]),
    ...(apart ? [{ rows: slowClientRows(run), settings: (rows: ResultRow[]) => slowClientSettings(run, rows) }] : []),
  ].filter((group) => group.rows.length > 0);
  if (groups.length === 1 && distinctPaths(run).length === 1) return [{ run, heading: '', colours }];
  const byPath = distinctPaths(run).length > 1;
  return groups.flatMap(({ rows, settings: settingsOf }) => {
    const paths = [...new Set(rows.map((row) => row.path))];
    return (byPath ? paths : [undefined]).map((path) => {
      const results = path === undefined ? rows : rows.filter((row) => row.path === path);
      const settings = settingsOf(results);
      return {
        run: { ...run, results, settings: path === undefined ? settings : { ...settings, paths: [path] } },
        heading: path === undefined ? '' : ` at ${path}`,
        colours,
      };
    });
  });
}

/** The load levels of rows of one loop: clients closed loop, offered rates open loop (which makes a panel open-loop). */
const loopSettings =
  (run: RunResults) =>
  (rows: ResultRow[]): RunResults['settings'] => {
    const sorted = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
    return rows[0]!.loop === 'open'
      ? { ...run.settings, rates: sorted(rows.map((row) => row.offeredRps ?? 0)) }
      : { ...run.settings, rates: [], concurrency: sorted(rows.map((row) => row.concurrency)) };
  };

/** Slow clients on the x axis, counted as the rows measured them. */
function slowClientSettings(run: RunResults, rows: ResultRow[]): RunResults['settings'] {
  const counts = [...new Set(rows.map((row) => row.slowClients?.count ?? 0))].sort((a, b) => a - b);
  const sendBytesPerSecond = rows.find(hasSlowClients)!.slowClients!.sendBytesPerSecond;
  return { ...run.settings, xAxis: 'slow-clients', rates: [], slowClients: { counts, sendBytesPerSecond } };
}
