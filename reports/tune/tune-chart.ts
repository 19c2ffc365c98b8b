import type { ChartConfiguration, ChartDataset, LegendItem, Scale } from 'chart.js';
import type { RunResults, TunedConfiguration, TuneSummary } from '../../harness/results/types.js';
import { classOf } from '../../harness/tune/recommend.js';
import { describeSlo } from '../../harness/tune/slo.js';
import { poolAxisTitle, poolAxisValue } from '../../harness/tune/pool-axis.js';
import { defineChart } from '../charts/chart-spec.js';
import { keyLine, keyMarker, pointStyleLegend, PREDICTED_DASH } from '../charts/chart-style.js';
import type { XY } from '../charts/line-chart.js';
import { PALETTE, POINT_STYLES } from '../series.js';
import { chartScenario } from '../title.js';

const KNEE_COLOUR = '#555555';
const RECOMMENDED_COLOUR = '#000000';
/** Room either side of the smallest and largest pool size on the log axis. */
const LOG_MARGIN = 1.2;
/** Characters per subtitle line: the reason is a long sentence. */
const LINE_LENGTH = 150;

/** One line per class (kind, proxy, threads): throughput within the SLO against workers, or threads for a one-process pool. */
function classLines(tune: TuneSummary): { label: string; colour: string; configurations: TunedConfiguration[] }[] {
  const classes = new Map<string, TunedConfiguration[]>();
  for (const c of tune.ranked) classes.set(classOf(c), [...(classes.get(classOf(c)) ?? []), c]);
  return [...classes].map(([label, configurations], i) => ({
    label,
    colour: PALETTE[i % PALETTE.length]!,
    configurations: configurations.sort((a, b) => poolAxisValue(a) - poolAxisValue(b)),
  }));
}

const point = (c: TunedConfiguration): XY[] => (c.throughputAtSloRps === null ? [] : [{ x: poolAxisValue(c), y: c.throughputAtSloRps }]);

function tuneChartConfig(run: RunResults): ChartConfiguration<'line', XY[]> | null {
  const tune = run.tune;
  if (!tune || !tune.ranked.some((c) => c.throughputAtSloRps !== null)) return null;
  const lines = classLines(tune);
  const datasets: ChartDataset<'line', XY[]>[] = lines.map((line, i) => ({
    label: line.label,
    data: line.configurations.flatMap(point),
    borderColor: line.colour,
    backgroundColor: `${line.colour}66`,
    borderWidth: 2,
    pointStyle: POINT_STYLES[i % POINT_STYLES.length]!,
    pointRadius: 6,
  }));
  // Little's law at the load each configuration reached within the SLO: min(c, K) / d.
  const predicted = (c: TunedConfiguration): XY[] => {
    const row = run.results.find((r) => r.deployment === c.deployment && r.concurrency === c.atLoad);
    return row && row.predictedThroughputRps !== null ? [{ x: poolAxisValue(c), y: row.predictedThroughputRps }] : [];
  };
  const models: ChartDataset<'line', XY[]>[] = lines
    .map((line) => ({
      label: `${line.label} predicted`,
      data: line.configurations.flatMap(predicted),
      borderColor: line.colour,
      backgroundColor: line.colour,
      borderWidth: 1.25,
      borderDash: PREDICTED_DASH,
      pointRadius: 0,
    }))
    .filter((dataset) => dataset.data.length > 0);
  const knees = tune.ranked.filter((c) => c.knee && c.deployment !== tune.recommended).flatMap(point);
  const recommended = tune.ranked.filter((c) => c.deployment === tune.recommended).flatMap(point);
  // Drawn first, so on top of the lines.
  const marks: ChartDataset<'line', XY[]>[] = [
    { label: 'recommended', data: recommended, showLine: false, pointStyle: 'star', pointRadius: 16, borderWidth: 3, borderColor: RECOMMENDED_COLOUR, backgroundColor: RECOMMENDED_COLOUR },
    { label: 'knee', data: knees, showLine: false, pointStyle: 'circle', pointRadius: 13, borderWidth: 2, borderColor: KNEE_COLOUR, backgroundColor: 'rgba(0,0,0,0)' },
  ];
  const legendItems: LegendItem[] = [
    ...lines.map((line, i) => ({ text: line.label, strokeStyle: line.colour, fillStyle: `${line.colour}66`, lineWidth: 2, pointStyle: POINT_STYLES[i % POINT_STYLES.length]! })),
    ...(recommended.length > 0 ? [keyMarker(`recommended: ${tune.recommended}`, 'star', RECOMMENDED_COLOUR)] : []),
    ...(models.length > 0 ? [keyLine("Little's law at that load", { dashed: true, lineWidth: 1.25 })] : []),
    ...(knees.length > 0 ? [keyMarker("knee: a kind's smallest size within 5% of its best", 'circle', 'rgba(0,0,0,0)')] : []),
  ];
  const sizes = [...new Set(tune.ranked.map(poolAxisValue))].sort((a, b) => a - b);
  const axis = poolAxisTitle(tune.ranked);
  const slo = describeSlo(tune.slo);
  return {
    type: 'line',
    data: { datasets: [...marks, ...datasets, ...models] },
    options: {
      plugins: {
        title: { display: true, text: `Throughput within ${slo} by ${axis} (scenario: ${chartScenario(run)}, ${run.settings.paths.join(', ')})`, font: { size: 18 } },
        subtitle: { display: true, text: wrap(`${tune.recommended ? 'recommended' : 'no recommendation'}: ${tune.reason}`), padding: { bottom: 8 } },
        legend: { labels: { ...pointStyleLegend, generateLabels: () => legendItems } },
      },
      scales: {
        x: {
          type: 'logarithmic',
          min: sizes[0]! / LOG_MARGIN,
          max: sizes[sizes.length - 1]! * LOG_MARGIN,
          title: { display: true, text: `${axis} (pool size, log scale)` },
          afterBuildTicks: (scale: Scale) => {
            scale.ticks = sizes.map((value) => ({ value }));
          },
          ticks: { autoSkip: false, callback: (value: number | string) => String(value) },
        },
        y: { type: 'linear', beginAtZero: true, grace: '5%', title: { display: true, text: `highest throughput within ${slo} (requests/s)` } },
      },
    },
  };
}

function wrap(text: string): string[] {
  const lines: string[] = [''];
  for (const word of text.split(' ')) {
    const last = lines[lines.length - 1]!;
    if (last.length > 0 && last.length + word.length + 1 > LINE_LENGTH) lines.push(word);
    else lines[lines.length - 1] = last ? `${last} ${word}` : word;
  }
  return lines;
}

export const tuneChart = defineChart(
  {
    name: 'tune chart',
    file: 'tune.png',
    caption: "bench tune: each kind's highest throughput within the SLO against its pool size; the star is the recommendation, rings mark each kind's knee.",
  },
  tuneChartConfig,
);
