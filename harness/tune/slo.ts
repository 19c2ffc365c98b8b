import { InvalidArgumentError } from 'commander';
import type { ResultRow, Slo } from '../results/types.js';

const PERCENTILES: Record<string, Slo['percentile']> = { p50: 'p50', p90: 'p90', p99: 'p99', 'p99.9': 'p999', p999: 'p999' };

/** --slo: "p99<200ms" (also p50, p90, p99.9; ms or s; <= for <). */
export function parseSlo(value: string): Slo {
  const match = /^\s*(p50|p90|p99\.9|p999|p99)\s*<=?\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/i.exec(value);
  const maxMs = match ? Number(match[2]) * (match[3]!.toLowerCase() === 's' ? 1000 : 1) : NaN;
  if (!match || !(maxMs > 0)) {
    throw new InvalidArgumentError('expected a percentile and a latency bound, e.g. p99<200ms (percentiles: p50, p90, p99, p99.9; units: ms, s)');
  }
  return { percentile: PERCENTILES[match[1]!.toLowerCase()]!, maxMs };
}

/** "p99<200ms", as the flag is written. */
export function describeSlo(slo: Slo): string {
  return `${slo.percentile === 'p999' ? 'p99.9' : slo.percentile}<${slo.maxMs}ms`;
}

/** The SLO's percentile of a row, in ms; null when no request succeeded. */
export function sloLatency(row: ResultRow, slo: Slo): number | null {
  return row.samples > 0 && row.latencyMs ? row.latencyMs[slo.percentile] : null;
}

/** A point meets the SLO when its percentile is within the bound and no request failed. */
export function meetsSlo(row: ResultRow, slo: Slo): boolean {
  const latency = sloLatency(row, slo);
  return latency !== null && latency <= slo.maxMs && row.errors === 0 && row.non2xx === 0;
}
