import type { ChartConfiguration, ChartDataset, LegendItem } from 'chart.js';
import type { ResultRow, RunResults } from '../../harness/results/types.js';
import { answersByProcess, countsDemoAnswers } from '../../harness/shared-state/count-sequences.js';
import { defineChart } from './chart-spec.js';
import { KEY_COLOUR, logYScale, pointStyleLegend } from './chart-style.js';
import { buildSeries } from '../series.js';

import type { XY } from './line-chart.js';
import { chartScenario } from '../title.js';

/** Each deployment's last point (its highest load) that kept /count answers. */
export function countRows(run: RunResults): ResultRow[] {
  const rows = new Map<string, ResultRow>();
  for (const row of run.results) if (row.counts) rows.set(row.deployment, row);
  return [...rows.values()];
}

/** The demo's /count measured by an engine that reads no bodies (wrk, Locust): say why the count chart is missing. */
export function countsUnkept(run: RunResults): string[] {
  const unkept = run.results.filter((row) => !row.counts && row.generator.engine !== 'builtin' && countsDemoAnswers(row.path, run.settings.app));
  if (unkept.length === 0) return [];
  const engines = [...new Set(unkept.map((row) => row.generator.engine))].join(', ');
  return [`/count answers were not kept (generator ${engines} reads no response bodies), so there is no count chart; run with --generator builtin to draw it.`];
}

const sequencesText = (n: number) => `${n} sequence${n === 1 ? '' : 's'}`;

function countChartConfig(run: RunResults): ChartConfiguration<'line', XY[]> | null {
  const rows = countRows(run);
  if (rows.length === 0) return null;
  const series = buildSeries(run);
  const colourOf = (row: ResultRow) => series.find((s) => s.deployments.includes(row.deployment))?.colour ?? KEY_COLOUR;
  const datasets: ChartDataset<'line', XY[]>[] = rows.flatMap((row) =>
    answersByProcess(row.counts!.samples).map((answers) => ({
      label: `${row.deployment} pid ${answers[0]!.pid}`,
      data: answers.map((a) => ({ x: a.atS, y: a.count })),
      borderColor: colourOf(row),
      backgroundColor: colourOf(row),
      borderWidth: 1.5,
      pointRadius: 1.5,
    })),
  );
  const legendItems: LegendItem[] = rows.map((row) => ({
    text: `${row.deployment}: ${sequencesText(row.counts!.sequences)}${row.counts!.rising ? '' : ', not rising'}`,
    strokeStyle: colourOf(row),
    fillStyle: colourOf(row),
    lineWidth: 2,
    pointStyle: 'line',
  }));
  const seconds = Math.max(...rows.map((row) => row.durationS));
  return {
    type: 'line',
    data: { datasets },
    options: {
      plugins: {
        title: { display: true, text: `What clients see of a per-process counter, /count (scenario: ${chartScenario(run)})`, font: { size: 18 } },
        subtitle: {
          display: true,
          text: 'each answer’s count against the time it arrived, one line per process: a pre-fork pool of W counts in W separate sequences, one process in one',
          padding: { bottom: 8 },
        },
        legend: { labels: { ...pointStyleLegend, generateLabels: () => legendItems } },
      },
      scales: {
        x: { type: 'linear', min: 0, max: seconds, title: { display: true, text: 'time into the measured window (s)' } },
        // Log: one process counts every request, each of W workers about a W-th of them.
        y: logYScale('count answered (the process’s counter after that request, log scale)'),
      },
    },
  };
}

export const countChart = defineChart(
  {
    name: 'count chart',
    file: 'count.png',
    caption: 'The count each /count answer carried against the time it arrived, one line per process that answered: separate sequences for a pre-fork pool, one for a single process or an event loop.',
  },
  countChartConfig,
);
