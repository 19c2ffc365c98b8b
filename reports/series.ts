import type { PointStyle } from 'chart.js';
import type { ResultRow, RunResults, Spread } from '../harness/results/types.js';
import { capacityRps } from './capacity.js';
import { latencies } from '../harness/formatting/numbers.js';

/** What the charts' x axis measures: the load level, the pool size, the offered rate (open loop), or the slow clients beside the load. */
export type XKind = 'concurrency' | 'workers' | 'offered' | 'slow-clients';

/** One measured point of a series, in the units the charts plot. */
export interface SeriesPoint {
  x: number;
  throughputRps: number;
  /** Little's law; null when the path has no known service time. */
  predictedRps: number | null;
  /** Null where no request succeeded: such a point has no latency to draw. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** min–max across repetitions; only when the point was repeated. */
  spread?: { throughputRps: Spread; p50Ms: Spread; p99Ms: Spread };
  /** Open loop: the deployment fell behind the offered load. */
  saturated: boolean;
  /** The load generator, not the server, was the limit at this point. */
  generatorLimited: boolean;
}

/** One line on a chart: everything measured for one deployment (and path) across the x axis. */
export interface ChartSeries {
  label: string;
  colour: string;
  /** Lines that coincide (two blocking servers both at 20 req/s) stay apart by their markers. */
  pointStyle: PointStyle;
  /** Deployment labels whose rows make up the series (several on a workers sweep). */
  deployments: string[];
  /** The deployment's capacity in req/s (K / d) when every point agrees on it; null otherwise. */
  capacityRps: number | null;
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

/** Marker shapes, in an order where neighbours differ most; 'line' and 'dash' are left out as they read as lines. */
export const POINT_STYLES: readonly PointStyle[] = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot', 'rectRounded', 'cross'];

export function isOpenLoop(run: RunResults): boolean {
  return run.settings.rates.length > 0;
}

export function xKind(run: RunResults): XKind {
  return isOpenLoop(run) ? 'offered' : run.settings.xAxis;
}

export function distinctPaths(run: RunResults): string[] {
  return [...new Set(run.results.map((row) => row.path))];
}

/**
 * Groups rows into chart lines. Series keep the order in which the run measured them, so a
 * deployment gets the same colour and marker on every chart of the run; a panel of part of a run
 * passes the whole run's `seriesColours` for the same.
 */
export function buildSeries(run: RunResults, colours: readonly string[] = []): ChartSeries[] {
  const kind = xKind(run);
  const showPath = distinctPaths(run).length > 1;
  // The label spells out every field that defines a series, so it doubles as the grouping key.
  const rowsByLabel = new Map<string, ResultRow[]>();
  for (const row of run.results) {
    const label = seriesLabel(row, kind, showPath);
    const rows = rowsByLabel.get(label) ?? [];
    rows.push(row);
    rowsByLabel.set(label, rows);
  }
  return [...rowsByLabel].map(([label, rows], position) => {
    const index = colours.includes(label) ? colours.indexOf(label) : position;
    return {
      label,
      colour: PALETTE[index % PALETTE.length] ?? '#000000',
      pointStyle: POINT_STYLES[index % POINT_STYLES.length] ?? 'circle',
      deployments: [...new Set(rows.map((row) => row.deployment))],
      capacityRps: sharedCapacityRps(rows),
      points: rows.map((row) => toPoint(row, kind)).sort((a, b) => a.x - b.x),
    };
  });
}

/** The lines of a run's panels in the order the whole run measured them: a line keeps its colour and marker on every panel. */
export function seriesColours(run: RunResults): string[] {
  return [...new Set(run.results.map((row) => seriesLabel(row, xKind(run), false)))];
}

/**
 * On a workers sweep the deployment label names the pool size, which is the x value itself,
 * so the line is identified by what stays fixed: server, proxy, path and load.
 */
function seriesLabel(row: ResultRow, kind: XKind, showPath: boolean): string {
  const pathSuffix = showPath ? ` ${row.path}` : '';
  if (kind === 'workers') {
    const proxy = row.proxy === 'none' ? '' : `+${row.proxy}`;
    return `${row.server}${proxy} c=${row.concurrency}${pathSuffix}`;
  }
  return `${row.deployment}${pathSuffix}`;
}

function xValue(row: ResultRow, kind: XKind): number {
  switch (kind) {
    case 'workers':
      return row.workers;
    case 'offered':
      return row.offeredRps ?? 0;
    case 'concurrency':
      return row.concurrency;
    case 'slow-clients':
      return row.slowClients?.count ?? 0;
  }
}

function toPoint(row: ResultRow, kind: XKind): SeriesPoint {
  return {
    x: xValue(row, kind),
    throughputRps: row.throughputRps,
    predictedRps: row.predictedThroughputRps,
    p50Ms: latencies(row)?.p50 ?? null,
    p99Ms: latencies(row)?.p99 ?? null,
    ...(row.repeats > 1 && row.spread ? { spread: row.spread } : {}),
    saturated: row.loop === 'open' && row.saturated === true,
    generatorLimited: row.generator.saturated,
  };
}

function sharedCapacityRps(rows: ResultRow[]): number | null {
  const capacities = new Set(rows.map((row) => capacityRps(row.model)));
  const [only] = capacities;
  return capacities.size === 1 && only !== undefined ? only : null;
}

/**
 * The x values to label. Before anything is measured, the planned load levels still give
 * the empty chart a meaningful axis.
 */
export function xTickValues(run: RunResults, series: ChartSeries[]): number[] {
  const measured = series.flatMap((s) => s.points.map((point) => point.x));
  const kind = xKind(run);
  const planned = { concurrency: run.settings.concurrency, offered: run.settings.rates, workers: [], 'slow-clients': run.settings.slowClients?.counts ?? [] }[kind];
  const values = measured.length > 0 ? measured : planned;
  // No slow clients is a level of its own; anywhere else 0 is a point that cannot sit on the log axis.
  return [...new Set(values)].filter((value) => value > 0 || (kind === 'slow-clients' && value === 0)).sort((a, b) => a - b);
}
