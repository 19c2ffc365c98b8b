import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Comparison } from '../harness/compare.js';
import type { LoadedRun } from '../harness/results-file.js';
import { renderCompareChart } from './compare-chart.js';
import { unmatchedLines, verdict } from './compare-notes.js';
import { comparisonMarkdownTable, comparisonTextTable } from './compare-table.js';

const CHART_FILE = 'compare.png';
const MARKDOWN_FILE = 'compare.md';

/** The two runs compared, as the user named them. */
export interface ComparedRuns {
  base: LoadedRun;
  next: LoadedRun;
}

/** What bench compare prints: the table, the points left out, the verdict. */
export function comparisonText(comparison: Comparison): string {
  return [...comparisonTextTable(comparison), '', ...unmatchedLines(comparison), verdict(comparison)].join('\n');
}

function comparisonMarkdown(comparison: Comparison, { base, next }: ComparedRuns): string {
  const describeRun = (role: string, loaded: LoadedRun) => `${role}: \`${loaded.given}\` (started ${loaded.run.startedAt})`;
  return [
    `# bench compare: scenario ${next.run.scenario}`,
    '',
    `${describeRun('BASE', base)}  `,
    `${describeRun('NEW', next)}  `,
    `A regression: throughput down or p99 up by more than ${comparison.thresholdPct}%` +
      ' (and, when both runs were repeated, beyond the spread of the repeats).',
    '',
    ...comparisonMarkdownTable(comparison),
    '',
    ...unmatchedLines(comparison).flatMap((line) => [line, '']),
    `**${verdict(comparison)}**`,
    '',
    `![throughput, BASE vs NEW](${CHART_FILE})`,
    '',
  ].join('\n');
}

/** Writes compare.png and compare.md into outDir; resolves to the files' names. */
export async function writeComparison(comparison: Comparison, runs: ComparedRuns, outDir: string): Promise<string[]> {
  const chart = await renderCompareChart(comparison, { scenario: runs.next.run.scenario, base: runs.base.given, next: runs.next.given });
  await writeFile(join(outDir, CHART_FILE), chart);
  await writeFile(join(outDir, MARKDOWN_FILE), comparisonMarkdown(comparison, runs));
  return [MARKDOWN_FILE, CHART_FILE];
}
