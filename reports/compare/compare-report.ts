import { writeWhole } from '../../harness/files/disk.js';
import { join } from 'node:path';
import { SIGNIFICANCE_LEVEL, type Comparison } from '../../harness/compare/compare-runs.js';
import type { LoadedRun } from '../../harness/results/read-run.js';
import { renderCompareChart } from './compare-chart.js';
import { comparisonNotes, comparisonWarnings, incompleteLine, unmatchedLines, verdict } from './compare-notes.js';
import { comparisonMarkdownTable, comparisonTextTable } from './compare-table.js';
import { escapeMarkdown } from '../markdown.js';
import { COMPARE_FILES } from '../../harness/results/out-folder.js';

const [CHART_FILE, MARKDOWN_FILE] = COMPARE_FILES;

/** The two runs compared, as the user named them. */
export interface ComparedRuns {
  base: LoadedRun;
  next: LoadedRun;
}

/** What bench compare prints (its warnings go to stderr): the table, the points left out, what the verdict rests on, the verdict. */
export function comparisonText(comparison: Comparison): string {
  const incomplete = incompleteLine(comparison);
  return [
    ...(incomplete ? [incomplete, ''] : []),...comparisonTextTable(comparison), '', ...unmatchedLines(comparison), ...comparisonNotes(comparison), verdict(comparison)].join('\n');
}

function comparisonMarkdown(comparison: Comparison, { base, next }: ComparedRuns): string {
  const incomplete = incompleteLine(comparison);
  const warnings = comparisonWarnings(comparison);
  const describeRun = (role: string, loaded: LoadedRun) => `${role}: \`${loaded.given}\` (started ${loaded.run.startedAt})`;
  return [
    `# bench compare: scenario ${next.run.scenario}`,
    '',
    ...(incomplete ? [`**${escapeMarkdown(incomplete)}**`, ''] : []),
    `${describeRun('BASE', base)}  `,
    `${describeRun('NEW', next)}  `,
    `A regression: throughput down or p99 up by more than ${comparison.thresholdPct}%, and not chance on the strongest evidence the runs hold:` +
      ` a one-sided Mann-Whitney U test on the repeats (p < ${SIGNIFICANCE_LEVEL}), the repeats' ranges lying apart when they are too few to test,` +
      ' or the same test on the per-second figures of single windows.',
    ...(warnings.length > 0 ? ['', '## Warnings', '', ...warnings.map((warning) => `- ${escapeMarkdown(warning)}`)] : []),
    '',
    ...comparisonMarkdownTable(comparison),
    '',
    ...[...unmatchedLines(comparison), ...comparisonNotes(comparison)].flatMap((line) => [escapeMarkdown(line), '']),
    `**${escapeMarkdown(verdict(comparison))}**`,
    '',
    `![throughput, BASE vs NEW](${CHART_FILE})`,
    '',
  ].join('\n');
}

/** Writes compare.png and compare.md into outDir; resolves to the files' names. */
export async function writeComparison(comparison: Comparison, runs: ComparedRuns, outDir: string): Promise<string[]> {
  const chart = await renderCompareChart(comparison, { scenario: runs.next.run.scenario, base: runs.base.given, next: runs.next.given });
  await writeWhole(join(outDir, CHART_FILE), chart);
  await writeWhole(join(outDir, MARKDOWN_FILE), comparisonMarkdown(comparison, runs));
  return [MARKDOWN_FILE, CHART_FILE];
}
