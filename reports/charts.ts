import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import {
  Chart,
  registerables,
  type ChartConfiguration,
  type ChartDataset,
  type LegendItem,
  type Plugin,
  type Scale,
} from 'chart.js';
import type { RunResults, XAxis } from '../harness/results.js';
import { buildSeries, xTickValues, type ChartSeries, type SeriesPoint } from './series.js';
import type { ReportWriter } from './writer.js';

Chart.register(...registerables);

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 700;

const P99_DASH = [8, 5];
const KEY_COLOUR = '#555555';
/** Factor by which log axes extend past the data, so the extreme markers are not cut by the chart edge. */
const LOG_MARGIN = 1.2;

// The canvas starts transparent, which most image viewers show as black or a checkerboard.
const whiteBackground: Plugin<'line'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

const X_AXIS_TITLES: Record<XAxis, string> = {
  concurrency: 'concurrency (concurrent connections, log scale)',
  workers: 'workers (server processes, log scale)',
};

type XY = { x: number; y: number };
type LineChartConfig = ChartConfiguration<'line', XY[]>;

function line(series: ChartSeries, label: string, y: (point: SeriesPoint) => number): ChartDataset<'line', XY[]> {
  return {
    label,
    data: series.points.map((point) => ({ x: point.x, y: y(point) })),
    borderColor: series.colour,
    backgroundColor: series.colour,
    borderWidth: 2,
    pointRadius: 3,
  };
}

/**
 * A log axis labelled exactly at the measured values (1, 2, 4 … 64): Chart.js's own log ticks
 * follow decades, not the doubling steps a sweep uses, and would leave measured points unlabelled.
 */
function logXScale(run: RunResults, series: ChartSeries[]) {
  const values = xTickValues(run, series);
  const smallest = values[0];
  const largest = values[values.length - 1];
  return {
    type: 'logarithmic' as const,
    min: smallest === undefined ? undefined : smallest / LOG_MARGIN,
    max: largest === undefined ? undefined : largest * LOG_MARGIN,
    title: { display: true, text: X_AXIS_TITLES[run.settings.xAxis] },
    afterBuildTicks: (scale: Scale) => {
      if (values.length > 0) scale.ticks = values.map((value) => ({ value }));
    },
    ticks: { autoSkip: false, callback: (value: number | string) => String(value) },
  };
}

function title(run: RunResults, what: string) {
  return { display: true, text: `${what} by ${run.settings.xAxis} (scenario: ${run.scenario})`, font: { size: 18 } };
}

// An empty chart should say why it is empty rather than look like a rendering bug.
function subtitle(series: ChartSeries[], text: string) {
  return { display: true, text: series.length > 0 ? text : 'nothing measured' };
}

// Line-style legend swatches read better than filled boxes for line charts.
const legendLabels = { usePointStyle: true, pointStyle: 'line' as const, pointStyleWidth: 40 };

function legendLine(text: string, colour: string): LegendItem {
  return { text, strokeStyle: colour, fillStyle: colour, lineWidth: 2, pointStyle: 'line' };
}

function padLogLimits(scale: Scale): void {
  if (scale.min > 0) scale.min /= LOG_MARGIN;
  scale.max *= LOG_MARGIN;
}

/**
 * Ticks at 1, 2 and 5 of each decade: Chart.js's own log ticks label some decades densely,
 * others not at all, and print "2,000.0".
 */
function oneTwoFiveTicks(scale: Scale): void {
  // A log scale's bounds are positive once it has data; anything else would never reach max.
  if (!(scale.min > 0 && Number.isFinite(scale.max))) return;
  const ticks: { value: number }[] = [];
  for (let decade = Math.floor(Math.log10(scale.min)); 10 ** decade <= scale.max; decade++) {
    for (const mantissa of [1, 2, 5]) {
      // toPrecision strips float noise such as 0.30000000000000004.
      const value = Number((mantissa * 10 ** decade).toPrecision(6));
      if (value >= scale.min && value <= scale.max) ticks.push({ value });
    }
  }
  scale.ticks = ticks;
}

function throughputChartConfig(run: RunResults): LineChartConfig {
  const series = buildSeries(run);
  return {
    type: 'line',
    data: { datasets: series.map((s) => line(s, s.label, (point) => point.throughputRps)) },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        title: title(run, 'Throughput'),
        subtitle: subtitle(series, 'higher is better'),
        legend: { labels: legendLabels },
      },
      scales: {
        x: logXScale(run, series),
        // grace keeps the highest markers off the top edge.
        y: { type: 'linear', beginAtZero: true, grace: '5%', title: { display: true, text: 'throughput (requests/s)' } },
      },
    },
    plugins: [whiteBackground],
  };
}

function latencyChartConfig(run: RunResults): LineChartConfig {
  const series = buildSeries(run);
  const datasets = series.flatMap((s) => [
    line(s, `${s.label} p50`, (point) => point.p50Ms),
    { ...line(s, `${s.label} p99`, (point) => point.p99Ms), borderDash: P99_DASH },
  ]);
  // One entry per series plus a solid/dashed key, instead of two entries per series.
  const legendItems: LegendItem[] = [
    ...series.map((s) => legendLine(s.label, s.colour)),
    legendLine('p50', KEY_COLOUR),
    { ...legendLine('p99', KEY_COLOUR), lineDash: P99_DASH },
  ];
  return {
    type: 'line',
    data: { datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        title: title(run, 'Latency'),
        subtitle: subtitle(series, 'p50 solid, p99 dashed; lower is better'),
        legend: { labels: { ...legendLabels, generateLabels: () => legendItems } },
      },
      scales: {
        x: logXScale(run, series),
        y: {
          type: 'logarithmic',
          title: { display: true, text: 'latency (ms, log scale)' },
          afterDataLimits: padLogLimits,
          afterBuildTicks: oneTwoFiveTicks,
          ticks: { autoSkip: false, callback: (value) => String(value) },
        },
      },
    },
    plugins: [whiteBackground],
  };
}

async function renderPng(config: LineChartConfig): Promise<Buffer> {
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  // Chart.js is typed against the DOM canvas; the Skia context implements the same 2D API.
  const context = canvas.getContext('2d') as unknown as CanvasRenderingContext2D;
  // With animation off, the constructor draws the whole chart synchronously.
  const chart = new Chart(context, config);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

function chartWriter(
  name: string,
  file: string,
  configure: (run: RunResults) => LineChartConfig,
): ReportWriter {
  return {
    name,
    files: [file],
    async write(run, outDir) {
      const path = join(outDir, file);
      await writeFile(path, await renderPng(configure(run)));
      return [path];
    },
  };
}

export const throughputChart = chartWriter('throughput chart', 'throughput.png', throughputChartConfig);
export const latencyChart = chartWriter('latency chart', 'latency.png', latencyChartConfig);
