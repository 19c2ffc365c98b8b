import type { ModelPrediction } from '../harness/results/types.js';

/**
 * Little's law turned around: a deployment holding K requests at once, each taking d ms, serves
 * at most K × 1000 / d req/s. Null when K is unbounded or d unknown: there is no knee to mark.
 */
export function capacityRps(model: ModelPrediction): number | null {
  if (model.capacity === null || model.serviceMs === null || model.serviceMs <= 0) return null;
  return (model.capacity * 1000) / model.serviceMs;
}
