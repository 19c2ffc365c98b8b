import { Chart, type ChartType, type Plugin } from 'chart.js';

/** Chart.js plugins for what Chart.js does not draw itself: a background, error bars, labelled vertical lines. */

// The canvas starts transparent, which most image viewers show as black or a checkerboard.
export const whiteBackground: Plugin<ChartType> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** A min–max range at one x, e.g. the spread of throughput across repetitions. */
export interface ErrorBar {
  x: number;
  low: number;
  high: number;
  colour: string;
}

const CAP_HALF_WIDTH = 5;

/**
 * Chart.js has no error bars. This draws each as a vertical stroke with caps, beneath the lines so
 * the markers stay readable, and widens the y axis to hold them, so a bar that reaches past every
 * median is not cut off.
 */
export function errorBars(bars: ErrorBar[]): Plugin<ChartType> {
  return {
    id: 'errorBars',
    afterDataLimits(_chart, { scale }) {
      if (scale.id !== 'y' || bars.length === 0) return;
      scale.max = Math.max(scale.max, ...bars.map((bar) => bar.high));
      const lows = bars.map((bar) => bar.low).filter((low) => scale.type !== 'logarithmic' || low > 0);
      scale.min = Math.min(scale.min, ...lows);
    },
    beforeDatasetsDraw(chart) {
      const { ctx } = chart;
      const x = chart.scales.x;
      const y = chart.scales.y;
      if (!x || !y) return;
      ctx.save();
      ctx.lineWidth = 1.5;
      for (const bar of bars) {
        const px = x.getPixelForValue(bar.x);
        const top = y.getPixelForValue(bar.high);
        const bottom = y.getPixelForValue(bar.low);
        ctx.strokeStyle = bar.colour;
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
        ctx.moveTo(px - CAP_HALF_WIDTH, top);
        ctx.lineTo(px + CAP_HALF_WIDTH, top);
        ctx.moveTo(px - CAP_HALF_WIDTH, bottom);
        ctx.lineTo(px + CAP_HALF_WIDTH, bottom);
        ctx.stroke();
      }
      ctx.restore();
    },
  };
}

/** A labelled vertical line at an x value: a capacity, or an event on a timeline. */
export interface VerticalMarker {
  x: number;
  label: string;
  colour: string;
}

const DASH = 6;
const GAP = 4;
const LABEL_LINE_HEIGHT = 16;
const LABEL_PADDING = 4;

/** The text, or as much of it as fits in `room` pixels followed by "…". */
function fitted(ctx: CanvasRenderingContext2D, text: string, room: number): string {
  if (ctx.measureText(text).width <= room) return text;
  let end = text.length;
  while (end > 0 && ctx.measureText(`${text.slice(0, end)}…`).width > room) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * Draws the markers as dashed vertical lines, each labelled at the top of the plot. Labels that
 * would overlap a neighbour's move down a line, so two deployments with the same capacity both
 * stay readable (their lines coincide; the labels, in their colours, say whose they are).
 */
export function verticalMarkers(markers: VerticalMarker[]): Plugin<ChartType> {
  return {
    id: 'verticalMarkers',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea } = chart;
      const x = chart.scales.x;
      if (!x) return;
      ctx.save();
      ctx.font = `12px ${Chart.defaults.font.family ?? 'sans-serif'}`;
      ctx.textBaseline = 'top';
      // The right edge of the last label drawn on each text line, to find the first line with room.
      const lineEnds: number[] = [];
      const visible = markers
        .map((marker) => ({ ...marker, px: x.getPixelForValue(marker.x) }))
        .filter(({ px }) => px >= chartArea.left && px <= chartArea.right)
        .sort((a, b) => a.px - b.px);
      for (const marker of visible) {
        // Coinciding lines take turns along one dash pattern, so every colour shows.
        const sharing = visible.filter((other) => Math.round(other.px) === Math.round(marker.px));
        const turn = sharing.indexOf(marker);
        ctx.strokeStyle = marker.colour;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([DASH, sharing.length * (DASH + GAP) - DASH]);
        ctx.lineDashOffset = -turn * (DASH + GAP);
        ctx.beginPath();
        ctx.moveTo(marker.px, chartArea.top);
        ctx.lineTo(marker.px, chartArea.bottom);
        ctx.stroke();

        // A label longer than the room on either side of its line is cut to the wider side, with
        // "…": the whole text is in the row's events and the report.
        const room = Math.max(chartArea.right - marker.px, marker.px - chartArea.left) - 2 - 2 * LABEL_PADDING;
        const label = fitted(ctx, marker.label, room);
        const width = ctx.measureText(label).width + 2 * LABEL_PADDING;
        // Labels sit right of their line unless that would run off the plot.
        const left = marker.px + width + 2 > chartArea.right ? marker.px - width - 2 : marker.px + 2;
        let line = lineEnds.findIndex((end) => end < left);
        if (line === -1) line = lineEnds.length;
        lineEnds[line] = left + width;
        const top = chartArea.top + 4 + line * LABEL_LINE_HEIGHT;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
        ctx.fillRect(left, top - 1, width, LABEL_LINE_HEIGHT - 2);
        ctx.fillStyle = marker.colour;
        ctx.fillText(label, left + LABEL_PADDING, top);
      }
      ctx.restore();
    },
  };
}
