import type { ResultRow, RunResults, Spread } from './results.js';

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
  /** Past the threshold and, when both runs were repeated, beyond the spread the repeats measured. */
  regressed: boolean;
}

/** Where a row was measured: the load level, whatever the loop. */
export interface LoadLevel {
  loop: 'closed' | 'open';
  /** Concurrency for closed-loop points, offered req/s for open-loop ones. */
  level: number;
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
  p99: MetricChange;
  regressed: boolean;
}

export interface Comparison {
  thresholdPct: number;
  /** Points measured by both runs, in NEW's order. */
  points: PointComparison[];
  regressions: PointComparison[];
  onlyInBase: UnmatchedPoint[];
  onlyInNew: UnmatchedPoint[];
  regressed: boolean;
}

/**
 * Matches the load points of two runs and flags regressions: throughput down, or p99 up, by more
 * than thresholdPct. When both runs were repeated, a change must also lie beyond the min–max
 * spread of the repeats, so that noise the runs themselves measured is not called a regression.
 */
export function compareRuns(base: RunResults, next: RunResults, thresholdPct: number): Comparison {
  const newLabelOf = pairDeployments(base.results, next.results);
  const baseByKey = new Map(base.results.map((row) => [pointKey(newLabelOf.get(row.deployment) ?? row.deployment, row), row]));
  const matchedKeys = new Set<string>();
  const points: PointComparison[] = [];
  const onlyInNew: UnmatchedPoint[] = [];
  for (const row of next.results) {
    const key = pointKey(row.deployment, row);
    const baseRow = baseByKey.get(key);
    if (baseRow === undefined) {
      onlyInNew.push(unmatched(row));
      continue;
    }
    matchedKeys.add(key);
    points.push(comparePoint(baseRow, row, thresholdPct));
  }
  const onlyInBase = [...baseByKey].filter(([key]) => !matchedKeys.has(key)).map(([, row]) => unmatched(row));
  const regressions = points.filter((point) => point.regressed);
  return { thresholdPct, points, regressions, onlyInBase, onlyInNew, regressed: regressions.length > 0 };
}

// results.json files written before open-loop runs existed have no `loop`: they are closed-loop.
function loadLevel(row: ResultRow): LoadLevel {
  return row.loop === 'open' ? { loop: 'open', level: row.offeredRps ?? 0 } : { loop: 'closed', level: row.concurrency };
}

function unmatched(row: ResultRow): UnmatchedPoint {
  return { deployment: row.deployment, path: row.path, ...loadLevel(row) };
}

function pointKey(deployment: string, row: ResultRow): string {
  const { loop, level } = loadLevel(row);
  return JSON.stringify([deployment, row.path, loop, level]);
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
    { value: base.throughputRps, spread: repeatedSpread(base)?.throughputRps },
    { value: next.throughputRps, spread: repeatedSpread(next)?.throughputRps },
    thresholdPct,
    'lower is worse',
  );
  const p99 = metricChange(
    { value: base.latencyMs?.p99 ?? 0, spread: repeatedSpread(base)?.p99Ms },
    { value: next.latencyMs?.p99 ?? 0, spread: repeatedSpread(next)?.p99Ms },
    thresholdPct,
    'higher is worse',
  );
  return {
    baseDeployment: base.deployment,
    newDeployment: next.deployment,
    path: next.path,
    ...loadLevel(next),
    throughput,
    p99,
    regressed: throughput.regressed || p99.regressed,
  };
}

interface Measured {
  value: number;
  spread: Spread | undefined;
}

type Direction = 'lower is worse' | 'higher is worse';

function repeatedSpread(row: ResultRow): ResultRow['spread'] {
  return row.repeats > 1 ? row.spread : undefined;
}

function metricChange(base: Measured, next: Measured, thresholdPct: number, direction: Direction): MetricChange {
  const changePct = base.value === 0 ? null : ((next.value - base.value) / base.value) * 100;
  const worsePct = changePct === null ? 0 : direction === 'lower is worse' ? -changePct : changePct;
  const pastThreshold = worsePct > thresholdPct;
  return {
    base: base.value,
    next: next.value,
    baseSpread: base.spread,
    newSpread: next.spread,
    changePct,
    pastThreshold,
    regressed: pastThreshold && beyondSpread(base.spread, next.spread, direction),
  };
}

/**
 * When both runs repeated the point, NEW's whole range must lie on the worse side of BASE's:
 * overlapping ranges are within the noise the runs measured. Otherwise the threshold alone decides.
 */
function beyondSpread(base: Spread | undefined, next: Spread | undefined, direction: Direction): boolean {
  if (base === undefined || next === undefined) return true;
  return direction === 'lower is worse' ? next.max < base.min : next.min > base.max;
}
