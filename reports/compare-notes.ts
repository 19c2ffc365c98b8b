import { SIGNIFICANCE_LEVEL, type Comparison, type MetricChange, type PointComparison, type UnmatchedPoint } from '../harness/compare.js';
import { describeDeployment, describeDifferences, describeLevel, formatChange, formatPValue } from './compare-labels.js';

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

/** What may make the whole comparison misleading: for stderr and compare.md. */
export function comparisonWarnings({ machineDifferences, settingDifferences, startedDifferently }: Comparison): string[] {
  return [
    ...(machineDifferences.length > 0
      ? [`BASE and NEW ran on different machines (${describeDifferences(machineDifferences)}): a change may come from the machine, not from what changed`]
      : []),
    // Only reached with --allow-different-settings: bench compare refuses these otherwise.
    ...(settingDifferences.length > 0
      ? [`BASE and NEW were measured with different settings (${describeDifferences(settingDifferences)}): a change may come from the settings`]
      : []),
    ...(startedDifferently.length > 0
      ? [`started differently in BASE and NEW: ${startedDifferently.join(', ')}; each run's report shows how every deployment was started`]
      : []),
  ];
}

/** What the verdict rests on: points without a p99, points decided by the threshold alone, too few repeats for the test. */
export function comparisonNotes({ points }: Comparison): string[] {
  const noP99 = points.filter((point) => point.p99 === null);
  const untested = points.filter((point) => point.throughput.test === null);
  const tooFew = points
    .flatMap((point) => [point.throughput.test, point.p99?.test])
    .find((test) => test != null && test.smallestPValue >= SIGNIFICANCE_LEVEL);
  return [
    ...(noP99.length > 0
      ? [`p99 not comparable at ${noP99.map(pointNamer(points)).join(', ')}: a run had no successful request there, so only throughput was compared`]
      : []),
    ...(untested.length === points.length
      ? ['without repeats in both runs the verdict rests on single measurements, the threshold alone (run both with --repeat 5 for a significance test)']
      : untested.length > 0
        ? [`not repeated in both runs: ${untested.length} of ${points.length} points, whose verdict rests on single measurements, the threshold alone`]
        : []),
    ...(tooFew
      ? [
          `with ${tooFew.baseRepeats} repeats in BASE and ${tooFew.newRepeats} in NEW the smallest one-sided p is ${formatPValue(tooFew.smallestPValue)},` +
            ` so no change can reach p < ${SIGNIFICANCE_LEVEL}: run both with --repeat 5 or more`,
        ]
      : []),
  ];
}

/** "no regression past 10%" or "2 regressions past 10%: node-prefork ×4 → ×2 c=8 (req/s −49.8%, p=0.004), …". */
export function verdict(comparison: Comparison): string {
  const { regressions, points } = comparison;
  const rule = `past ${comparison.thresholdPct}%`;
  if (regressions.length === 0) return `no regression ${rule}`;
  const name = pointNamer(points);
  const described = regressions.map((point) => {
    const what = [
      ...(point.throughput.regressed ? [describeChange('req/s', point.throughput)] : []),
      ...(point.p99?.regressed ? [describeChange('p99', point.p99)] : []),
    ];
    return `${name(point)} (${what.join(', ')})`;
  });
  return `${regressions.length} regression${regressions.length === 1 ? '' : 's'} ${rule}: ${described.join('; ')}`;
}

/** "req/s −49.8%", with the test's p-value when there was one. */
function describeChange(name: string, change: MetricChange): string {
  return `${name} ${formatChange(change.changePct)}${change.test ? `, p=${formatPValue(change.test.pValue)}` : ''}`;
}

/** Names points as "node-prefork ×4 → ×2 c=8", with the path when the comparison spans several. */
function pointNamer(points: PointComparison[]): (point: PointComparison) => string {
  const severalPaths = new Set(points.map((point) => point.path)).size > 1;
  return (point) => [describeDeployment(point), ...(severalPaths ? [point.path] : []), describeLevel(point)].join(' ');
}
