import type { ChartConfiguration, Plugin } from 'chart.js';
import type { ChangeMarker, LiveTick } from '../harness/serve/protocol.js';
import { byId } from './dom.js';

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
  value(tick: LiveTick, capacity: number | null): number | null;
}

const CHARTS: { canvas: string; series: Series[] }[] = [
  {
    canvas: 'chart-throughput',
    series: [
      { label: 'served', colour: COLOURS.throughput, value: (tick) => tick.rps },
      { label: 'ceiling', colour: COLOURS.ceiling, dashed: true, value: (tick) => tick.predictedRps },
      { label: 'errors', colour: COLOURS.errors, value: (tick) => tick.errorsPerS },
    ],
  },
  {
    canvas: 'chart-latency',
    series: [
      { label: 'p50', colour: COLOURS.p50, value: (tick) => tick.p50Ms },
      { label: 'p99', colour: COLOURS.p99, value: (tick) => tick.p99Ms },
    ],
  },
  {
    canvas: 'chart-queue',
    series: [
      { label: 'L in flight', colour: COLOURS.inFlight, value: (tick) => tick.inFlight },
      { label: 'busy', colour: COLOURS.busy, value: (tick) => tick.busy },
      { label: 'capacity K', colour: COLOURS.capacity, dashed: true, value: (_tick, capacity) => capacity },
    ],
  },
];

export interface LiveCharts {
  /** capacity is the deployment's K from the state (null when unbounded). */
  addTick(tick: LiveTick, capacity: number | null): void;
  addMarker(marker: ChangeMarker): void;
}

export function createCharts(): LiveCharts {
  Chart.defaults.font.size = 14;
  Chart.defaults.color = '#1f2937';
  const markers: ChangeMarker[] = [];
  const plugin = changeMarkers(markers);
  const charts = CHARTS.map(({ canvas, series }) => ({
    series,
    chart: new Chart(byId<HTMLCanvasElement>(canvas), configuration(series, plugin)),
  }));

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
    },
    addMarker(marker) {
      markers.push(marker);
      for (const { chart } of charts) chart.update('none');
    },
  };
}

function configuration(series: Series[], plugin: Plugin<'line'>): ChartConfiguration<'line', Point[]> {
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
          ticks: { maxRotation: 0, callback: (value) => clock(Number(value)) },
          grid: { color: '#e5e7eb' },
        },
        y: { beginAtZero: true, grace: '10%', grid: { color: '#e5e7eb' } },
      },
      plugins: {
        legend: { position: 'top', align: 'start', labels: { boxWidth: 18, boxHeight: 3, padding: 8, font: { size: 13 } } },
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

/** Labels longer than this are cut: a marker's text has to fit between two markers. */
const MARKER_TEXT_MAX = 22;
const MARKER_ROWS = 3;
const MARKER_ROW_PX = 18;

/**
 * A vertical line at each change the instructor made (a new deployment, more clients), with its
 * text at the top. The newest changes are labelled first, each in the first row where it overlaps
 * no other label; a change too close to newer ones keeps its line and loses its label.
 */
function changeMarkers(markers: readonly ChangeMarker[]): Plugin<'line'> {
  return {
    id: 'changeMarkers',
    afterDatasetsDraw(chart) {
      const x = chart.scales.x;
      if (!x) return;
      const { top, bottom, left: edge, right } = chart.chartArea;
      const { ctx } = chart;
      const rows: [number, number][][] = Array.from({ length: MARKER_ROWS }, () => []);
      ctx.save();
      ctx.font = 'bold 13px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      for (const marker of [...markers].reverse()) {
        if (marker.t < x.min || marker.t > x.max) continue;
        const px = Math.round(x.getPixelForValue(marker.t)) + 0.5;
        ctx.strokeStyle = '#111827';
        ctx.lineWidth = 1.5;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
        ctx.stroke();
        const text = marker.text.length > MARKER_TEXT_MAX ? `${marker.text.slice(0, MARKER_TEXT_MAX - 1)}…` : marker.text;
        const width = ctx.measureText(text).width + 8;
        // Past the right edge the label goes on the line's left, and never past the left edge.
        const left = px + 3 + width > right ? Math.max(edge, px - 3 - width) : px + 3;
        const row = rows.findIndex((taken) => taken.every(([l, r]) => left + width + 4 < l || left > r + 4));
        if (row === -1) continue;
        rows[row]?.push([left, left + width]);
        const y = top + 2 + row * MARKER_ROW_PX;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
        ctx.fillRect(left, y, width, MARKER_ROW_PX - 1);
        ctx.fillStyle = '#111827';
        ctx.fillText(text, left + 4, y + 2);
      }
      ctx.restore();
    },
  };
}
