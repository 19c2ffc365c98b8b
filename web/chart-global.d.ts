import type { Chart as ChartClass } from 'chart.js';

declare global {
  /** Chart.js's UMD build, which index.html loads before the modules (bench serves it: no CDN). */
  const Chart: typeof ChartClass;
}
