import type { ResultRow, RunResults, XAxis } from '../harness/results.js';

/** One measured point of a series, in the units the charts plot. */
export interface SeriesPoint {
  x: number;
  throughputRps: number;
  p50Ms: number;
  p99Ms: number;
}

/** One line on a chart: everything measured for one deployment (and path) across the x axis. */
export interface ChartSeries {
  label: string;
  colour: string;
  /** Sorted by x. */
  points: SeriesPoint[];
}

/**
 * Distinguishable on white and for common colour-vision deficiencies; pale yellows and greys
 * are left out because thin lines in those colours vanish.
 */
export const PALETTE: readonly string[] = [
  '#1f77b4', // blue
  '#d62728', // red
  '#2ca02c', // green
  '#ff7f0e', // orange
  '#9467bd', // purple
  '#17becf', // cyan
  '#8c564b', // brown
  '#e377c2', // pink
  '#000000', // black
  '#bcbd22', // olive
];

export function distinctPaths(run: RunResults): string[] {
  return [...new Set(run.results.map((row) => row.path))];
}

/**
 * Groups rows into chart lines. Series keep the order in which the run measured them, so a
 * deployment gets the same palette colour on every chart of the run.
 */
export function buildSeries(run: RunResults): ChartSeries[] {
  const { xAxis } = run.settings;
  const showPath = distinctPaths(run).length > 1;
  // The label spells out every field that defines a series, so it doubles as the grouping key.
  const rowsByLabel = new Map<string, ResultRow[]>();
  for (const row of run.results) {
    const label = seriesLabel(row, xAxis, showPath);
    const rows = rowsByLabel.get(label) ?? [];
    rows.push(row);
    rowsByLabel.set(label, rows);
  }
  return [...rowsByLabel].map(([label, rows], index) => ({
    label,
    colour: PALETTE[index % PALETTE.length] ?? '#000000',
    points: rows.map((row) => toPoint(row, xAxis)).sort((a, b) => a.x - b.x),
  }));
}

/**
 * On a workers sweep the deployment label names the pool size, which is the x value itself,
 * so the line is identified by what stays fixed: server, proxy, path and load.
 */
function seriesLabel(row: ResultRow, xAxis: XAxis, showPath: boolean): string {
  const pathSuffix = showPath ? ` ${row.path}` : '';
  if (xAxis === 'workers') {
    const proxy = row.proxy === 'none' ? '' : `+${row.proxy}`;
    return `${row.server}${proxy} c=${row.concurrency}${pathSuffix}`;
  }
  return `${row.deployment}${pathSuffix}`;
}

function toPoint(row: ResultRow, xAxis: XAxis): SeriesPoint {
  return {
    x: xAxis === 'workers' ? row.workers : row.concurrency,
    throughputRps: row.throughputRps,
    p50Ms: row.latencyMs.p50,
    p99Ms: row.latencyMs.p99,
  };
}

/**
 * The x values to label. Before anything is measured, the planned concurrency levels still give
 * the empty chart a meaningful axis.
 */
export function xTickValues(run: RunResults, series: ChartSeries[]): number[] {
  const measured = series.flatMap((s) => s.points.map((point) => point.x));
  const planned = run.settings.xAxis === 'concurrency' ? run.settings.concurrency : [];
  const values = measured.length > 0 ? measured : planned;
  return [...new Set(values)].filter((value) => value > 0).sort((a, b) => a - b);
}
