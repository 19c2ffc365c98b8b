import type { Comparison, MetricChange, PointComparison } from '../../harness/compare/compare-runs.js';
import type { Alternative } from '../../harness/stats/mann-whitney.js';
import { alignedTable, type Column } from '../tables/aligned-table.js';
import { describeDeployment, describeLevel, formatChange, formatPValue, levelsNeedWords } from './compare-labels.js';
import { formatMs, formatRps, NONE } from '../../harness/formatting/numbers.js';
import { table as markdownTable } from '../markdown.js';

/**
 * "✗ req/s, p99" for a regression; "~ not significant" when a change passed the threshold but a
 * test could not tell it from noise, "~ repeats overlap" or "~ repeats too close" when the
 * repeats' ranges did not lie apart by more than the threshold; "p99 not comparable" when a run
 * had no p99.
 */
function mark(point: PointComparison): string {
  const { throughput, p99 } = point;
  const regressed = [throughput.regressed && 'req/s', p99?.regressed && 'p99'].filter(Boolean);
  const chance = ([[throughput, 'less'], [p99, 'greater']] as const).find(([change]) => change?.pastThreshold && !change.regressed);
  const chanceWords = ([change, worse]: NonNullable<typeof chance>) =>
    change!.evidence.kind !== 'spreads' ? '~ not significant' : spreadsCell(change!, worse) === 'close' ? '~ repeats too close' : '~ repeats overlap';
  return [
    ...(regressed.length > 0 ? [`✗ ${regressed.join(', ')}`] : []),
    ...(!point.regressed && chance ? [chanceWords(chance)] : []),
    ...(p99 === null ? ['p99 not comparable'] : []),
  ].join('; ');
}

function levelColumn(points: PointComparison[]): Column<PointComparison> {
  const loops = new Set(points.map((point) => point.loop));
  if (levelsNeedWords(points)) return { header: 'load', numeric: true, cell: describeLevel };
  return { header: loops.has('open') ? 'rate/s' : 'c', numeric: true, cell: (point) => String(point.level) };
}

/** A p99 figure of the point, or a dash when a run had none. */
function p99Cell(figure: (change: MetricChange) => string) {
  return (point: PointComparison) => (point.p99 === null ? NONE : figure(point.p99));
}

/**
 * For repeats too few to test: "apart" when NEW's every repeat is worse than BASE's every one by
 * more than the threshold (what counts), "close" when worse by less, "better" when apart the good
 * way, "overlap" when the ranges meet. `worse`: which way NEW moves when it regresses.
 */
function spreadsCell({ evidence }: MetricChange, worse: Alternative): 'apart' | 'close' | 'better' | 'overlap' {
  if (evidence.holds) return 'apart';
  const { base, next } = evidence.spreads!;
  const below = next.max < base.min;
  if (!below && next.min <= base.max) return 'overlap';
  return below === (worse === 'less') ? 'close' : 'better';
}

/** The test's p where one was made, else what the repeats' ranges say (spreadsCell). */
const pCell = (change: MetricChange | null, worse: Alternative): string => {
  const evidence = change?.evidence;
  if (evidence?.kind === 'spreads') return spreadsCell(change!, worse);
  return evidence?.test ? formatPValue(evidence.test.pValue) : NONE;
};

function columnsFor(points: PointComparison[]): Column<PointComparison>[] {
  const severalPaths = new Set(points.map((point) => point.path)).size > 1;
  const tested = points.some((point) => point.throughput.evidence.kind !== 'threshold' || (point.p99 && point.p99.evidence.kind !== 'threshold'));
  const optional = (include: boolean, column: Column<PointComparison>) => (include ? [column] : []);
  return [
    { header: 'deployment', numeric: false, cell: describeDeployment },
    ...optional(severalPaths, { header: 'path', numeric: false, cell: (point) => point.path }),
    levelColumn(points),
    { header: 'base req/s', numeric: true, cell: (point) => formatRps(point.throughput.base) },
    { header: 'new req/s', numeric: true, cell: (point) => formatRps(point.throughput.next) },
    { header: 'Δ req/s', numeric: true, cell: (point) => formatChange(point.throughput.changePct) },
    ...optional(tested, { header: 'p req/s', numeric: true, cell: (point) => pCell(point.throughput, 'less') }),
    { header: 'base p99 ms', numeric: true, cell: p99Cell((change) => formatMs(change.base)) },
    { header: 'new p99 ms', numeric: true, cell: p99Cell((change) => formatMs(change.next)) },
    { header: 'Δ p99', numeric: true, cell: p99Cell((change) => formatChange(change.changePct)) },
    ...optional(tested, { header: 'p p99', numeric: true, cell: (point) => pCell(point.p99, 'greater') }),
    { header: '', numeric: false, cell: mark },
  ];
}

/** One line per point both runs measured, aligned for the terminal. */
export function comparisonTextTable({ points }: Comparison): string[] {
  return alignedTable(columnsFor(points), points);
}

/** The same table in Markdown, for compare.md. */
export function comparisonMarkdownTable({ points }: Comparison): string[] {
  const columns = columnsFor(points);
  return markdownTable(
    columns.map((column) => column.header),
    columns.map((column) => column.numeric),
    points.map((point) => columns.map((column) => column.cell(point))),
  );
}
