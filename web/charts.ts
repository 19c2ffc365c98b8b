import type { ChartConfiguration, Plugin } from 'chart.js';
import type { ChangeMarker, LiveTick } from '../harness/serve/protocol.js';
import { byId } from './dom.js';
import { durationLabel } from './format.js';
import { layoutMarkers, type MarkerBox } from './marker-layout.js';

/** The charts scroll over this many seconds of ticks. */
const SPAN_S = 60;

/** style.css's colours; busy is its --lit, the orange of a busy worker box. */
const COLOURS = {
  throughput: '#1d4ed8',
  ceiling: '#111827',
  errors: '#dc2626',
  p50: '#047857',
  p99: '#7c3aed',
  inFlight: '#1d4ed8',
  busy: '#ea580c',
  capacity: '#111827',
};

type Point = { x: number; y: number | null };

interface Series {
  label: string;
  colour: string;
  dashed?: boolean;
  /** Hidden in predict mode: a measured line, or the model's ceiling the room is asked to predict. */
  answer?: boolean;
  value(tick: LiveTick, capacity: number | null): number | null;
}

const CHARTS: { canvas: string; series: Series[]; yLabel?: (value: number) => string }[] = [
  {
    canvas: 'chart-throughput',
    series: [
      { label: 'served', answer: true, colour: COLOURS.throughput, value: (tick) => tick.rps },
      { label: 'ceiling', answer: true, colour: COLOURS.ceiling, dashed: true, value: (tick) => tick.predictedRps },
      { label: 'errors', answer: true, colour: COLOURS.errors, value: (tick) => tick.errorsPerS },
    ],
  },
  {
    canvas: 'chart-latency',
    yLabel: durationLabel,
    series: [
      { label: 'p50', answer: true, colour: COLOURS.p50, value: (tick) => tick.p50Ms },
      { label: 'p99', answer: true, colour: COLOURS.p99, value: (tick) => tick.p99Ms },
    ],
  },
  {
    canvas: 'chart-queue',
    series: [
      { label: 'L', answer: true, colour: COLOURS.inFlight, value: (tick) => tick.inFlight },
      { label: 'busy', answer: true, colour: COLOURS.busy, value: (tick) => tick.busy },
      { label: 'K', colour: COLOURS.capacity, dashed: true, value: (_tick, capacity) => capacity },
    ],
  },
];

export interface LiveCharts {
  /** capacity is the deployment's K from the state (null when unbounded). */
  addTick(tick: LiveTick, capacity: number | null): void;
  addMarker(marker: ChangeMarker): void;
  /** Predict mode: the measured lines and the ceiling hidden until the teacher reveals them. */
  setPredicting(predicting: boolean): void;
}

/** A marker as the legend names it: the deployment and the load running from then on. */
export function markerLabel(marker: ChangeMarker): string {
  if (marker.deployment === undefined) return marker.text;
  return `${marker.deployment ?? 'no deployment'} · ${marker.load ?? 'no load'}`;
}

interface Numbered extends ChangeMarker {
  n: number;
}

/** The legend lists the newest markers in the span: more would not fit under the charts. */
const LEGEND_MAX = 4;

/** The markers the legend names, and the charts number: the newest in the span. */
function named(markers: readonly Numbered[], x: { min: number; max: number }): Numbered[] {
  return markers.filter((m) => m.t >= x.min && m.t <= x.max).slice(-LEGEND_MAX);
}

export function createCharts(): LiveCharts {
  Chart.defaults.font.size = 16;
  Chart.defaults.color = '#1f2937';
  const markers: Numbered[] = [];
  let numbered = 0;
  const plugin = changeMarkers(markers);
  const charts = CHARTS.map(({ canvas, series, yLabel }) => ({
    series,
    chart: new Chart(byId<HTMLCanvasElement>(canvas), configuration(series, plugin, yLabel)),
  }));
  const legend = byId('marker-legend');
  let legendShows = '';
  const showLegend = (chart = charts[0]?.chart) => {
    const x = chart?.scales.x;
    const shown = x ? named(markers, x) : [];
    const key = shown.map((m) => m.n).join(',');
    if (key === legendShows) return;
    legendShows = key;
    legend.replaceChildren(
      ...shown.map((marker) => {
        const item = document.createElement('li');
        const n = document.createElement('b');
        n.textContent = String(marker.n);
        const at = document.createElement('span');
        at.className = 'at';
        at.textContent = clock(marker.t);
        item.append(n, at, markerLabel(marker));
        return item;
      }),
    );
  };

  return {
    addTick(tick, capacity) {
      const start = tick.t - SPAN_S;
      while ((markers[0]?.t ?? Infinity) < start) markers.shift();
      for (const { series, chart } of charts) {
        chart.data.datasets.forEach((dataset, i) => {
          dataset.data.push({ x: tick.t, y: series[i]?.value(tick, capacity) ?? null });
          // One point before the span stays, so the lines run in from the left edge.
          while ((dataset.data[1]?.x ?? Infinity) < start) dataset.data.shift();
        });
        const x = chart.options.scales?.x;
        if (x) {
          // Until a minute has passed the axis runs from the session's start, not from before it.
          x.min = Math.max(0, start);
          x.max = Math.max(tick.t, SPAN_S);
        }
        chart.update('none');
      }
      showLegend();
    },
    addMarker(marker) {
      markers.push({ ...marker, n: ++numbered });
      for (const { chart } of charts) chart.update('none');
      showLegend();
    },
    setPredicting(predicting) {
      for (const { series, chart } of charts) {
        chart.data.datasets.forEach((dataset, i) => {
          if (series[i]?.answer) dataset.hidden = predicting;
        });
        chart.update('none');
      }
    },
  };
}

function configuration(series: Series[], plugin: Plugin<'line'>, yLabel?: (value: number) => string): ChartConfiguration<'line', Point[]> {
  return {
    type: 'line',
    data: {
      datasets: series.map((s) => ({
        label: s.label,
        data: [],
        borderColor: s.colour,
        backgroundColor: s.colour,
        borderWidth: s.dashed ? 2 : 3,
        borderDash: s.dashed ? [8, 6] : [],
        pointRadius: 0,
        tension: 0,
        // Drawn last, so a ceiling the measured line has reached still shows over it.
        order: s.dashed ? -1 : 0,
      })),
    },
    options: {
      // Ticks come twice a second: an animation would still be running when the next one lands.
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      // Nobody hovers over a projected chart; without events the page does no hit-testing.
      events: [],
      scales: {
        x: {
          type: 'linear',
          min: 0,
          max: SPAN_S,
          // Gridlines every 10 s of serve time, so they scroll along with the lines.
          afterBuildTicks: (axis) => {
            axis.ticks = [];
            for (let t = Math.ceil(axis.min / 10) * 10; t <= axis.max; t += 10) axis.ticks.push({ value: t });
          },
          ticks: { maxRotation: 0, autoSkipPadding: 16, callback: (value) => clock(Number(value)) },
          grid: { color: '#e5e7eb' },
        },
        y: {
          beginAtZero: true,
          grace: '10%',
          grid: { color: '#e5e7eb' },
          ...(yLabel && { ticks: { callback: (value: number | string) => yLabel(Number(value)) } }),
        },
      },
      plugins: {
        legend: { position: 'top', align: 'start', labels: { boxWidth: 18, boxHeight: 3, padding: 8, font: { size: 16 } } },
        tooltip: { enabled: false },
      },
    },
    plugins: [plugin],
  };
}

/** Seconds since `bench serve` started, as m:ss. */
function clock(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

const MARKER_ROWS = 2;
const MARKER_ROW_PX = 22;
const MARKER_FONT = 'bold 16px system-ui, sans-serif';

/**
 * A vertical line at each change the instructor made; the newest (the ones the legend under the
 * charts names) carry their number in a badge, in a band kept free above the plot so a badge never
 * hides a line. Numbers, not names, on the chart: a name such as "gunicorn-sync ×4 · /io?ms=50,
 * 8 clients" is wider than the space between two changes. The badges' boxes go on the canvas's
 * data-marker-boxes, so a test can check they never overlap.
 */
function changeMarkers(markers: readonly Numbered[]): Plugin<'line'> {
  const band = MARKER_ROWS * MARKER_ROW_PX;
  return {
    id: 'changeMarkers',
    beforeInit(chart) {
      // The band is made by a taller legend box, which Chart.js lays out above the plot.
      const legend = chart.legend;
      if (!legend) return;
      const fit = legend.fit.bind(legend);
      legend.fit = () => {
        fit();
        legend.height += band;
      };
    },
    afterDatasetsDraw(chart) {
      const x = chart.scales.x;
      if (!x) return;
      const { top, bottom, left, right } = chart.chartArea;
      const { ctx } = chart;
      ctx.save();
      ctx.font = MARKER_FONT;
      ctx.textBaseline = 'top';
      const pixel = (t: number) => Math.round(x.getPixelForValue(t)) + 0.5;
      ctx.strokeStyle = '#111827';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      for (const marker of markers) {
        if (marker.t < x.min || marker.t > x.max) continue;
        ctx.beginPath();
        ctx.moveTo(pixel(marker.t), top);
        ctx.lineTo(pixel(marker.t), bottom);
        ctx.stroke();
      }
      const spots = named(markers, x).map((m) => ({ n: m.n, px: pixel(m.t), width: Math.ceil(ctx.measureText(String(m.n)).width) + 10 }));
      const boxes: (MarkerBox & { top: number; bottom: number })[] = layoutMarkers(spots, { left, right }, MARKER_ROWS).map((box) => ({
        ...box,
        top: top - band + box.row * MARKER_ROW_PX,
        bottom: top - band + (box.row + 1) * MARKER_ROW_PX - 2,
      }));
      for (const box of boxes) {
        // The line runs up into the band to its badge.
        const px = spots.find((spot) => spot.n === box.n)!.px;
        ctx.beginPath();
        ctx.moveTo(px, box.top);
        ctx.lineTo(px, top);
        ctx.stroke();
        ctx.fillStyle = '#111827';
        ctx.fillRect(box.left, box.top, box.right - box.left, box.bottom - box.top);
        ctx.fillStyle = '#fff';
        ctx.fillText(String(box.n), box.left + 5, box.top + 2);
      }
      ctx.restore();
      chart.canvas.dataset.markerBoxes = JSON.stringify(boxes);
    },
  };
}
