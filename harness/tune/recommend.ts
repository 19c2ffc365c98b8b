import { formatMb, formatRps } from '../formatting/numbers.js';
import { findKind } from '../deployments/kinds.js';
import type { Slo, TunedConfiguration } from '../results/types.js';
import { describeSlo } from './slo.js';
import { threadsInClass } from './pool-axis.js';
import { alwaysBehindNginx } from '../deployments/kind.js';

/** A configuration as measured, before the verdict says whether it fits the budget and where its class's knee is. */
export type MeasuredConfiguration = Omit<TunedConfiguration, 'withinBudget' | 'knee'>;

export interface Verdict {
  recommended: string | null;
  reason: string;
  bestRps: number | null;
  ranked: TunedConfiguration[];
}

export interface Criteria {
  slo: Slo;
  budgetMb: number | null;
  /** Within this share of the best throughput a configuration is as good as the best (0.05). */
  tolerance: number;
}

/** What a configuration costs in memory: its PSS, or its RSS where PSS could not be read. */
export function memoryOf(c: MeasuredConfiguration): { mb: number | null; measure: 'PSS' | 'RSS' } {
  return c.peakPssMb !== null ? { mb: c.peakPssMb, measure: 'PSS' } : { mb: c.peakRssMb, measure: 'RSS' };
}

/**
 * The configuration to ship: among those that met the SLO within the memory budget, the smallest
 * (fewest workers × threads, then least memory) whose throughput within the SLO is within
 * `tolerance` of the best. Null, with the reason, when none met the SLO or none of those fits the budget.
 */
export function recommend(configurations: MeasuredConfiguration[], criteria: Criteria): Verdict {
  const { slo, budgetMb, tolerance } = criteria;
  const fits = (c: MeasuredConfiguration) => budgetMb === null || (memoryOf(c).mb ?? Infinity) <= budgetMb;
  const knees = kneesOf(configurations, tolerance);
  const ranked = [...configurations]
    .sort((a, b) => (b.throughputAtSloRps ?? -1) - (a.throughputAtSloRps ?? -1) || bySmallest(a, b))
    .map((c) => ({ ...c, withinBudget: fits(c), knee: knees.has(c) }));
  const sloText = describeSlo(slo);
  const met = ranked.filter((c) => c.throughputAtSloRps !== null);
  if (met.length === 0) return { recommended: null, bestRps: null, ranked, reason: noneMet(ranked, slo) };
  const affordable = met.filter((c) => c.withinBudget);
  if (affordable.length === 0) {
    const cheapest = [...met].sort((a, b) => (memoryOf(a).mb ?? Infinity) - (memoryOf(b).mb ?? Infinity))[0]!;
    return {
      recommended: null,
      bestRps: null,
      ranked,
      reason:
        `${count(met.length)} met ${sloText}, but none within the ${budgetMb} MB budget: ` +
        `the smallest in memory, ${cheapest.deployment}, needs ${mb(cheapest)}`,
    };
  }
  const best = affordable[0]!;
  const bestRps = best.throughputAtSloRps!;
  const chosen = affordable.filter((c) => c.throughputAtSloRps! >= bestRps * (1 - tolerance)).sort(bySmallest)[0]!;
  const overBudget = met.filter((c) => !c.withinBudget && c.throughputAtSloRps! > bestRps * (1 + tolerance));
  const reason =
    `${chosen.deployment}: ${formatRps(chosen.throughputAtSloRps!)} req/s within ${sloText} (at c=${chosen.atLoad})` +
    (chosen === best
      ? ', the best throughput within the SLO'
      : `, within ${Math.round(tolerance * 100)}% of the best (${formatRps(bestRps)}, ${best.deployment}) with ${savings(chosen, best)}`) +
    `; ${mb(chosen)}` +
    (overBudget.length > 0 ? `; ${overBudget[0]!.deployment} served more (${formatRps(overBudget[0]!.throughputAtSloRps!)}) but needs ${mb(overBudget[0]!)}, over the ${budgetMb} MB budget` : '');
  return { recommended: chosen.deployment, bestRps, ranked, reason };
}

/** Fewest workers × threads, then least memory, then the higher throughput. */
function bySmallest(a: MeasuredConfiguration, b: MeasuredConfiguration): number {
  return a.size - b.size || (memoryOf(a).mb ?? Infinity) - (memoryOf(b).mb ?? Infinity) || (b.throughputAtSloRps ?? -1) - (a.throughputAtSloRps ?? -1);
}

/** Per class (kind, proxy and threads), the smallest size within the tolerance of the class's best. */
function kneesOf(configurations: MeasuredConfiguration[], tolerance: number): Set<MeasuredConfiguration> {
  const classes = new Map<string, MeasuredConfiguration[]>();
  for (const c of configurations) {
    const key = classOf(c);
    classes.set(key, [...(classes.get(key) ?? []), c]);
  }
  const knees = new Set<MeasuredConfiguration>();
  for (const members of classes.values()) {
    const met = members.filter((c) => c.throughputAtSloRps !== null);
    const best = Math.max(...met.map((c) => c.throughputAtSloRps!));
    const knee = met.filter((c) => c.throughputAtSloRps! >= best * (1 - tolerance)).sort(bySmallest)[0];
    if (knee) knees.add(knee);
  }
  return knees;
}

/** A class of configurations: one line on tune.png ("gunicorn-gthread (4 threads)"; "waitress", whose threads are its axis). */
export function classOf(c: Pick<TunedConfiguration, 'server' | 'proxy' | 'threads'>): string {
  const kind = findKind(c.server);
  const suffix = c.proxy !== 'none' && !(kind && alwaysBehindNginx(kind)) ? `+${c.proxy}` : '';
  const threads = threadsInClass(c);
  return `${c.server}${suffix}${threads !== undefined ? ` (${threads} threads)` : ''}`;
}

function savings(chosen: MeasuredConfiguration, best: MeasuredConfiguration): string {
  const unit = chosen.threads !== undefined || best.threads !== undefined ? 'workers × threads' : 'workers';
  if (chosen.size < best.size) {
    return best.size === chosen.size * 2 ? `half the ${unit}` : `${chosen.size} ${unit} instead of ${best.size}`;
  }
  return `less memory (${mb(chosen)} instead of ${mb(best)})`;
}

function mb(c: MeasuredConfiguration): string {
  const { mb, measure } = memoryOf(c);
  return `${formatMb(mb)} MB ${measure}`;
}

function count(n: number): string {
  return n === 1 ? '1 configuration' : `${n} configurations`;
}

function noneMet(ranked: TunedConfiguration[], slo: Slo): string {
  const seen = ranked.filter((c) => c.latencyMs !== null).sort((a, b) => a.latencyMs! - b.latencyMs!)[0];
  const name = describeSlo(slo).split('<')[0];
  return (
    `no configuration met ${describeSlo(slo)}, not even at its lowest load` +
    (seen ? `: the lowest ${name} was ${Math.round(seen.latencyMs!)} ms (${seen.deployment} at c=${seen.atLoad ?? 1})` : ': no request succeeded')
  );
}
