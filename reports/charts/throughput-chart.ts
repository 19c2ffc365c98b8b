import type { ChartConfiguration, ChartDataset, LegendItem } from 'chart.js';
import type { RunResults } from '../../harness/results/types.js';
import type { ErrorBar } from './chart-plugins.js';
import { seriesLineChart, type XY } from './line-chart.js';
import { defineChart } from './chart-spec.js';
import { chartViews } from './chart-views.js';
import {
  KEY_COLOUR,
  keyLine,
  limitMarkers,
  logYScale,
  markerFills,
  PREDICTED_DASH,
  seriesLegendItem,
  wantsLogScale,
} from './chart-style.js';
import { buildSeries, isOpenLoop, type ChartSeries } from '../series.js';


function measured(series: ChartSeries): ChartDataset<'line', XY[]> {
  return {
    label: series.label,
    data: series.points.map((point) => ({ x: point.x, y: point.throughputRps })),
    borderColor: series.colour,
    backgroundColor: series.colour,
    borderWidth: 2,
    pointStyle: series.pointStyle,
    pointRadius: 6,
    pointBorderWidth: 2,
    pointBackgroundColor: markerFills(series),
  };
}

/** Little's law beside the measurement: same colour, thinner and dashed, no markers. */
function predicted(series: ChartSeries): ChartDataset<'line', XY[]> | null {
  const data = series.points.flatMap((point) => (point.predictedRps === null ? [] : [{ x: point.x, y: point.predictedRps }]));
  if (data.length === 0) return null;
  return {
    label: `${series.label} predicted`,
    data,
    borderColor: series.colour,
    backgroundColor: series.colour,
    borderWidth: 1.25,
    borderDash: PREDICTED_DASH,
    // A single point has no line to dash: a short bar at the prediction stands in for it.
    ...(data.length === 1 ? { pointStyle: 'line' as const, pointRadius: 14, pointBorderWidth: 2 } : { pointRadius: 0 }),
  };
}

/** Open loop: achieved = offered wherever the server keeps up, so y = x is the line to hold. */
function offeredDiagonal(xs: number[]): ChartDataset<'line', XY[]> {
  return {
    label: 'offered',
    data: xs.map((x) => ({ x, y: x })),
    borderColor: KEY_COLOUR,
    backgroundColor: KEY_COLOUR,
    borderWidth: 1,
    pointRadius: 0,
  };
}

function spreadBars(series: ChartSeries[]): ErrorBar[] {
  return series.flatMap((s) =>
    s.points.flatMap((point) =>
      point.spread ? [{ x: point.x, low: point.spread.throughputRps.min, high: point.spread.throughputRps.max, colour: s.colour }] : [],
    ),
  );
}

function throughputChartConfig(run: RunResults, what: string, colours: string[]): ChartConfiguration<'line', XY[]> {
  const series = buildSeries(run, colours);
  const openLoop = isOpenLoop(run);
  const predictions = series.map(predicted).filter((dataset) => dataset !== null);
  const offeredXs = [...new Set(series.flatMap((s) => s.points.map((point) => point.x)))].sort((a, b) => a - b);
  // Chart.js draws the first dataset on top: measurements over predictions over the diagonal.
  const datasets = [
    ...series.map(measured),
    ...predictions,
    ...(openLoop && offeredXs.length > 0 ? [offeredDiagonal(offeredXs)] : []),
  ];
  const bars = spreadBars(series);
  const limits = limitMarkers(series);
  // One entry per series plus keys for the line styles, instead of an entry per dataset.
  const legendItems: LegendItem[] = [
    ...series.map(seriesLegendItem),
    ...(predictions.length > 0 ? [keyLine("predicted (Little's law)", { dashed: true, lineWidth: 1.25 })] : []),
    ...(openLoop ? [keyLine('offered (y = x)', { lineWidth: 1 })] : []),
    ...limits.keys,
  ];
  const yName = openLoop ? 'achieved throughput' : 'throughput';
  const allY = datasets.flatMap((dataset) => dataset.data.map((point) => point.y));
  // Open loop: with offered load on a log axis, a log y axis keeps y = x the straight diagonal it should be.
  const logY = openLoop ? allY.length > 0 && allY.every((value) => value > 0) : wantsLogScale(allY);
  const y = logY
    ? logYScale(`${yName} (requests/s, log scale)`)
    : // grace keeps the highest markers off the top edge.
      { type: 'linear' as const, beginAtZero: true, grace: '5%', title: { display: true, text: `${yName} (requests/s)` } };
  return seriesLineChart(run, series, {
    what,
    datasets,
    legendItems,
    notes: [openLoop ? 'achieved against offered' : 'higher is better', predictions.length > 0 ? "dashed: Little's law" : ''],
    bars,
    limitNotes: limits.notes,
    y,
  });
}

export const throughputChart = defineChart(
  {
    name: 'throughput chart',
    file: 'throughput.png',
    caption: "Throughput, measured (solid, with markers) and predicted by Little's law (thin dashed); a panel per path, and one for the rows beside slow clients.",
  },
  (run) => chartViews(run).map((view) => throughputChartConfig(view.run, `Throughput${view.heading}`, view.colours)),
);
