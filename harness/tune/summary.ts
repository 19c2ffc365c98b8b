import { sampledResources } from '../formatting/numbers.js';
import { appProcesses } from '../model/predict.js';
import type { PlannedDeployment } from '../plan/build-plan.js';
import type { MeasuredOn, Placement, ResultRow, TunedConfiguration, TuneSummary } from '../results/types.js';
import { cpuBoundBy } from './measured-on.js';
import { recommend, type Criteria, type MeasuredConfiguration } from './recommend.js';
import { meetsSlo, sloLatency } from './slo.js';

/** One configuration the sweep tried, and why its stepping stopped. */
export interface Tried {
  planned: PlannedDeployment;
  stoppedBy: TunedConfiguration['stoppedBy'];
}

/** Each tried configuration's highest throughput within the SLO, from its rows, and whether the server's cores bounded it there. */
export function measuredConfiguration(tried: Tried, rows: ResultRow[], criteria: Pick<Criteria, 'slo'>, placement: Placement): MeasuredConfiguration {
  const { spec, kind } = tried.planned;
  const processes = appProcesses(kind, spec);
  const own = rows.filter((row) => row.deployment === tried.planned.label);
  const best = own.filter((row) => meetsSlo(row, criteria.slo)).sort((a, b) => b.throughputRps - a.throughputRps)[0];
  const shown = best ?? own[0];
  const cpu = shown && sampledResources(shown.resources);
  const cpuBound = shown && cpuBoundBy(shown, processes, placement);
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
    ...(cpu && { cpuPercent: cpu.cpuPercent }),
    appProcesses: processes,
    ...(cpuBound && { cpuBound }),
  };
}

/** The `tune` section of results.json: every configuration ranked, the recommendation with its reason, and what it was measured on. */
export function tuneSummary(tried: Tried[], rows: ResultRow[], criteria: Criteria, notes: string[], measuredOn: MeasuredOn): TuneSummary {
  const verdict = recommend(
    tried.map((t) => measuredConfiguration(t, rows, criteria, measuredOn.placement)),
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
    measuredOn,
  };
}
