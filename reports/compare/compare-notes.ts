import { SIGNIFICANCE_LEVEL, type Comparison, type Evidence, type MetricChange, type PointComparison, type UnmatchedPoint } from '../../harness/compare/compare-runs.js';
import { MIN_SECONDS, type EvidenceKind } from '../../harness/compare/evidence.js';
import type { Spread } from '../../harness/results/types.js';
import { formatMs, formatRps } from '../../harness/formatting/numbers.js';
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

/** What the verdict rests on: points without a p99, and which evidence told each change past the threshold from chance. */
export function comparisonNotes({ points }: Comparison): string[] {
  const noP99 = points.filter((point) => point.p99 === null);
  return [
    ...(noP99.length > 0
      ? [`p99 not comparable at ${noP99.map(pointNamer(points)).join(', ')}: a run had no successful request there, so only throughput was compared`]
      : []),
    ...evidenceNotes(points),
  ];
}

/** One sentence for each kind of evidence the points rested on, strongest first. */
function evidenceNotes(points: PointComparison[]): string[] {
  const byKind = new Map<EvidenceKind, Evidence[]>();
  for (const point of points) {
    const evidence = point.throughput.evidence;
    byKind.set(evidence.kind, [...(byKind.get(evidence.kind) ?? []), evidence]);
  }
  const share = (kind: EvidenceKind) => {
    const n = byKind.get(kind)?.length ?? 0;
    return n === points.length ? '' : ` (${n} of ${points.length} points)`;
  };
  const notes: string[] = [];
  const tested = byKind.get('repeats');
  if (tested) {
    const [first] = tested;
    notes.push(
      `a change past the threshold counts when a one-sided Mann-Whitney U test on the repeats gives p < ${SIGNIFICANCE_LEVEL}` +
        ` (${first!.test!.baseRepeats} repeats in BASE, ${first!.test!.newRepeats} in NEW)${share('repeats')}`,
    );
  }
  const spreads = byKind.get('spreads');
  if (spreads) {
    const test = spreads[0]!.test!;
    notes.push(
      `with ${test.baseRepeats} repeats in BASE and ${test.newRepeats} in NEW no rank test can reach p < ${SIGNIFICANCE_LEVEL}` +
        ` (the smallest one-sided p is ${formatPValue(test.smallestPValue)}), so a change past the threshold counts when the repeats' ranges lie apart by more than the threshold${share('spreads')};` +
        ' run both with --repeat 5 for a test',
    );
  }
  const seconds = byKind.get('seconds');
  if (seconds) {
    notes.push(
      `without repeats in both runs, a change past the threshold counts when a one-sided Mann-Whitney U test on the per-second figures of the two windows gives p < ${SIGNIFICANCE_LEVEL}${share('seconds')};` +
        ' that tells the windows apart, not noise between runs: run both with --repeat 5 for that',
    );
  }
  if (byKind.has('threshold')) {
    notes.push(
      byKind.size === 1
        ? `without repeats in both runs, and with windows shorter than ${MIN_SECONDS} whole seconds, the verdict rests on single measurements, the threshold alone (run both with --repeat 5 for a significance test)`
        : `the threshold alone decides ${byKind.get('threshold')!.length} of ${points.length} points: single measurements, with windows shorter than ${MIN_SECONDS} whole seconds`,
    );
  }
  return notes;
}

/** "NEW is incomplete: …" when an incomplete NEW fails the comparison, first of all it prints; a warning when accepted. */
export function incompleteLine(comparison: Comparison): string | undefined {
  if (comparison.newIncomplete === null) return undefined;
  return comparison.partialAccepted
    ? `NEW is incomplete: ${comparison.newIncomplete}; judged on the points it has (--allow-partial)`
    : `NEW is incomplete: ${comparison.newIncomplete}; a partial run cannot pass a comparison: rerun NEW, or pass --allow-partial to judge the points it has`;
}

/** "no regression past 10%" or "2 regressions past 10%: node-prefork ×4 → ×2 c=8 (req/s −49.8%, p=0.004), …", and whether NEW was whole. */
export function verdict(comparison: Comparison): string {
  const { regressions, points } = comparison;
  const rule = `past ${comparison.thresholdPct}%`;
  const unjudged = comparison.newIncomplete !== null && !comparison.partialAccepted ? ' in the points NEW measured; NEW is incomplete, so the comparison fails' : '';
  if (regressions.length === 0) return `no regression ${rule}${unjudged}`;
  const name = pointNamer(points);
  const described = regressions.map((point) => {
    const what = [
      ...(point.throughput.regressed ? [describeChange('req/s', point.throughput)] : []),
      ...(point.p99?.regressed ? [describeChange('p99', point.p99)] : []),
    ];
    return `${name(point)} (${what.join(', ')})`;
  });
  return `${regressions.length} regression${regressions.length === 1 ? '' : 's'} ${rule}: ${described.join('; ')}${unjudged}`;
}

/** "req/s −49.8%" and what told it from chance: "p=0.004", "p=0.008 over seconds", "repeats apart: 128–131 vs 32.1–33". */
function describeChange(name: 'req/s' | 'p99', change: MetricChange): string {
  return `${name} ${formatChange(change.changePct)}${evidenceWords(change.evidence, name === 'req/s' ? formatRps : formatMs)}`;
}

function evidenceWords({ kind, test, spreads }: Evidence, format: (n: number) => string): string {
  const range = ({ min, max }: Spread) => `${format(min)}–${format(max)}`;
  if (kind === 'repeats') return `, p=${formatPValue(test!.pValue)}`;
  if (kind === 'seconds') return `, p=${formatPValue(test!.pValue)} over seconds`;
  if (kind === 'spreads') return `, repeats apart: ${range(spreads!.base)} vs ${range(spreads!.next)}`;
  return '';
}

/** Names points as "node-prefork ×4 → ×2 c=8", with the path when the comparison spans several. */
function pointNamer(points: PointComparison[]): (point: PointComparison) => string {
  const severalPaths = new Set(points.map((point) => point.path)).size > 1;
  return (point) => [describeDeployment(point), ...(severalPaths ? [point.path] : []), describeLevel(point)].join(' ');
}
