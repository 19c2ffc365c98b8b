import type { ChartConfiguration, ChartDataset, LegendItem } from 'chart.js';
import type { ResultRow, RunResults } from '../harness/results.js';
import { verticalMarkers, type VerticalMarker } from './chart-plugins.js';
import { defineChart } from './chart-spec.js';
import { KEY_COLOUR, keyMarker, pointStyleLegend } from './chart-style.js';
import { describeLoad } from './format.js';
import { distinctPaths, PALETTE, POINT_STYLES } from './series.js';

import type { XY } from './line-chart.js';
import { chartScenario } from './title.js';

/**
 * The deployments whose timelines are drawn, a panel each: every one with per-second figures, in
 * the order measured, the one the run names (`timeline:`, --timeline) first.
 */
export function timelineDeployments(run: RunResults): string[] {
  const measured = [...new Set(run.results.filter((row) => row.timeline.length > 0).map((row) => row.deployment))];
  const named = run.settings.timelineDeployment;
  return named && measured.includes(named) ? [named, ...measured.filter((d) => d !== named)] : measured;
}

/** The points of one deployment that carry a per-second timeline. */
export function timelineRows(run: RunResults, deployment: string): ResultRow[] {
  return run.results.filter((row) => row.deployment === deployment && row.timeline.length > 0);
}

interface Level {
  row: ResultRow;
  label: string;
  colour: string;
}

// A second's figures describe the whole second, so they sit at its middle; events keep their exact time.
const midSecond = (t: number) => t + 0.5;

function throughputLine({ row, label, colour }: Level, index: number): ChartDataset<'line', XY[]> {
  return {
    type: 'line',
    label,
    data: row.timeline.map((second) => ({ x: midSecond(second.t), y: second.rps })),
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
    data: row.timeline.map((second) => ({ x: midSecond(second.t), y: second.errors + second.non2xx })),
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
  const seconds = Math.max(...rows.flatMap((row) => row.timeline.map((second) => second.t + 1)));
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
          ticks: { stepSize: 1 },
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
