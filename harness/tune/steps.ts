import type { ResultRow, Slo } from '../results/types.js';
import { meetsSlo } from './slo.js';
import { GAIN } from './sizes.js';

export type StepDecision = { next: number } | { stop: 'slo' | 'flat' | 'cap' };

/** Latency risen by this factor over one doubling of clients is a queue forming, not noise. */
const LATENCY_ROSE = 1.1;

/**
 * The next closed-loop load level for one configuration, from what it has measured so far (in
 * order): the next rung of the ladder, or why to stop. Stepping stops as soon as a level misses
 * the SLO (higher loads only queue more), or once doubling the clients gained less than 5% of
 * throughput while latency rose (the pool is full: Little's law, more clients only wait longer).
 */
export function nextStep(measured: ResultRow[], slo: Slo, ladder: number[]): StepDecision {
  const last = measured[measured.length - 1];
  if (!last) return { next: ladder[0]! };
  if (!meetsSlo(last, slo)) return { stop: 'slo' };
  const before = measured[measured.length - 2];
  if (before && flattened(before, last)) return { stop: 'flat' };
  const next = ladder.find((c) => c > last.concurrency);
  return next === undefined ? { stop: 'cap' } : { next };
}

function flattened(before: ResultRow, last: ResultRow): boolean {
  const gained = last.throughputRps > before.throughputRps * (1 + GAIN);
  const rose = (last.latencyMs?.mean ?? 0) > (before.latencyMs?.mean ?? 0) * LATENCY_ROSE;
  return !gained && rose;
}
