import type { ChartConfiguration, ChartDataset, LegendItem, Plugin } from 'chart.js';
import type { RunResults } from '../../harness/results/types.js';
import { errorBars, type ErrorBar } from './chart-plugins.js';
import { chartSubtitle, chartTitle, xScale, pointStyleLegend } from './chart-style.js';
import type { ChartSeries } from '../series.js';

export type XY = { x: number; y: number };
type LineChart = ChartConfiguration<'line', XY[]>;
type YScale = NonNullable<NonNullable<NonNullable<LineChart['options']>['scales']>['y']>;

export interface LineChartParts {
  /** "Throughput", "Latency": the title's first word. */
  what: string;
  datasets: ChartDataset<'line', XY[]>[];
  legendItems: LegendItem[];
  /** What this chart's lines mean; the notes on repeats and saturated points are added here. */
  notes: string[];
  bars: ErrorBar[];
  /** What the marker fills mean (limitMarkers). */
  limitNotes: string[];
  y: YScale;
  plugins?: Plugin<'line'>[];
}

/**
 * How many repeats the bars span: the run's setting, or in a `bench serve` session (repeat 1) the
 * times a setting was held ("2"), or a range where the points differ ("2–3").
 */
function repeatsOf(run: RunResults): string {
  const counts = [...new Set(run.results.filter((row) => row.repeats > 1).map((row) => row.repeats))].sort((a, b) => a - b);
  if (counts.length === 0) return String(run.settings.repeat);
  return counts.length === 1 ? String(counts[0]) : `${counts[0]}–${counts.at(-1)}`;
}

/** The frame the series charts share: title, a subtitle of notes, a legend of keys, the x axis, error bars. */
export function seriesLineChart(run: RunResults, series: ChartSeries[], parts: LineChartParts): LineChart {
  const notes = [
    ...parts.notes,
    parts.bars.length > 0 ? `bars: min–max of ${repeatsOf(run)} repeats` : '',
    ...parts.limitNotes,
  ];
  return {
    type: 'line',
    data: { datasets: parts.datasets },
    options: {
      plugins: {
        title: chartTitle(run, parts.what),
        subtitle: chartSubtitle(series, notes.filter(Boolean).join('; ')),
        legend: { labels: { ...pointStyleLegend, generateLabels: () => parts.legendItems } },
      },
      scales: { x: xScale(run, series), y: parts.y },
    },
    plugins: [errorBars(parts.bars), ...(parts.plugins ?? [])],
  };
}
