import type { Comparison, UnmatchedPoint } from '../harness/compare.js';
import { describeDeployment, describeLevel, formatChange } from './compare-labels.js';

// The sentences around the comparison table, as plain text each output lays out its own way.

/** "only in BASE, not compared: node-blocking (c=1, c=4), node-async (c=1)": measured by one run only. */
export function unmatchedLines(comparison: Comparison): string[] {
  const describe = (role: 'BASE' | 'NEW', points: UnmatchedPoint[]): string[] => {
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
export function verdict(comparison: Comparison): string {
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
