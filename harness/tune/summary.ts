import type { PlannedDeployment } from '../plan.js';
import type { ResultRow, TunedConfiguration, TuneSummary } from '../results.js';
import { recommend, type Criteria, type MeasuredConfiguration } from './recommend.js';
import { meetsSlo, sloLatency } from './slo.js';

/** One configuration the sweep tried, and why its stepping stopped. */
export interface Tried {
  planned: PlannedDeployment;
  stoppedBy: TunedConfiguration['stoppedBy'];
}

/** Each tried configuration's highest throughput within the SLO, from its rows. */
export function measuredConfiguration(tried: Tried, rows: ResultRow[], criteria: Pick<Criteria, 'slo'>): MeasuredConfiguration {
  const { spec } = tried.planned;
  const own = rows.filter((row) => row.deployment === tried.planned.label);
  const best = own.filter((row) => meetsSlo(row, criteria.slo)).sort((a, b) => b.throughputRps - a.throughputRps)[0];
  const shown = best ?? own[0];
  return {
    deployment: tried.planned.label,
    server: spec.kind,
    workers: spec.workers,
    ...(spec.threads !== undefined && { threads: spec.threads }),
    proxy: spec.proxy,
    size: spec.workers * (spec.threads ?? 1),
    throughputAtSloRps: best ? best.throughputRps : null,
    atLoad: best ? best.concurrency : null,
    latencyMs: shown ? sloLatency(shown, criteria.slo) : null,
    peakPssMb: shown ? shown.resources.peakPssMb : null,
    peakRssMb: shown ? shown.resources.peakRssMb : null,
    stoppedBy: tried.stoppedBy,
  };
}

/** The `tune` section of results.json: every configuration ranked, and the recommendation with its reason. */
export function tuneSummary(tried: Tried[], rows: ResultRow[], criteria: Criteria, notes: string[]): TuneSummary {
  const verdict = recommend(
    tried.map((t) => measuredConfiguration(t, rows, criteria)),
    criteria,
  );
  return {
    slo: criteria.slo,
    budgetMb: criteria.budgetMb,
    tolerance: criteria.tolerance,
    bestRps: verdict.bestRps,
    recommended: verdict.recommended,
    reason: verdict.reason,
    notes,
    ranked: verdict.ranked,
  };
}
