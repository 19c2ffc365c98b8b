import { writeWhole } from '../../harness/files/disk.js';
import { join } from 'node:path';
import type { ChartSpec } from './chart-spec.js';
import { countChart } from './count-chart.js';
import { firstRequestLatencyChart, latencyChart } from './latency-chart.js';
import { memoryChart } from './memory-chart.js';
import { throughputChart } from './throughput-chart.js';
import { timelineChart } from './timeline-chart.js';
import { tuneChart } from '../tune/tune-chart.js';
import type { ReportWriter } from '../writer.js';

/** Every chart of a run, in the order documents show them. */
export const CHARTS: readonly ChartSpec[] = [tuneChart, throughputChart, latencyChart, firstRequestLatencyChart, memoryChart, timelineChart, countChart];

/** Writes one chart's PNG, or nothing when the chart does not apply to the run. */
export function chartWriter(chart: ChartSpec): ReportWriter {
  return {
    name: chart.name,
    files: [chart.file],
    async write(run, outDir) {
      const png = await chart.render(run);
      if (png === null) return [];
      const path = join(outDir, chart.file);
      await writeWhole(path, png);
      return [path];
    },
  };
}
