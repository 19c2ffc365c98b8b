import { writeWhole } from '../harness/files/disk.js';
import { join } from 'node:path';
import type { RunResults } from '../harness/results/types.js';
import { CHARTS } from './charts/charts.js';
import { environmentFacts, summaryNotes, summaryTables } from './summary.js';
import { startedDeployments } from './deployments.js';
import { gapNotes, GAP_TITLE } from './model-gap.js';
import { handout } from './handout.js';
import { sideTables } from './side-tables.js';
import { runWarnings } from './warnings.js';
import type { ReportWriter } from './writer.js';
import { isTitle, runTitle } from './title.js';

const FILE = 'report.md';

/**
 * Text from the results is data: a reason mentioning `__init__` must not turn italic, and a `|`
 * in a label must not split a table cell. Line breaks would end a table row or list item.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, '\\$&').replace(/\s*\n\s*/g, ' ');
}

export function table(headers: string[], numeric: boolean[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  const rule = `| ${numeric.map((isNumber) => (isNumber ? '---:' : '---')).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)];
}

function summary(run: RunResults): string[] {
  if (run.results.length === 0) return ['## Summary', '', 'Nothing measured.'];
  const [points, ...others] = summaryTables(run);
  const cells = (rows: { cells: string[] }[]) => rows.map((row) => row.cells);
  return [
    '## Summary',
    '',
    ...table(points!.headers, points!.numeric, cells(points!.rows)),
    ...summaryNotes(run).flatMap((note) => ['', escapeMarkdown(note)]),
    ...gaps(run),
    ...others.flatMap((other) => ['', `### ${escapeMarkdown(other.title ?? '')}`, '', ...table(other.headers, other.numeric, cells(other.rows))]),
    ...sideTables(run).flatMap((side) => [
      '',
      `### ${escapeMarkdown(side.title)}`,
      '',
      ...table(side.headers, side.numeric, side.rows),
      ...side.footnotes.flatMap((note) => ['', escapeMarkdown(note)]),
    ]),
  ];
}

function gaps(run: RunResults): string[] {
  const notes = gapNotes(run);
  return notes.length > 0 ? ['', `### ${GAP_TITLE}`, '', ...notes.map((note) => `- ${escapeMarkdown(note)}`)] : [];
}

function handoutSection(run: RunResults): string[] {
  const sheet = handout(run);
  if (!sheet) return [];
  const [lead, ...reading] = sheet.intro;
  return [
    '',
    `## ${escapeMarkdown(sheet.title)}`,
    '',
    escapeMarkdown(lead ?? ''),
    '',
    ...reading.map((line) => `- ${escapeMarkdown(line)}`),
    '',
    ...table(sheet.table.headers, sheet.table.numeric, sheet.table.rows.map((row) => row.cells)),
  ];
}

/** A fenced block longer than any run of backticks in `text`, so that nothing in it can close it. */
function fenced(text: string, language: string): string[] {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${language}`, text, fence];
}

/** Fenced blocks: a command line or a config file is shown as it is, nothing in it escaped. */
function started(run: RunResults): string[] {
  const deployments = startedDeployments(run);
  if (deployments.length === 0) return [];
  return [
    '',
    '## How each deployment was started',
    ...deployments.flatMap((d) => [
      '',
      `**${escapeMarkdown(d.deployment)}**`,
      '',
      ...fenced(d.command, 'sh'),
      ...(d.nginxConfig ? ['', '<details><summary>nginx.conf</summary>', '', ...fenced(d.nginxConfig.trimEnd(), 'nginx'), '', '</details>'] : []),
      ...(d.apacheConfig ? ['', '<details><summary>httpd.conf</summary>', '', ...fenced(d.apacheConfig.trimEnd(), 'apache'), '', '</details>'] : []),
      ...(d.managerConfig ? ['', `<details><summary>${escapeMarkdown(d.managerConfig.name)}</summary>`, '', ...fenced(d.managerConfig.text.trimEnd(), 'ini'), '', '</details>'] : []),
    ]),
  ];
}

/** For pull requests and issues: the charts are linked relative to this file, so attach them alongside it. */
function renderMarkdown(run: RunResults): string {
  const warnings = runWarnings(run);
  const charts = CHARTS.filter((chart) => chart.applies(run));
  const lines = [
    `# bench: ${escapeMarkdown(runTitle(run))}`,
    ...(run.description && !isTitle(run, run.description) ? ['', escapeMarkdown(run.description)] : []),
    ...handoutSection(run),
    ...(run.notice ? ['', `> **What to notice.** ${escapeMarkdown(run.notice)}`] : []),
    ...(warnings.length > 0 ? ['', '## Warnings', '', ...warnings.map((warning) => `- ${escapeMarkdown(warning)}`)] : []),
    '',
    ...summary(run),
    '',
    '## Charts',
    ...charts.flatMap((chart) => ['', `![${chart.name}](${chart.file})`, '', `*${escapeMarkdown(chart.caption)}*`]),
    ...started(run),
    '',
    '## Environment',
    '',
    ...environmentFacts(run).map(([label, value]) => `- **${escapeMarkdown(label)}**: ${escapeMarkdown(value)}`),
  ];
  return lines.join('\n') + '\n';
}

export const markdownReport: ReportWriter = {
  name: 'Markdown report',
  files: [FILE],
  async write(run, outDir) {
    const path = join(outDir, FILE);
    await writeWhole(path, renderMarkdown(run));
    return [path];
  },
};
