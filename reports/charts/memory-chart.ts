import { Chart, type ChartConfiguration, type ChartType, type LegendItem, type Plugin } from 'chart.js';
import type { RunResults } from '../../harness/results/types.js';
import { defineChart } from './chart-spec.js';
import { chartSubtitle, KEY_COLOUR } from './chart-style.js';
import { formatMb, sampledResources } from '../../harness/formatting/numbers.js';
import { buildSeries, type ChartSeries } from '../series.js';
import { chartScenario } from '../title.js';

/** What one deployment cost at its heaviest point. */
export interface DeploymentFootprint {
  deployment: string;
  colour: string;
  /** The largest summed RSS of its process tree over the run's points: shared pages counted once per process. */
  peakRssMb: number;
  /** The largest summed PSS over its points: shared pages divided among their sharers; null where none could be read. */
  peakPssMb: number | null;
  /** Processes in the tree at that point: pre-fork pays per worker, threads and async do not. */
  processes: number;
  /** The busiest CPU over its points. */
  cpuPercent: number;
}

/** One entry per deployment, in measuring order, coloured like its line on the other charts. */
export function deploymentFootprints(run: RunResults, series: ChartSeries[] = buildSeries(run)): DeploymentFootprint[] {
  const footprints = new Map<string, DeploymentFootprint>();
  // A server started outside bench has no bars: bench sampled none of its processes.
  for (const row of run.results.filter((r) => sampledResources(r.resources) !== null)) {
    const { peakRssMb, peakPssMb, processes, cpuPercent } = row.resources;
    const known = footprints.get(row.deployment);
    if (!known) {
      const colour = series.find((s) => s.deployments.includes(row.deployment))?.colour ?? KEY_COLOUR;
      footprints.set(row.deployment, { deployment: row.deployment, colour, peakRssMb, peakPssMb, processes, cpuPercent });
      continue;
    }
    if (peakRssMb > known.peakRssMb) Object.assign(known, { peakRssMb, processes });
    if (peakPssMb !== null && (known.peakPssMb === null || peakPssMb > known.peakPssMb)) known.peakPssMb = peakPssMb;
    known.cpuPercent = Math.max(known.cpuPercent, cpuPercent);
  }
  return [...footprints.values()];
}

/**
 * Three bars per deployment, all in its colour: summed PSS solid (what the pool really costs),
 * summed RSS hollow beside it (the same memory with shared pages counted once per process), and
 * CPU faded, on its own axis.
 */
const CPU_ALPHA = '55';
const RSS_FILL = '#ffffff';
const RSS_BORDER_WIDTH = 2;

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

const megabytes = (mb: number | null) => (mb === null ? [] : [`${formatMb(mb)} MB`]);

export function memoryChartConfig(run: RunResults): ChartConfiguration<'bar', (number | null)[], string> | null {
  const series = buildSeries(run);
  const footprints = deploymentFootprints(run, series);
  // Points measured, none of them sampled (servers started outside bench): nothing to draw. A run
  // with no points at all still gets its (empty) chart, like every other chart.
  if (footprints.length === 0 && run.results.length > 0) return null;
  // Where no point could read PSS (no /proc/PID/smaps_rollup), the chart shows RSS and CPU alone.
  const withPss = footprints.some((f) => f.peakPssMb !== null);
  const drawn = new Set(footprints.map((f) => f.deployment));
  const unmeasured = [...new Set(run.results.map((row) => row.deployment))].filter((d) => !drawn.has(d));
  const rss = {
    label: 'summed RSS (MB, left axis)',
    data: footprints.map((f) => f.peakRssMb),
    backgroundColor: RSS_FILL,
    borderColor: footprints.map((f) => f.colour),
    borderWidth: RSS_BORDER_WIDTH,
    yAxisID: 'y',
  };
  const pss = {
    label: 'summed PSS (MB, left axis)',
    // A null leaves that deployment's PSS bar out: only its RSS is known.
    data: footprints.map((f) => f.peakPssMb),
    backgroundColor: footprints.map((f) => f.colour),
    yAxisID: 'y',
  };
  const cpu = {
    label: 'CPU (%, right axis)',
    data: footprints.map((f) => f.cpuPercent),
    backgroundColor: footprints.map((f) => f.colour + CPU_ALPHA),
    borderColor: footprints.map((f) => f.colour),
    borderWidth: 1,
    yAxisID: 'cpu',
  };
  const legendItems: LegendItem[] = [
    { text: rss.label, fillStyle: RSS_FILL, strokeStyle: KEY_COLOUR, lineWidth: RSS_BORDER_WIDTH },
    ...(withPss ? [{ text: pss.label, fillStyle: KEY_COLOUR, strokeStyle: KEY_COLOUR, lineWidth: 0 }] : []),
    { text: cpu.label, fillStyle: KEY_COLOUR + CPU_ALPHA, strokeStyle: KEY_COLOUR, lineWidth: 1 },
  ];
  return {
    type: 'bar',
    data: { labels: footprints.map((f) => f.deployment), datasets: withPss ? [rss, pss, cpu] : [rss, cpu] },
    options: {
      plugins: {
        title: { display: true, text: `Memory and CPU by deployment (scenario: ${chartScenario(run)})`, font: { size: 18 } },
        subtitle: chartSubtitle(
          series,
          (withPss
            ? 'peak memory of the whole process tree (master, workers, nginx); RSS counts pages the workers share once per worker, PSS shares them out'
            : 'peak resident memory of the whole process tree (master, workers, nginx) at its busiest point; pre-fork pays per worker') +
            (unmeasured.length > 0 ? `; not measured: ${unmeasured.join(', ')}` : ''),
        ),
        legend: { labels: { generateLabels: () => legendItems } },
      },
      scales: {
        x: { title: { display: true, text: 'deployment' } },
        // grace leaves room for the labels above the tallest bars.
        y: { beginAtZero: true, grace: '15%', title: { display: true, text: 'peak memory (MB)' } },
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
        // Two short lines at most: with a dozen deployments the bars are narrow.
        footprints.map((f) => [...megabytes(f.peakRssMb), `${f.processes} process${f.processes === 1 ? '' : 'es'}`]),
        ...(withPss ? [footprints.map((f) => megabytes(f.peakPssMb))] : []),
        footprints.map((f) => [`${Math.round(f.cpuPercent)}%`]),
      ]),
    ],
  };
}

export const memoryChart = defineChart(
  {
    name: 'memory chart',
    file: 'memory.png',
    caption: 'Peak memory of each deployment’s process tree, summed RSS (hollow) and summed PSS (solid) where it could be read, with its process count, and its CPU use.',
  },
  memoryChartConfig,
);
