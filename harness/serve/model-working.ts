import type { Prediction } from '../model/predict.js';
import type { ModelPrediction } from '../results/types.js';
import { formatRate } from '../formatting/numbers.js';

/** The load the ceiling is worked out for: c clients in a closed loop, or λ req/s offered. */
export type WorkingLoad = { concurrency: number } | { offeredRps: number };

const HELD = /^(.*), (\d+) held by slow clients$/;

/**
 * Little's law worked out with the current numbers, for the page: "min(8 clients, 4 workers) /
 * 0.050 s = 80 req/s". It restates the prediction the tick's ceiling comes from (`predict` of
 * `predictCapacity`), term by term, and its result is that prediction's, so the sentence and the
 * tile can never disagree. Null where the model has no figure (a path whose time is unknown).
 */
export function modelWorking(model: ModelPrediction, load: WorkingLoad, prediction: Prediction): string | null {
  const rps = prediction.predictedThroughputRps;
  if (rps === null || model.serviceMs === null) return null;
  const cpu = /\(CPU-bound\)/.test(model.bound);
  const d = `${(model.serviceMs / 1000).toFixed(3)} s${cpu ? ' of CPU' : ''}`;
  const result = `= ${formatRate(rps)} req/s`;
  const slots = model.capacity === null ? null : slotTerm(model);
  // A ceiling of the app's own CPU (a user's app, measured): a term of its own in the minimum.
  const cpuCap = model.cpuBoundRps === undefined ? '' : `, ${formatRate(model.cpuBoundRps)} req/s of CPU`;
  // "event loop: unbounded" says twice what the sentence ends on.
  const unbounded = `${result} (${model.bound.replace(/: unbounded$/, '')}: no ceiling from slots)`;
  if ('offeredRps' in load) {
    const offered = `${formatRate(load.offeredRps)} req/s offered`;
    if (slots === null && !cpuCap) return `${offered} ${unbounded}`;
    const ceiling = slots === null ? cpuCap.slice(2) : `${/ [−×] /.test(slots) ? `(${slots})` : slots} / ${d}${cpuCap}`;
    return `min(${offered}, ${ceiling}) ${result}`;
  }
  const clients = `${load.concurrency} client${load.concurrency === 1 ? '' : 's'}`;
  if (slots === null) return cpuCap ? `min(${clients} / ${d}${cpuCap}) ${result}` : `${clients} / ${d} ${unbounded}`;
  const base = `min(${clients}, ${slots}) / ${d}`;
  return cpuCap ? `min(${base}${cpuCap}) ${result}` : `${base} ${result}`;
}

/**
 * K as the model bounded it, in words that fit inside min(…): "4 workers", "2 workers × 4
 * threads", "2 cores", "4 workers − 4 held" where slow clients hold some of them; the figure
 * first, its bound after it, where the words do not add up to it ("97 (max_connections …)").
 */
function slotTerm(model: ModelPrediction): string {
  const capacity = model.capacity!;
  const held = HELD.exec(model.bound);
  // Why a bound holds ("(CPU-bound)", "(a blocking wait stops its loop)") is said elsewhere on the page.
  const base = (held ? held[1]! : model.bound).replace(/ \([^()]*\)$/, '').replace(/, one core each$/, ' on a core each');
  const value = termValue(base);
  if (held && value !== undefined && value - Number(held[2]) === capacity) return `${base} − ${held[2]} held`;
  if (held && capacity === 0) return '0 (every slot held by slow clients)';
  return value === capacity ? base : `${capacity} (${base})`;
}

/** What a bound's words count: "4 workers" 4, "2 workers × 4 threads" 8, "Apache's 150 workers" 150; undefined when they are not a plain count. */
function termValue(term: string): number | undefined {
  const match = /^\D*(\d+)[^\d×−]*(?:× (\d+)\D*)?$/.exec(term);
  return match ? Number(match[1]) * Number(match[2] ?? 1) : undefined;
}
