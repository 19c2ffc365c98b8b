import { Chart, type ChartConfiguration, type ChartType, type Plugin } from 'chart.js';
import type { RunResults } from '../harness/results.js';
import { defineChart } from './chart-spec.js';
import { chartSubtitle, KEY_COLOUR } from './chart-style.js';
import { buildSeries, type ChartSeries } from './series.js';

/** What one deployment cost at its heaviest point. */
export interface DeploymentFootprint {
  deployment: string;
  colour: string;
  /** The largest resident memory of its process tree over the run's points. */
  peakRssMb: number;
  /** Processes in the tree at that point: pre-fork pays per worker, threads and async do not. */
  processes: number;
  /** The busiest CPU over its points. */
  cpuPercent: number;
}

/** One entry per deployment, in measuring order, coloured like its line on the other charts. */
export function deploymentFootprints(run: RunResults, series: ChartSeries[] = buildSeries(run)): DeploymentFootprint[] {
  const footprints = new Map<string, DeploymentFootprint>();
  for (const row of run.results) {
    const { peakRssMb, processes, cpuPercent } = row.resources;
    const known = footprints.get(row.deployment);
    if (!known) {
      const colour = series.find((s) => s.deployments.includes(row.deployment))?.colour ?? KEY_COLOUR;
      footprints.set(row.deployment, { deployment: row.deployment, colour, peakRssMb, processes, cpuPercent });
      continue;
    }
    if (peakRssMb > known.peakRssMb) Object.assign(known, { peakRssMb, processes });
    known.cpuPercent = Math.max(known.cpuPercent, cpuPercent);
  }
  return [...footprints.values()];
}

/** Bars for CPU are the deployment's colour, faded, so the pair reads as one deployment. */
const CPU_ALPHA = '55';

const LABEL_LINE_HEIGHT = 14;

/** Chart.js draws no values on bars; this writes each bar's label (one or more lines) just above it. */
function barLabels(labelsByDataset: string[][][]): Plugin<ChartType> {
  return {
    id: 'barLabels',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.font = `12px ${Chart.defaults.font.family ?? 'sans-serif'}`;
      ctx.fillStyle = '#333333';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      labelsByDataset.forEach((labels, datasetIndex) => {
        chart.getDatasetMeta(datasetIndex).data.forEach((bar, index) => {
          const lines = labels[index] ?? [];
          lines.forEach((line, i) => ctx.fillText(line, bar.x, bar.y - 4 - (lines.length - 1 - i) * LABEL_LINE_HEIGHT));
        });
      });
      ctx.restore();
    },
  };
}

function memoryChartConfig(run: RunResults): ChartConfiguration<'bar', number[], string> {
  const series = buildSeries(run);
  const footprints = deploymentFootprints(run, series);
  return {
    type: 'bar',
    data: {
      labels: footprints.map((f) => f.deployment),
      datasets: [
        {
          label: 'peak memory (MB, left axis)',
          data: footprints.map((f) => f.peakRssMb),
          backgroundColor: footprints.map((f) => f.colour),
          yAxisID: 'y',
        },
        {
          label: 'CPU (%, right axis)',
          data: footprints.map((f) => f.cpuPercent),
          backgroundColor: footprints.map((f) => f.colour + CPU_ALPHA),
          borderColor: footprints.map((f) => f.colour),
          borderWidth: 1,
          yAxisID: 'cpu',
        },
      ],
    },
    options: {
      plugins: {
        title: { display: true, text: `Memory and CPU by deployment (scenario: ${run.scenario})`, font: { size: 18 } },
        subtitle: chartSubtitle(
          series,
          'peak resident memory of the whole process tree (master, workers, nginx) at its busiest point; pre-fork pays per worker',
        ),
        legend: {
          labels: {
            generateLabels: () => [
              { text: 'peak memory (MB, left axis)', fillStyle: KEY_COLOUR, strokeStyle: KEY_COLOUR, lineWidth: 0 },
              { text: 'CPU (%, right axis)', fillStyle: KEY_COLOUR + CPU_ALPHA, strokeStyle: KEY_COLOUR, lineWidth: 1 },
            ],
          },
        },
      },
      scales: {
        x: { title: { display: true, text: 'deployment' } },
        // grace leaves room for the labels above the tallest bars.
        y: { beginAtZero: true, grace: '15%', title: { display: true, text: 'peak resident memory (MB)' } },
        cpu: {
          position: 'right',
          beginAtZero: true,
          grace: '15%',
          title: { display: true, text: 'CPU (%)' },
          grid: { drawOnChartArea: false },
        },
      },
    },
    plugins: [
      barLabels([
        // Two short lines fit above a bar even with a dozen deployments side by side.
        footprints.map((f) => [`${Math.round(f.peakRssMb)} MB`, `${f.processes} process${f.processes === 1 ? '' : 'es'}`]),
        footprints.map((f) => [`${Math.round(f.cpuPercent)}%`]),
      ]),
    ],
  };
}

export const memoryChart = defineChart(
  {
    name: 'memory chart',
    file: 'memory.png',
    caption: 'Peak memory of each deployment’s process tree, with its process count, and its CPU use.',
  },
  memoryChartConfig,
);
