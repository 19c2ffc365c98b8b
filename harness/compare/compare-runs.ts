import { machineDifferences, settingDifferences, startedDifferently, type Difference } from './setting-differences.js';
import { weighEvidence, type Evidence, type Samples } from './evidence.js';
import type { Alternative } from '../stats/mann-whitney.js';
import type { RepeatFigures, ResultRow, RunResults, Spread, TimelineSecond } from '../results/types.js';

export { SIGNIFICANCE_LEVEL, type Evidence, type SignificanceTest } from './evidence.js';

export const DEFAULT_THRESHOLD_PCT = 10;

/** How one figure moved from BASE to NEW. */
export interface MetricChange {
  base: number;
  next: number;
  /** min–max over the repeats, when that run repeated the point. */
  baseSpread?: Spread;
  newSpread?: Spread;
  /** (next − base) / base in percent; null when BASE measured 0, which gives no scale to compare against. */
  changePct: number | null;
  /** The change goes the bad way by more than the threshold. */
  pastThreshold: boolean;
  /** What tells this change from chance (harness/compare/evidence.ts), and whether it does. */
  evidence: Evidence;
  /** Past the threshold and not chance on the strongest evidence the runs hold. */
  regressed: boolean;
}

/** Where a row was measured: the load level, whatever the loop. */
export interface LoadLevel {
  loop: 'closed' | 'open';
  /** Concurrency for closed-loop points, offered req/s for open-loop ones. */
  level: number;
  /** Slow clients beside the load at this point, when there were any (xAxis: slow-clients runs differ in nothing else). */
  slowClients?: number;
}

/** A point measured by one run only. */
export interface UnmatchedPoint extends LoadLevel {
  deployment: string;
  path: string;
}

/** One load point measured by both runs. */
export interface PointComparison extends LoadLevel {
  baseDeployment: string;
  /** Differs from baseDeployment when the same deployment kind was reconfigured (e.g. ×4 → ×2 workers). */
  newDeployment: string;
  path: string;
  throughput: MetricChange;
  /** null when either run had no successful request here: there is no p99 to compare, only throughput. */
  p99: MetricChange | null;
  regressed: boolean;
}

export interface Comparison {
  thresholdPct: number;
  /** Settings that change the figures and differ between the runs (bench compare refuses these unless told otherwise). */
  settingDifferences: Difference[];
  /** The runs' machines differ: figures may move for that alone. */
  machineDifferences: Difference[];
  /** Deployments whose servers were started with another command line or nginx.conf ("gunicorn-sync ×4 (command line)"). */
  startedDifferently: string[];
  /** Points measured by both runs, in NEW's order. */
  points: PointComparison[];
  regressions: PointComparison[];
  onlyInBase: UnmatchedPoint[];
  onlyInNew: UnmatchedPoint[];
  /**
   * Why NEW does not cover what BASE measured (interrupted, a deployment failed, points missing),
   * in words; null when it does. A CI gate must not pass on half a run.
   */
  newIncomplete: string | null;
  /** --allow-partial: an incomplete NEW is judged on the points it has; otherwise it fails the comparison. */
  partialAccepted: boolean;
  regressed: boolean;
  /** What bench compare exits 1 for: a regression, or an incomplete NEW not accepted. */
  failed: boolean;
}

export interface CompareRules {
  thresholdPct: number;
  allowPartial?: boolean;
}

/**
 * Matches the load points of two runs and flags regressions: throughput down, or p99 up, by more
 * than thresholdPct, and not chance on the strongest evidence the runs hold (the repeats, their
 * spreads, or the per-second figures of the windows: harness/compare/evidence.ts), so that noise
 * the runs themselves measured is not called a regression, nor a real drop passed for lack of it.
 */
export function compareRuns(base: RunResults, next: RunResults, { thresholdPct, allowPartial = false }: CompareRules): Comparison {
  const newLabelOf = pairDeployments(base.results, next.results);
  const baseByKey = new Map(base.results.map((row) => [pointKey(newLabelOf.get(row.deployment) ?? row.deployment, row), row]));
  const matchedKeys = new Set<string>();
  const points: PointComparison[] = [];
  const pairs: [ResultRow, ResultRow][] = [];
  const onlyInNew: UnmatchedPoint[] = [];
  for (const row of next.results) {
    const key = pointKey(row.deployment, row);
    const baseRow = baseByKey.get(key);
    if (baseRow === undefined) {
      onlyInNew.push(unmatched(row));
      continue;
    }
    matchedKeys.add(key);
    pairs.push([baseRow, row]);
    points.push(comparePoint(baseRow, row, thresholdPct));
  }
  const onlyInBase = [...baseByKey].filter(([key]) => !matchedKeys.has(key)).map(([, row]) => unmatched(row));
  const regressions = points.filter((point) => point.regressed);
  const newIncomplete = incompleteness(base, next, onlyInBase);
  return {
    thresholdPct,
    settingDifferences: settingDifferences(base, next),
    machineDifferences: machineDifferences(base, next),
    startedDifferently: startedDifferently(pairs),
    points,
    regressions,
    onlyInBase,
    onlyInNew,
    newIncomplete,
    partialAccepted: allowPartial,
    regressed: regressions.length > 0,
    failed: regressions.length > 0 || (newIncomplete !== null && !allowPartial),
  };
}

/** "it was interrupted, gunicorn-sync ×4 failed, and it measured 1 of BASE's 5 points", or null when NEW is whole. */
function incompleteness(base: RunResults, next: RunResults, onlyInBase: UnmatchedPoint[]): string | null {
  const reasons = [
    ...(next.complete ? [] : ['it was interrupted (complete: false)']),
    ...next.failures.map((failure) => `${failure.deployment} failed${failure.atPoint ? ` at ${failure.atPoint}` : ''}`),
    ...(onlyInBase.length > 0 ? [`it measured ${base.results.length - onlyInBase.length} of BASE's ${base.results.length} points`] : []),
  ];
  if (reasons.length === 0) return null;
  return reasons.length === 1 ? reasons[0]! : `${reasons.slice(0, -1).join(', ')} and ${reasons.at(-1)}`;
}

function loadLevel(row: ResultRow): LoadLevel {
  const slow = row.slowClients && { slowClients: row.slowClients.count };
  return row.loop === 'open' ? { loop: 'open', level: row.offeredRps ?? 0, ...slow } : { loop: 'closed', level: row.concurrency, ...slow };
}

function unmatched(row: ResultRow): UnmatchedPoint {
  return { deployment: row.deployment, path: row.path, ...loadLevel(row) };
}

function pointKey(deployment: string, row: ResultRow): string {
  const { loop, level, slowClients } = loadLevel(row);
  return JSON.stringify([deployment, row.path, loop, level, slowClients ?? 0]);
}

/**
 * Maps each BASE deployment label to its NEW counterpart. Labels present in both runs map to
 * themselves. The label spells out the configuration ("node-prefork ×4"), so comparing a
 * reconfigured deployment (--workers 2) would otherwise find nothing in common: a label left
 * over on each side is paired when it is the only one left of its kind (server and proxy).
 */
function pairDeployments(baseRows: ResultRow[], newRows: ResultRow[]): Map<string, string> {
  const newLabels = new Set(newRows.map((row) => row.deployment));
  const baseLabels = new Set(baseRows.map((row) => row.deployment));
  const pairs = new Map<string, string>();
  for (const label of baseLabels) if (newLabels.has(label)) pairs.set(label, label);
  const leftoverBase = leftoverLabelsByKind(baseRows, newLabels);
  const leftoverNew = leftoverLabelsByKind(newRows, baseLabels);
  for (const [kind, baseLeft] of leftoverBase) {
    const newLeft = leftoverNew.get(kind);
    const [onlyBase] = baseLeft;
    const [onlyNew] = newLeft ?? [];
    if (baseLeft.size === 1 && newLeft?.size === 1 && onlyBase !== undefined && onlyNew !== undefined) {
      pairs.set(onlyBase, onlyNew);
    }
  }
  return pairs;
}

function leftoverLabelsByKind(rows: ResultRow[], otherLabels: Set<string>): Map<string, Set<string>> {
  const byKind = new Map<string, Set<string>>();
  for (const row of rows) {
    if (otherLabels.has(row.deployment)) continue;
    const kind = `${row.server} ${row.proxy}`;
    byKind.set(kind, (byKind.get(kind) ?? new Set()).add(row.deployment));
  }
  return byKind;
}

function comparePoint(base: ResultRow, next: ResultRow, thresholdPct: number): PointComparison {
  const throughput = metricChange(
    measured(base, base.throughputRps, (r) => r.throughputRps, (s) => s.throughputRps, (s) => s.rps),
    measured(next, next.throughputRps, (r) => r.throughputRps, (s) => s.throughputRps, (s) => s.rps),
    thresholdPct,
    'less',
  );
  const p99 =
    base.latencyMs === null || next.latencyMs === null
      ? null
      : metricChange(
          // A repeat or second in which no request succeeded has no p99: it ranks as the slowest of all.
          measured(base, base.latencyMs.p99, (r) => r.p99Ms ?? Infinity, (s) => s.p99Ms, secondP99),
          measured(next, next.latencyMs.p99, (r) => r.p99Ms ?? Infinity, (s) => s.p99Ms, secondP99),
          thresholdPct,
          'greater',
        );
  return {
    baseDeployment: base.deployment,
    newDeployment: next.deployment,
    path: next.path,
    ...loadLevel(next),
    throughput,
    p99,
    regressed: throughput.regressed || p99?.regressed === true,
  };
}

/** One figure of one run at a point: the row's value, and the samples that tell its noise. */
interface Measured extends Samples {
  value: number;
  spread: Spread | undefined;
}

type Spreads = NonNullable<ResultRow['spread']>;

function measured(
  row: ResultRow,
  value: number,
  ofRepeat: (r: RepeatFigures) => number,
  ofSpread: (s: Spreads) => Spread,
  ofSecond: (s: TimelineSecond) => number,
): Measured {
  const repeats = row.perRepeat !== undefined && row.perRepeat.length >= 2 ? row.perRepeat.map(ofRepeat) : undefined;
  // The window's last second may be a fraction of one, scaled up: only whole seconds are samples.
  const seconds = row.timeline.filter((second) => second.t + 1 <= row.durationS + 0.05).map(ofSecond);
  return { value, spread: row.repeats > 1 && row.spread ? ofSpread(row.spread) : undefined, repeats, seconds };
}

/** `worse`: which way NEW moves when it regresses ('less' throughput, 'greater' latency). */
function metricChange(base: Measured, next: Measured, thresholdPct: number, worse: Alternative): MetricChange {
  const changePct = base.value === 0 ? null : ((next.value - base.value) / base.value) * 100;
  const worsePct = changePct === null ? 0 : worse === 'less' ? -changePct : changePct;
  const pastThreshold = worsePct > thresholdPct;
  const evidence = weighEvidence(base, next, worse, thresholdPct);
  return {
    base: base.value,
    next: next.value,
    baseSpread: base.spread,
    newSpread: next.spread,
    changePct,
    pastThreshold,
    evidence,
    regressed: pastThreshold && evidence.holds,
  };
}

function secondP99(second: TimelineSecond): number {
  return second.rps > 0 ? second.p99Ms : Infinity;
}
