import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { renderCompareChart } from '../../reports/compare-chart.js';
import {
  compareRuns,
  DEFAULT_THRESHOLD_PCT,
  describeDeployment,
  describeLevel,
  formatChange,
  type Comparison,
  type PointComparison,
  type UnmatchedPoint,
} from '../compare.js';
import { EXIT, UsageError } from '../errors.js';
import { readRun, type LoadedRun } from '../results-file.js';

const CHART_FILE = 'compare.png';
const MARKDOWN_FILE = 'compare.md';

type Role = 'BASE' | 'NEW';

/** --threshold: a percentage; above 1000% a "regression" would mean nothing. Commander names the flag. */
export function parseThreshold(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1000) {
    throw new InvalidArgumentError('expected a positive percentage up to 1000, e.g. 10');
  }
  return n;
}

/** bench compare BASE NEW: prints the comparison, writes compare.png and compare.md, exits 1 on a regression. */
export async function compareCommand(base: string, next: string, options: { threshold?: number; out?: string }): Promise<number> {
  const baseRun = readRun(base, 'BASE');
  const newRun = readRun(next, 'NEW');
  if (baseRun.run.scenario !== newRun.run.scenario) {
    throw new UsageError(
      `BASE is scenario ${baseRun.run.scenario}, NEW is scenario ${newRun.run.scenario}: compare runs of the same scenario`,
    );
  }
  const comparison = compareRuns(baseRun.run, newRun.run, options.threshold ?? DEFAULT_THRESHOLD_PCT);
  if (comparison.points.length === 0) {
    throw new UsageError(`${base} and ${next} have no point in common (same deployment, path and load level) to compare`);
  }

  const outDir = options.out ?? newRun.dir;
  await mkdir(outDir, { recursive: true });
  const chart = await renderCompareChart(comparison, { scenario: newRun.run.scenario, base, next });
  await writeFile(join(outDir, CHART_FILE), chart);
  await writeFile(join(outDir, MARKDOWN_FILE), markdownReport(comparison, baseRun, newRun));

  process.stdout.write([...renderText(comparison), '', ...unmatchedLines(comparison), verdict(comparison)].join('\n') + '\n');
  process.stderr.write(`wrote ${MARKDOWN_FILE}, ${CHART_FILE} in ${outDir}\n`);
  return comparison.regressed ? EXIT.runFailed : EXIT.ok;
}

// --- the table, as aligned text for the terminal and as Markdown ---

interface Column {
  header: string;
  alignRight: boolean;
  cell(point: PointComparison): string;
}

function formatRps(rps: number): string {
  return rps.toFixed(1);
}

/** Tenths of a millisecond matter for fast responses, not once a request takes 100 ms or more. */
function formatMs(ms: number): string {
  return ms < 100 ? ms.toFixed(1) : Math.round(ms).toString();
}

/** "✗ req/s, p99" for a regression; "~ within spread" when a change passed the threshold but not the repeats' noise. */
function mark(point: PointComparison): string {
  const regressed = [point.throughput.regressed && 'req/s', point.p99.regressed && 'p99'].filter(Boolean);
  if (regressed.length > 0) return `✗ ${regressed.join(', ')}`;
  return point.throughput.pastThreshold || point.p99.pastThreshold ? '~ within spread' : '';
}

function levelColumn(points: PointComparison[]): Column {
  const loops = new Set(points.map((point) => point.loop));
  if (loops.size > 1) return { header: 'load', alignRight: true, cell: describeLevel };
  return { header: loops.has('open') ? 'rate/s' : 'c', alignRight: true, cell: (point) => String(point.level) };
}

function columnsFor(points: PointComparison[]): Column[] {
  const severalPaths = new Set(points.map((point) => point.path)).size > 1;
  return [
    { header: 'deployment', alignRight: false, cell: describeDeployment },
    ...(severalPaths ? [{ header: 'path', alignRight: false, cell: (point: PointComparison) => point.path }] : []),
    levelColumn(points),
    { header: 'base req/s', alignRight: true, cell: (point) => formatRps(point.throughput.base) },
    { header: 'new req/s', alignRight: true, cell: (point) => formatRps(point.throughput.next) },
    { header: 'Δ req/s', alignRight: true, cell: (point) => formatChange(point.throughput.changePct) },
    { header: 'base p99 ms', alignRight: true, cell: (point) => formatMs(point.p99.base) },
    { header: 'new p99 ms', alignRight: true, cell: (point) => formatMs(point.p99.next) },
    { header: 'Δ p99', alignRight: true, cell: (point) => formatChange(point.p99.changePct) },
    { header: '', alignRight: false, cell: mark },
  ];
}

function renderText({ points }: Comparison): string[] {
  const columns = columnsFor(points);
  const cells = points.map((point) => columns.map((column) => column.cell(point)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]?.length ?? 0)));
  const formatLine = (values: string[]) =>
    values
      .map((value, i) => (columns[i]?.alignRight ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [formatLine(columns.map((column) => column.header)), widths.map((width) => '-'.repeat(width)).join('  ').trimEnd(), ...cells.map(formatLine)];
}

function renderMarkdown({ points }: Comparison): string[] {
  const columns = columnsFor(points);
  const line = (values: string[]) => `| ${values.map((value) => value.replaceAll('|', '\\|')).join(' | ')} |`;
  return [
    line(columns.map((column) => column.header)),
    line(columns.map((column) => (column.alignRight ? '---:' : '---'))),
    ...points.map((point) => line(columns.map((column) => column.cell(point)))),
  ];
}

// --- what the table does not show ---

/** "only in BASE: node-blocking (c=1, c=4), node-async (c=1)": measured by one run, so not compared. */
function unmatchedLines(comparison: Comparison): string[] {
  const describe = (role: Role, points: UnmatchedPoint[]): string[] => {
    if (points.length === 0) return [];
    const severalPaths = new Set(points.map((point) => point.path)).size > 1;
    const levelsBySeries = new Map<string, string[]>();
    for (const point of points) {
      const series = severalPaths ? `${point.deployment} ${point.path}` : point.deployment;
      levelsBySeries.set(series, [...(levelsBySeries.get(series) ?? []), describeLevel(point)]);
    }
    const listed = [...levelsBySeries].map(([series, levels]) => `${series} (${levels.join(', ')})`);
    return [`only in ${role}, not compared: ${listed.join(', ')}`];
  };
  return [...describe('BASE', comparison.onlyInBase), ...describe('NEW', comparison.onlyInNew)];
}

/** "no regression past 10%" or "2 regressions past 10%: node-prefork ×4 → ×2 c=8 (req/s −49.8%), …". */
function verdict(comparison: Comparison): string {
  const threshold = `${comparison.thresholdPct}%`;
  const { regressions } = comparison;
  if (regressions.length === 0) return `no regression past ${threshold}`;
  const severalPaths = new Set(comparison.points.map((point) => point.path)).size > 1;
  const described = regressions.map((point) => {
    const where = [describeDeployment(point), ...(severalPaths ? [point.path] : []), describeLevel(point)].join(' ');
    const what = [
      ...(point.throughput.regressed ? [`req/s ${formatChange(point.throughput.changePct)}`] : []),
      ...(point.p99.regressed ? [`p99 ${formatChange(point.p99.changePct)}`] : []),
    ];
    return `${where} (${what.join(', ')})`;
  });
  return `${regressions.length} regression${regressions.length === 1 ? '' : 's'} past ${threshold}: ${described.join('; ')}`;
}

function markdownReport(comparison: Comparison, base: LoadedRun, next: LoadedRun): string {
  const describeRun = (role: Role, loaded: LoadedRun) => `${role}: \`${loaded.given}\` (started ${loaded.run.startedAt})`;
  return [
    `# bench compare: scenario ${next.run.scenario}`,
    '',
    `${describeRun('BASE', base)}  `,
    `${describeRun('NEW', next)}  `,
    `A regression: throughput down or p99 up by more than ${comparison.thresholdPct}%` +
      ' (and, when both runs were repeated, beyond the spread of the repeats).',
    '',
    ...renderMarkdown(comparison),
    '',
    ...unmatchedLines(comparison).flatMap((line) => [line, '']),
    `**${verdict(comparison)}**`,
    '',
    `![throughput, BASE vs NEW](${CHART_FILE})`,
    '',
  ].join('\n');
}
