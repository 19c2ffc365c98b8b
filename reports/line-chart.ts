import type { ChartConfiguration, ChartDataset, LegendItem, Plugin } from 'chart.js';
import type { RunResults } from '../harness/results.js';
import { errorBars, type ErrorBar } from './chart-plugins.js';
import { chartSubtitle, chartTitle, xScale, pointStyleLegend } from './chart-style.js';
import type { ChartSeries } from './series.js';

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

/** The frame the series charts share: title, a subtitle of notes, a legend of keys, the x axis, error bars. */
export function seriesLineChart(run: RunResults, series: ChartSeries[], parts: LineChartParts): LineChart {
  const notes = [
    ...parts.notes,
    parts.bars.length > 0 ? `bars: min–max of ${run.settings.repeat} repeats` : '',
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
