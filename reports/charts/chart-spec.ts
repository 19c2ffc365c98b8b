import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartType } from 'chart.js';
import type { RunResults } from '../../harness/results/types.js';
import { whiteBackground } from './chart-plugins.js';

Chart.register(...registerables);

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 700;
/** Each panel's height when a chart stacks several (one per path, per deployment): shorter, so the whole stays readable. */
export const PANEL_HEIGHT = 520;

/** One chart of a run: what file it goes to and how it reads, and how to draw it. */
export interface ChartSpec {
  name: string;
  file: string;
  /** One sentence saying what the chart shows, for captions and alt text. */
  caption: string;
  /** False when the run has nothing this chart could show (then no file is written). */
  applies(run: RunResults): boolean;
  /** The PNG, or null when the chart does not apply. */
  render(run: RunResults): Promise<Buffer | null>;
}

/**
 * Builds a ChartSpec from a function that configures Chart.js: one chart, several stacked in one
 * image (panels, each with axes that fit its own figures), or null when there is nothing to draw.
 */
export function defineChart<T extends ChartType, D>(
  meta: Pick<ChartSpec, 'name' | 'file' | 'caption'>,
  configure: (run: RunResults) => ChartConfiguration<T, D> | ChartConfiguration<T, D>[] | null,
): ChartSpec {
  const draw = async (run: RunResults) => {
    const config = configure(run);
    if (config === null) return null;
    return Array.isArray(config) ? (config.length === 0 ? null : renderPanels(config)) : renderPng(config);
  };
  return {
    ...meta,
    applies: (run) => {
      const config = configure(run);
      return config !== null && (!Array.isArray(config) || config.length > 0);
    },
    render(run) {
      const shared = sharedRenders.get(run);
      const png = shared?.get(meta.file) ?? draw(run);
      shared?.set(meta.file, png);
      return png;
    },
  };
}

/** Chart renders in progress or done, per run, while its reports are being written. */
const sharedRenders = new WeakMap<RunResults, Map<string, Promise<Buffer | null>>>();

/**
 * Runs work (all the report writers) with each chart rendered at most once: the HTML report embeds
 * the very PNGs the chart writers save instead of drawing them again. Outside it every render is
 * fresh, so a run that changes between two calls never gets stale charts.
 */
export async function sharingChartRenders<T>(run: RunResults, work: () => Promise<T>): Promise<T> {
  sharedRenders.set(run, new Map());
  try {
    return await work();
  } finally {
    sharedRenders.delete(run);
  }
}

/** Panels one above the other in one PNG: a single panel is drawn at the usual size. */
async function renderPanels<T extends ChartType, D>(configs: ChartConfiguration<T, D>[]): Promise<Buffer> {
  if (configs.length === 1) return renderPng(configs[0]!);
  const whole = createCanvas(CHART_WIDTH, PANEL_HEIGHT * configs.length);
  const context = whole.getContext('2d');
  for (const [index, config] of configs.entries()) {
    await drawChart(config, PANEL_HEIGHT, (panel) => context.drawImage(panel, 0, index * PANEL_HEIGHT));
  }
  return whole.encode('png');
}

async function renderPng<T extends ChartType, D>(config: ChartConfiguration<T, D>): Promise<Buffer> {
  return drawChart(config, CHART_HEIGHT, (canvas) => canvas.encode('png'));
}

/** Draws one chart on a canvas of its own and hands the canvas over before the chart is destroyed. */
async function drawChart<T extends ChartType, D, R>(config: ChartConfiguration<T, D>, height: number, use: (canvas: Canvas) => R | Promise<R>): Promise<R> {
  const canvas = createCanvas(CHART_WIDTH, height);
  // Chart.js is typed against the DOM canvas; the Skia context implements the same 2D API.
  const context = canvas.getContext('2d') as unknown as CanvasRenderingContext2D;
  // With animation off, the constructor draws the whole chart synchronously. (The cast: Chart.js's
  // typings cannot follow a generic chart type through an object spread.)
  const chart = new Chart(context, {
    ...config,
    options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [whiteBackground, ...(config.plugins ?? [])],
  } as ChartConfiguration<T, D>);
  try {
    return await use(canvas);
  } finally {
    chart.destroy();
  }
}
