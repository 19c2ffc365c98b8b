import type { ChartConfiguration, ChartDataset, LegendItem } from 'chart.js';
import type { ResultRow, RunResults } from '../../harness/results/types.js';
import { verticalMarkers, type VerticalMarker } from './chart-plugins.js';
import { defineChart } from './chart-spec.js';
import { KEY_COLOUR, keyMarker, pointStyleLegend } from './chart-style.js';
import { describeLoad } from '../../harness/formatting/numbers.js';
import { distinctPaths, PALETTE, POINT_STYLES } from '../series.js';

import type { XY } from './line-chart.js';
import { chartScenario } from '../title.js';

/**
 * The deployments whose timelines are drawn, a panel each: every one with per-second figures, in
 * the order measured, the one the run names (`timeline:`, --timeline) first.
 */
export function timelineDeployments(run: RunResults): string[] {
  const measured = [...new Set(run.results.filter(hasTimeline).map((row) => row.deployment))];
  const named = run.settings.timelineDeployment;
  return named && measured.includes(named) ? [named, ...measured.filter((d) => d !== named)] : measured;
}

/** The points of one deployment that carry a per-second timeline. */
export function timelineRows(run: RunResults, deployment: string): ResultRow[] {
  return run.results.filter((row) => row.deployment === deployment && hasTimeline(row));
}

/**
 * A point where nothing came back at all (slow clients holding every worker) has no seconds in
 * its timeline, because the generator opens a second's bucket at its first answer or failure; wrk
 * keeps no timeline, so its points have none either way.
 */
const silent = (row: ResultRow) => row.generator.engine !== 'wrk' && row.samples === 0 && row.errors === 0 && row.non2xx === 0 && row.durationS > 0;
const hasTimeline = (row: ResultRow) => row.timeline.length > 0 || silent(row);

/** A last bucket shorter than this is a few answers scaled up to a rate, too noisy to stand alone. */
const SHORTEST_BUCKET_S = 0.5;

/** One point of a timeline line: the middle of the span it covers, and its rates over that span. */
export interface TimelinePoint {
  x: number;
  rps: number;
  /** Errors and non-2xx answers a second. */
  failed: number;
}

/**
 * A row's seconds as the chart draws them. Each sits at the middle of the span it covers (the
 * window rarely ends on a whole second: a `bench serve` step is as long as it was held). Seconds
 * after the last answer or failure, which the generator keeps no bucket for, are zeros up to the
 * window's end. A last bucket under half a second joins the one before it: its few answers, scaled
 * to a rate, would otherwise draw a spike (or a drop) that nothing served.
 */
export function timelinePoints(row: ResultRow): TimelinePoint[] {
  const windowS = row.durationS;
  const seconds = [...row.timeline];
  if (row.generator.engine !== 'wrk') {
    for (let t = seconds.length; t < Math.ceil(windowS - 1e-6); t++) seconds.push({ t, rps: 0, p50Ms: 0, p99Ms: 0, errors: 0, non2xx: 0 });
  }
  const spans: Span[] = seconds.map((second) => ({ from: second.t, spanS: Math.max(0, Math.min(1, windowS - second.t)), rps: second.rps, failed: second.errors + second.non2xx }));
  if (windowS > 0 && spans.length > 1 && spans.at(-1)!.spanS < SHORTEST_BUCKET_S) {
    const last = spans.pop()!;
    const before = spans.pop()!;
    const spanS = before.spanS + last.spanS;
    const mean = (of: (span: Span) => number) => (of(before) * before.spanS + of(last) * last.spanS) / spanS;
    spans.push({ from: before.from, spanS, rps: mean((span) => span.rps), failed: mean((span) => span.failed) });
  }
  // A row with no window length recorded still draws its seconds at their middles.
  return spans.map(({ from, spanS, rps, failed }) => ({ x: from + (windowS > 0 ? spanS : 1) / 2, rps: round1(rps), failed: round1(failed) }));
}

/** A bucket of a row's timeline and the part of a second it covers. */
type Span = { from: number; spanS: number; rps: number; failed: number };

const round1 = (x: number) => Math.round(x * 10) / 10;

interface Level {
  row: ResultRow;
  label: string;
  colour: string;
}

function throughputLine({ row, label, colour }: Level, index: number): ChartDataset<'line', XY[]> {
  return {
    type: 'line',
    label,
    data: timelinePoints(row).map((point) => ({ x: point.x, y: point.rps })),
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 2,
    pointStyle: POINT_STYLES[index % POINT_STYLES.length] ?? 'circle',
    pointRadius: 4,
    yAxisID: 'y',
  };
}

function errorBarsOf({ row, label, colour }: Level): ChartDataset<'bar', XY[]> {
  return {
    type: 'bar',
    label: `${label} errors`,
    data: timelinePoints(row).map((point) => ({ x: point.x, y: point.failed })),
    backgroundColor: `${colour}88`,
    yAxisID: 'errors',
    // One bar per second, split by load level: side-by-side bars would sit off the second they count.
    stack: 'errors',
    maxBarThickness: 28,
  };
}

function eventMarkers(levels: Level[]): VerticalMarker[] {
  return levels.flatMap(({ row, label, colour }) =>
    (row.events ?? []).map((event) => ({
      x: event.t,
      // With one line there is no doubt which load level the event belongs to.
      label: levels.length > 1 ? `${event.what} (${label})` : event.what,
      colour,
    })),
  );
}

/** A deployment's rows, a panel per path when it served several: /hello's thousands a second would flatten /io's tens. */
function timelinePanels(run: RunResults): { title: string; rows: ResultRow[] }[] {
  const showPath = distinctPaths(run).length > 1;
  return timelineDeployments(run).flatMap((deployment) => {
    const rows = timelineRows(run, deployment);
    const paths = [...new Set(rows.map((row) => row.path))];
    if (paths.length === 1) return [{ title: showPath ? `${deployment} at ${paths[0]}` : deployment, rows }];
    return paths.map((path) => ({ title: `${deployment} at ${path}`, rows: rows.filter((row) => row.path === path) }));
  });
}

function timelineChartConfig(run: RunResults, { title, rows }: { title: string; rows: ResultRow[] }): ChartConfiguration<'line' | 'bar', XY[]> {
  const levels: Level[] = rows.map((row, index) => ({
    row,
    label: describeLoad(row),
    colour: PALETTE[index % PALETTE.length] ?? '#000000',
  }));
  // The axis ends where the longest window did, not at the next whole second.
  const seconds = Math.max(...rows.map((row) => (row.durationS > 0 ? row.durationS : row.timeline.length)));
  const markers = eventMarkers(levels);
  const legendItems: LegendItem[] = [
    ...levels.map(({ label, colour }, index) => ({
      text: label,
      strokeStyle: colour,
      fillStyle: colour,
      lineWidth: 2,
      pointStyle: POINT_STYLES[index % POINT_STYLES.length] ?? 'circle',
    })),
    keyMarker('errors + non-2xx (right axis)', 'rect', `${KEY_COLOUR}88`),
  ];
  return {
    type: 'line',
    data: { datasets: [...levels.map(throughputLine), ...levels.map(errorBarsOf)] },
    options: {
      plugins: {
        title: { display: true, text: `Throughput second by second: ${title} (scenario: ${chartScenario(run)})`, font: { size: 18 } },
        subtitle: {
          display: true,
          text: `one line per load level; bars: failed requests per second${markers.length > 0 ? '; dashed lines: events' : ''}`,
          padding: { bottom: 8 },
        },
        legend: { labels: { ...pointStyleLegend, generateLabels: () => legendItems } },
      },
      scales: {
        x: {
          type: 'linear',
          min: 0,
          max: seconds,
          offset: false,
          title: { display: true, text: 'time into the measured window (s)' },
          // Whole seconds (a window of 4.1 s would add a crowded "4.10"), except in a window too short to hold two (--quick).
          ticks: seconds >= 2 ? { stepSize: 1, includeBounds: false } : {},
        },
        y: { beginAtZero: true, grace: '5%', title: { display: true, text: 'throughput (requests/s)' } },
        errors: {
          position: 'right',
          beginAtZero: true,
          // A run without errors would otherwise get an axis from 0 to 1 in tenths.
          suggestedMax: 10,
          stacked: true,
          title: { display: true, text: 'errors + non-2xx per second' },
          grid: { drawOnChartArea: false },
          ticks: { precision: 0 },
        },
      },
    },
    plugins: [verticalMarkers(markers)],
  };
}

export const timelineChart = defineChart(
  {
    name: 'timeline chart',
    file: 'timeline.png',
    caption: 'Throughput second by second, a panel per deployment (and per path), with failed requests and events such as a killed worker.',
  },
  (run) => timelinePanels(run).map((panel) => timelineChartConfig(run, panel)),
);
