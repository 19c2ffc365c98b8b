import type { ChartConfiguration, ChartDataset, LegendItem } from 'chart.js';
import type { RunResults } from '../../harness/results/types.js';
import { verticalMarkers, type ErrorBar, type VerticalMarker } from './chart-plugins.js';
import { seriesLineChart, type XY } from './line-chart.js';
import { defineChart } from './chart-spec.js';
import { chartViews } from './chart-views.js';
import {
  keyLine,
  limitMarkers,
  logYScale,
  markerFills,
  P99_DASH,
  seriesLegendItem,
} from './chart-style.js';
import { formatRate } from '../../harness/formatting/numbers.js';
import { buildSeries, isOpenLoop, type ChartSeries, type SeriesPoint } from '../series.js';

type Percentile = 'p50Ms' | 'p99Ms';

function percentileLine(series: ChartSeries, percentile: Percentile): ChartDataset<'line', XY[]> {
  // Where no request succeeded there is no latency: no marker, rather than one at 0.
  const drawn = series.points.flatMap((point) => {
    const y = point[percentile];
    return y === null ? [] : [{ point, y }];
  });
  return {
    label: `${series.label} ${percentile === 'p50Ms' ? 'p50' : 'p99'}`,
    data: drawn.map(({ point, y }) => ({ x: point.x, y })),
    borderColor: series.colour,
    backgroundColor: series.colour,
    borderWidth: 2,
    ...(percentile === 'p99Ms' ? { borderDash: P99_DASH } : {}),
    pointStyle: series.pointStyle,
    pointRadius: 5,
    pointBorderWidth: 2,
    // Fills go by index, so they come from the same points as the data.
    pointBackgroundColor: markerFills({ ...series, points: drawn.map(({ point }) => point) }),
  };
}

function spreadBars(series: ChartSeries[]): ErrorBar[] {
  const bar = (s: ChartSeries, point: SeriesPoint, percentile: Percentile): ErrorBar[] => {
    const spread = point.spread?.[percentile];
    return spread && point[percentile] !== null ? [{ x: point.x, low: spread.min, high: spread.max, colour: s.colour }] : [];
  };
  return series.flatMap((s) => s.points.flatMap((point) => [...bar(s, point, 'p50Ms'), ...bar(s, point, 'p99Ms')]));
}

/**
 * Open loop: where each deployment's latency should turn up, the knee of the hockey stick. When
 * deployments share a capacity their lines coincide, so the labels name whose each one is.
 */
function capacityMarkers(series: ChartSeries[]): VerticalMarker[] {
  const bounded = series.flatMap((s) => (s.capacityRps === null ? [] : [{ ...s, capacityRps: s.capacityRps }]));
  const shared = (rps: number) => bounded.filter((s) => s.capacityRps === rps).length > 1;
  return bounded.map((s) => ({
    x: s.capacityRps,
    label: `capacity ${formatRate(s.capacityRps)} req/s${shared(s.capacityRps) ? ` (${s.label})` : ''}`,
    colour: s.colour,
  }));
}

function latencyChartConfig(run: RunResults, what: string, colours: string[] = []): ChartConfiguration<'line', XY[]> {
  const series = buildSeries(run, colours);
  const openLoop = isOpenLoop(run);
  const datasets = series.flatMap((s) => [percentileLine(s, 'p50Ms'), percentileLine(s, 'p99Ms')]);
  const bars = spreadBars(series);
  const markers = openLoop ? capacityMarkers(series) : [];
  const limits = limitMarkers(series);
  const anyMissing = series.some((s) => s.points.some((point) => point.p50Ms === null));
  // One entry per series plus a solid/dashed key, instead of two entries per series.
  const legendItems: LegendItem[] = [
    ...series.map(seriesLegendItem),
    keyLine('p50'),
    keyLine('p99', { dashed: true }),
    ...limits.keys,
  ];
  return seriesLineChart(run, series, {
    what,
    datasets,
    legendItems,
    notes: [
      'p50 solid, p99 dashed; lower is better',
      markers.length > 0 ? "vertical lines: each deployment's capacity (Little's law)" : '',
      anyMissing ? 'no marker where no request succeeded' : '',
    ],
    bars,
    limitNotes: limits.notes,
    y: logYScale('latency (ms, log scale)'),
    plugins: [verticalMarkers(markers)],
  });
}

export const latencyChart = defineChart(
  {
    name: 'latency chart',
    file: 'latency.png',
    caption: 'Latency: p50 (solid) and p99 (dashed); open-loop runs mark each deployment’s capacity; a panel per path, and one for the rows beside slow clients.',
  },
  (run) => chartViews(run).map((view) => latencyChartConfig(view.run, `Latency${view.heading}`, view.colours)),
);

/**
 * A `requests:` mix: the latency of its first request alone, which the row's own percentiles mix
 * with the others' (static-files lists /io first, to show it queued behind the files). The table
 * "Each request of the mix" has every request; the scenario puts the one to watch first.
 */
export function firstRequestLatencyConfig(run: RunResults): ChartConfiguration<'line', XY[]> | null {
  const first = run.results.find((row) => row.byRequest?.length)?.byRequest![0];
  if (!first) return null;
  const results = run.results.map((row) => {
    const own = row.byRequest?.[0];
    // Its own histogram is the repeats' merged one, so it has no spread across repeats.
    return own ? { ...row, samples: own.samples, latencyMs: own.latencyMs, repeats: 1 } : row;
  });
  return latencyChartConfig({ ...run, results }, `Latency of ${first.request} in the mix`);
}

export const firstRequestLatencyChart = defineChart(
  {
    name: 'first request latency chart',
    file: 'mix-latency.png',
    caption: "A requests: mix's first request alone: its p50 (solid) and p99 (dashed), apart from the rest of the mix.",
  },
  firstRequestLatencyConfig,
);
