import { machineDifferences, settingDifferences, startedDifferently, type Difference } from './compare-settings.js';
import { mannWhitneyU, smallestPValue, type Alternative } from './mann-whitney.js';
import type { RepeatFigures, ResultRow, RunResults, Spread } from './results.js';

export const DEFAULT_THRESHOLD_PCT = 10;
/** A change past the threshold counts when the test puts it below this p-value. */
export const SIGNIFICANCE_LEVEL = 0.05;

/** The one-sided Mann-Whitney U test of NEW's repeats against BASE's, in the worse direction. */
export interface SignificanceTest {
  pValue: number;
  baseRepeats: number;
  newRepeats: number;
  /** The smallest p these repeat counts allow: when it is not below SIGNIFICANCE_LEVEL, no change can count. */
  smallestPValue: number;
}

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
  /** When both runs have per-repeat figures (2 or more repeats each); null when the threshold alone decides. */
  test: SignificanceTest | null;
  /** Past the threshold and, when tested, significant (p < SIGNIFICANCE_LEVEL). */
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
  regressed: boolean;
}

/**
 * Matches the load points of two runs and flags regressions: throughput down, or p99 up, by more
 * than thresholdPct. When both runs repeated a point, the change must also be significant: a
 * one-sided Mann-Whitney U test on the per-repeat figures must give p < SIGNIFICANCE_LEVEL, so that
 * noise the runs themselves measured is not called a regression.
 */
export function compareRuns(base: RunResults, next: RunResults, thresholdPct: number): Comparison {
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
  return {
    thresholdPct,
    settingDifferences: settingDifferences(base, next),
    machineDifferences: machineDifferences(base, next),
    startedDifferently: startedDifferently(pairs),
    points,
    regressions,
    onlyInBase,
    onlyInNew,
    regressed: regressions.length > 0,
  };
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
    measured(base, base.throughputRps, (r) => r.throughputRps, (s) => s.throughputRps),
    measured(next, next.throughputRps, (r) => r.throughputRps, (s) => s.throughputRps),
    thresholdPct,
    'less',
  );
  const p99 =
    base.latencyMs === null || next.latencyMs === null
      ? null
      : metricChange(
          // A repeat in which no request succeeded has no p99: it ranks as the slowest of all.
          measured(base, base.latencyMs.p99, (r) => r.p99Ms ?? Infinity, (s) => s.p99Ms),
          measured(next, next.latencyMs.p99, (r) => r.p99Ms ?? Infinity, (s) => s.p99Ms),
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

/** One figure of one run at a point: the row's value, and each repeat's when there are two or more. */
interface Measured {
  value: number;
  spread: Spread | undefined;
  repeats: number[] | undefined;
}

type Spreads = NonNullable<ResultRow['spread']>;

function measured(row: ResultRow, value: number, ofRepeat: (r: RepeatFigures) => number, ofSpread: (s: Spreads) => Spread): Measured {
  const repeats = row.perRepeat !== undefined && row.perRepeat.length >= 2 ? row.perRepeat.map(ofRepeat) : undefined;
  return { value, spread: row.repeats > 1 && row.spread ? ofSpread(row.spread) : undefined, repeats };
}

/** `worse`: which way NEW moves when it regresses ('less' throughput, 'greater' latency). */
function metricChange(base: Measured, next: Measured, thresholdPct: number, worse: Alternative): MetricChange {
  const changePct = base.value === 0 ? null : ((next.value - base.value) / base.value) * 100;
  const worsePct = changePct === null ? 0 : worse === 'less' ? -changePct : changePct;
  const pastThreshold = worsePct > thresholdPct;
  const test = significance(base.repeats, next.repeats, worse);
  return {
    base: base.value,
    next: next.value,
    baseSpread: base.spread,
    newSpread: next.spread,
    changePct,
    pastThreshold,
    test,
    regressed: pastThreshold && (test === null || test.pValue < SIGNIFICANCE_LEVEL),
  };
}

function significance(base: number[] | undefined, next: number[] | undefined, worse: Alternative): SignificanceTest | null {
  if (base === undefined || next === undefined) return null;
  return {
    pValue: mannWhitneyU(next, base, worse).pValue,
    baseRepeats: base.length,
    newRepeats: next.length,
    smallestPValue: smallestPValue(next.length, base.length),
  };
}
