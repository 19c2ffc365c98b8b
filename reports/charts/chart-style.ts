import type { LegendItem, PointStyle, Scale } from 'chart.js';
import type { RunResults } from '../../harness/results/types.js';
import { xKind, xTickValues, type ChartSeries, type XKind } from '../series.js';
import { chartScenario } from '../title.js';

/** The look the line charts share: axes, titles, legends and markers. */

export const KEY_COLOUR = '#555555';
export const P99_DASH = [8, 5];
export const PREDICTED_DASH = [6, 4];
/** Factor by which log axes extend past the data, so the extreme markers are not cut by the chart edge. */
const LOG_MARGIN = 1.2;

const X_TITLES: Record<XKind, string> = {
  concurrency: 'concurrency (concurrent connections, log scale)',
  workers: 'workers (server processes, log scale)',
  offered: 'offered load (requests/s, log scale)',
  'slow-clients': 'slow clients (each trickling its request, beside the normal clients)',
};

const X_NAMES: Record<XKind, string> = { concurrency: 'concurrency', workers: 'workers', offered: 'offered load', 'slow-clients': 'slow clients' };

export function chartTitle(run: RunResults, what: string) {
  return { display: true, text: `${what} by ${X_NAMES[xKind(run)]} (scenario: ${chartScenario(run)})`, font: { size: 18 } };
}

// An empty chart should say why it is empty rather than look like a rendering bug.
export function chartSubtitle(series: ChartSeries[], text: string) {
  return { display: true, text: series.length > 0 ? text : 'nothing measured', padding: { bottom: 8 } };
}

/**
 * An x axis labelled exactly at the measured values. A log axis (1, 2, 4 … 64) for load and pool
 * sizes: Chart.js's own log ticks follow decades, not the doubling steps a sweep uses, and would
 * leave measured points unlabelled. Slow clients start from none, which only a linear axis can show.
 */
export function xScale(run: RunResults, series: ChartSeries[]) {
  const values = xTickValues(run, series);
  const smallest = values[0];
  const largest = values[values.length - 1];
  const linear = xKind(run) === 'slow-clients';
  // Room for the extreme markers, and an axis at all when only one level was measured.
  const pad = smallest === undefined || largest === undefined ? 0 : Math.max(0.05 * (largest - smallest), 0.5);
  return {
    type: linear ? ('linear' as const) : ('logarithmic' as const),
    min: smallest === undefined ? undefined : linear ? smallest - pad : smallest / LOG_MARGIN,
    max: largest === undefined ? undefined : linear ? largest + pad : largest * LOG_MARGIN,
    title: { display: true, text: X_TITLES[xKind(run)] },
    afterBuildTicks: (scale: Scale) => {
      if (values.length > 0) scale.ticks = values.map((value) => ({ value }));
    },
    ticks: { autoSkip: false, callback: (value: number | string) => String(value) },
  };
}

/** A log y axis with 1-2-5 ticks, padded so the extreme markers clear the plot's edges. */
export function logYScale(title: string) {
  return {
    type: 'logarithmic' as const,
    title: { display: true, text: title },
    afterDataLimits: padLogLimits,
    afterBuildTicks: oneTwoFiveTicks,
    ticks: { autoSkip: false, callback: (value: number | string) => String(value) },
  };
}

function padLogLimits(scale: Scale): void {
  if (scale.min > 0) scale.min /= LOG_MARGIN;
  scale.max *= LOG_MARGIN;
  // Figures close together (a panel of one slow step at 3.1 s) may fall between two 1-2-5 ticks: reach down to the one below.
  const tick = oneTwoFiveAtMost(scale.max);
  if (scale.min > 0 && tick < scale.min) scale.min = tick;
}

/** The largest of 1, 2, 5, 10, 20 … that is at most `value`. */
function oneTwoFiveAtMost(value: number): number {
  const decade = 10 ** Math.floor(Math.log10(value));
  return ([5, 2, 1].find((mantissa) => mantissa * decade <= value) ?? 1) * decade;
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

/**
 * Flat lines at 20 req/s vanish into the bottom of a linear axis that must also reach 1280:
 * past this ratio between the largest and smallest value, a log axis shows both.
 */
const LOG_WORTHY_SPAN = 30;

/** Whether values span enough to need a log axis. Zeros (a point that served nothing) cannot sit on one. */
export function wantsLogScale(values: number[]): boolean {
  if (values.length === 0 || values.some((value) => value <= 0)) return false;
  return Math.max(...values) / Math.min(...values) > LOG_WORTHY_SPAN;
}

/**
 * Point-style legend: each series shows its own marker, keys show a line (solid or dashed).
 * boxHeight sets the marker size; Chart.js's default (the font size) makes circles look twice as big as squares.
 */
export const pointStyleLegend = { usePointStyle: true, boxHeight: 10, font: { size: 13 }, padding: 14 };

/**
 * Markers are see-through, so where two series coincide (two blocking servers both at 20 req/s)
 * the outline of the one underneath still shows through the one on top.
 */
const markerFill = (colour: string) => `${colour}66`;

export function seriesLegendItem(series: ChartSeries): LegendItem {
  return { text: series.label, strokeStyle: series.colour, fillStyle: markerFill(series.colour), lineWidth: 2, pointStyle: series.pointStyle };
}

// A legend swatch is a short line: the charts' longer dashes would show as a single dash.
const LEGEND_DASH = [4, 3];

/** A grey legend entry explaining a line style shared by every series (p99 dashed, predicted thin dashed). */
export function keyLine(text: string, { dashed = false, lineWidth = 2 } = {}): LegendItem {
  return { text, strokeStyle: KEY_COLOUR, fillStyle: KEY_COLOUR, lineWidth, lineDash: dashed ? LEGEND_DASH : [], pointStyle: 'line' };
}

/** A grey legend entry explaining a marker style, e.g. hollow for saturated points. */
export function keyMarker(text: string, pointStyle: PointStyle, fillStyle: string): LegendItem {
  return { text, strokeStyle: KEY_COLOUR, fillStyle, lineWidth: 2, pointStyle };
}

const SATURATED_FILL = '#ffffff';
const GENERATOR_LIMITED_FILL = '#8a8a8a';

/** Marker fills: see-through normally, white (hollow) where the server was saturated, grey where the generator was the limit. */
export function markerFills(series: ChartSeries): string[] {
  return series.points.map((point) =>
    point.generatorLimited ? GENERATOR_LIMITED_FILL : point.saturated ? SATURATED_FILL : markerFill(series.colour),
  );
}

/** Legend keys and subtitle notes for the marker fills the series use: which limit each point hit. */
export function limitMarkers(series: ChartSeries[]): { keys: LegendItem[]; notes: string[] } {
  const points = series.flatMap((s) => s.points);
  const saturated = points.some((point) => point.saturated && !point.generatorLimited);
  const generator = points.some((point) => point.generatorLimited);
  return {
    keys: [
      ...(saturated ? [keyMarker('server saturated', 'circle', SATURATED_FILL)] : []),
      ...(generator ? [keyMarker('generator-limited', 'circle', GENERATOR_LIMITED_FILL)] : []),
    ],
    notes: [saturated ? 'hollow markers: server saturated' : '', generator ? 'grey markers: the load generator was the limit' : ''],
  };
}
