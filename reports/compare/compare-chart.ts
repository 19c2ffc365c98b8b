import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type LegendItem, type Plugin, type Scale } from 'chart.js';
import type { Comparison, PointComparison } from '../../harness/compare/compare-runs.js';
import type { Spread } from '../../harness/results/types.js';
import { whiteBackground } from '../charts/chart-plugins.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../charts/chart-spec.js';
import { describeDeployment, describeLevel, formatChange, levelsNeedWords } from './compare-labels.js';

Chart.register(...registerables);


const BASE_COLOUR = '#a8a8a8';
const NEW_COLOUR = '#1f77b4';
const REGRESSED_COLOUR = '#d62728';
const INK_COLOUR = '#333333';
const MUTED_COLOUR = '#666666';
const SEPARATOR_COLOUR = '#bbbbbb';
// Past this many bar groups, every change label no longer fits: only regressions get one, turned upright.
const MAX_GROUPS_WITH_ALL_CHANGES = 24;
const GROUP_FONT = 'bold 12px sans-serif';
const GROUP_LINE_HEIGHT = 15;
/** Where deployment names start below the x axis line: under the tick labels. */
const GROUP_LABEL_OFFSET = 30;

/** How the chart names the two runs, e.g. their folders. */
export interface CompareChartTitles {
  scenario: string;
  base: string;
  next: string;
}

type BarChartConfig = ChartConfiguration<'bar', number[], string>;
type Context = CanvasRenderingContext2D;

/** Consecutive points of one deployment (and path): one name under the axis, separators around it. */
interface Group {
  name: string;
  first: number;
  last: number;
}

function groupsOf(points: PointComparison[]): Group[] {
  const severalPaths = new Set(points.map((point) => point.path)).size > 1;
  const groups: Group[] = [];
  points.forEach((point, i) => {
    const name = severalPaths ? `${describeDeployment(point)} ${point.path}` : describeDeployment(point);
    const current = groups[groups.length - 1];
    if (current?.name === name) current.last = i;
    else groups.push({ name, first: i, last: i });
  });
  return groups;
}


/** Splits a name into at most two lines that fit width, breaking at the space nearest the middle. */
function wrap(ctx: Context, text: string, width: number): string[] {
  if (ctx.measureText(text).width <= width || !text.includes(' ')) return [text];
  const spaces = [...text.matchAll(/ /g)].map((match) => match.index);
  const middle = text.length / 2;
  const split = spaces.reduce((best, at) => (Math.abs(at - middle) < Math.abs(best - middle) ? at : best));
  return [text.slice(0, split), text.slice(split + 1)];
}

function drawWhisker(ctx: Context, x: number, top: number, bottom: number): void {
  ctx.beginPath();
  ctx.moveTo(x, top);
  ctx.lineTo(x, bottom);
  ctx.moveTo(x - 4, top);
  ctx.lineTo(x + 4, top);
  ctx.moveTo(x - 4, bottom);
  ctx.lineTo(x + 4, bottom);
  ctx.stroke();
}

/**
 * Draws what Chart.js has no option for: min–max whiskers where a run was repeated (the spread
 * decides whether a change counts), each point's throughput change above its NEW bar, and the
 * deployment names under the load levels, with separators between deployments.
 */
function annotations(points: PointComparison[]): Plugin<'bar'> {
  const groups = groupsOf(points);
  const spreadsByDataset: (Spread | undefined)[][] = [
    points.map((point) => point.throughput.baseSpread),
    points.map((point) => point.throughput.newSpread),
  ];
  const dense = points.length > MAX_GROUPS_WITH_ALL_CHANGES;
  return {
    id: 'compareAnnotations',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea } = chart;
      const x = chart.scales['x'];
      const y = chart.scales['y'];
      if (x === undefined || y === undefined) return;
      ctx.save();

      ctx.strokeStyle = INK_COLOUR;
      ctx.lineWidth = 1.5;
      spreadsByDataset.forEach((spreads, datasetIndex) => {
        const bars = chart.getDatasetMeta(datasetIndex).data;
        spreads.forEach((spread, i) => {
          const bar = bars[i];
          if (spread !== undefined && bar !== undefined) drawWhisker(ctx, bar.x, y.getPixelForValue(spread.max), y.getPixelForValue(spread.min));
        });
      });

      const newBars = chart.getDatasetMeta(1).data;
      ctx.font = 'bold 12px sans-serif';
      points.forEach((point, i) => {
        const bar = newBars[i];
        if (bar === undefined || (dense && !point.regressed)) return;
        const top = y.getPixelForValue(Math.max(point.throughput.next, point.throughput.newSpread?.max ?? 0)) - 4;
        ctx.fillStyle = point.regressed ? REGRESSED_COLOUR : MUTED_COLOUR;
        ctx.save();
        ctx.translate(bar.x, top);
        if (dense) ctx.rotate(-Math.PI / 2);
        ctx.textAlign = dense ? 'left' : 'center';
        ctx.textBaseline = dense ? 'middle' : 'bottom';
        ctx.fillText(formatChange(point.throughput.changePct), 0, 0);
        ctx.restore();
      });

      const slot = x.width / points.length;
      ctx.font = GROUP_FONT;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillStyle = INK_COLOUR;
      ctx.strokeStyle = SEPARATOR_COLOUR;
      ctx.lineWidth = 1;
      for (const group of groups) {
        const left = x.left + group.first * slot;
        const right = x.left + (group.last + 1) * slot;
        wrap(ctx, group.name, right - left - 4).forEach((line, n) => {
          ctx.fillText(line, (left + right) / 2, chartArea.bottom + GROUP_LABEL_OFFSET + n * GROUP_LINE_HEIGHT);
        });
        if (group.first > 0) {
          ctx.beginPath();
          ctx.moveTo(left, chartArea.top);
          ctx.lineTo(left, chartArea.bottom + GROUP_LABEL_OFFSET + 2 * GROUP_LINE_HEIGHT);
          ctx.stroke();
        }
      }
      ctx.restore();
    },
  };
}

function legendBox(text: string, colour: string): LegendItem {
  return { text, fillStyle: colour, strokeStyle: colour, lineWidth: 0 };
}

function subtitleText(comparison: Comparison): string {
  const verdict = comparison.regressed
    ? `${comparison.regressions.length} of ${comparison.points.length} points regressed past ${comparison.thresholdPct}%`
    : `no regression past ${comparison.thresholdPct}%`;
  const whiskers = comparison.points.some((point) => point.throughput.baseSpread ?? point.throughput.newSpread) ? '; whiskers: min–max of repeats' : '';
  return `higher is better; labels: throughput change from BASE to NEW${whiskers}; ${verdict}`;
}

function xAxisTitle(points: PointComparison[]): string {
  const loops = new Set(points.map((point) => point.loop));
  if (points.some((point) => point.slowClients !== undefined)) return 'load (c = concurrent connections, slow = slow clients beside them), by deployment';
  if (loops.size > 1) return 'load (c = concurrent connections, rate = offered requests/s), by deployment';
  return loops.has('open') ? 'offered load (requests/s), by deployment' : 'concurrency (concurrent connections), by deployment';
}

function compareChartConfig(comparison: Comparison, titles: CompareChartTitles): BarChartConfig {
  const { points } = comparison;
  const inWords = levelsNeedWords(points);
  const legendItems = [
    legendBox(`BASE: ${titles.base}`, BASE_COLOUR),
    legendBox(`NEW: ${titles.next}`, NEW_COLOUR),
    ...(comparison.regressed ? [legendBox('NEW, regressed (throughput or p99)', REGRESSED_COLOUR)] : []),
  ];
  return {
    type: 'bar',
    data: {
      // The deployment names go under these ticks (see annotations), so a tick shows the level alone.
      labels: points.map((point) => (inWords ? describeLevel(point) : String(point.level))),
      datasets: [
        { label: 'BASE', data: points.map((point) => point.throughput.base), backgroundColor: BASE_COLOUR },
        {
          label: 'NEW',
          data: points.map((point) => point.throughput.next),
          backgroundColor: points.map((point) => (point.regressed ? REGRESSED_COLOUR : NEW_COLOUR)),
        },
      ],
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: {
        title: { display: true, text: `Throughput, BASE vs NEW (scenario: ${titles.scenario})`, font: { size: 18 } },
        subtitle: { display: true, text: subtitleText(comparison), padding: { bottom: 8 } },
        legend: { labels: { generateLabels: () => legendItems } },
      },
      scales: {
        x: {
          title: { display: true, text: xAxisTitle(points) },
          grid: { display: false },
          ticks: { autoSkip: false, maxRotation: 0 },
          // Room between the tick labels and the axis title for two lines of deployment names.
          afterFit: (scale: Scale) => {
            scale.height += 2 * GROUP_LINE_HEIGHT + 6;
          },
        },
        // grace leaves room above the tallest bar for its change label.
        y: { beginAtZero: true, grace: '10%', title: { display: true, text: 'throughput (requests/s)' } },
      },
    },
    plugins: [whiteBackground as Plugin<'bar'>, annotations(points)],
  };
}

/** A grouped bar chart of both runs' throughput at every point they share, as PNG bytes. */
export async function renderCompareChart(comparison: Comparison, titles: CompareChartTitles): Promise<Buffer> {
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  // Chart.js is typed against the DOM canvas; the Skia context implements the same 2D API.
  const context = canvas.getContext('2d') as unknown as CanvasRenderingContext2D;
  // With animation off, the constructor draws the whole chart synchronously.
  const chart = new Chart(context, compareChartConfig(comparison, titles));
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
