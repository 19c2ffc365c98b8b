import type { Comparison, PointComparison } from '../harness/compare.js';
import { alignedTable, type Column } from './aligned-table.js';
import { describeDeployment, describeLevel, formatChange } from './compare-labels.js';
import { formatMs, formatRps } from './format.js';
import { table as markdownTable } from './markdown.js';

/** "✗ req/s, p99" for a regression; "~ within spread" when a change passed the threshold but not the repeats' noise. */
function mark(point: PointComparison): string {
  const regressed = [point.throughput.regressed && 'req/s', point.p99.regressed && 'p99'].filter(Boolean);
  if (regressed.length > 0) return `✗ ${regressed.join(', ')}`;
  return point.throughput.pastThreshold || point.p99.pastThreshold ? '~ within spread' : '';
}

function levelColumn(points: PointComparison[]): Column<PointComparison> {
  const loops = new Set(points.map((point) => point.loop));
  if (loops.size > 1) return { header: 'load', alignRight: true, cell: describeLevel };
  return { header: loops.has('open') ? 'rate/s' : 'c', alignRight: true, cell: (point) => String(point.level) };
}

function columnsFor(points: PointComparison[]): Column<PointComparison>[] {
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

/** One line per point both runs measured, aligned for the terminal. */
export function comparisonTextTable({ points }: Comparison): string[] {
  return alignedTable(columnsFor(points), points);
}

/** The same table in Markdown, for compare.md. */
export function comparisonMarkdownTable({ points }: Comparison): string[] {
  const columns = columnsFor(points);
  return markdownTable(
    columns.map((column) => column.header),
    columns.map((column) => column.alignRight),
    points.map((point) => columns.map((column) => column.cell(point))),
  );
}
