import type { PlannedDeployment } from './plan.js';
import { predict, predictCapacity } from './model.js';
import type { PointMeasurement } from './load/measure.js';
import { GENERATOR_SATURATED_PERCENT } from './load/measure.js';
import type { FaultOutcome, PointEvent, ResultRow, Spread } from './results.js';

/** A load level: closed-loop clients, or an open-loop rate on some connections. */
export type Level = { concurrency: number } | { offeredRps: number; connections: number };

/** One measurement of a point, with whatever happened during it. */
export interface Sample extends PointMeasurement {
  events?: PointEvent[];
  fault?: FaultOutcome;
}

/** Every sample of one point (deployment × path × level), repeats included. */
export interface PointSamples {
  planned: PlannedDeployment;
  path: string;
  level: Level;
  samples: Sample[];
}

/** An open-loop point that achieved less than this share of its offered load fell behind. */
const KEPT_UP = 0.95;

/**
 * The result row of a point: medians over its repeats (errors: the worst repeat, so that an error
 * in one repeat never disappears), min–max spreads, Little's-law prediction, and what the
 * generator and the deployment's processes used.
 */
export function toRow(point: PointSamples): ResultRow {
  const { planned, path, level, samples } = point;
  const representative = medianBy(samples, (s) => s.throughputRps);
  const model = predictCapacity(planned.kind, planned.spec, path);
  const open = 'offeredRps' in level;
  const prediction = predict(model, open ? { offeredRps: level.offeredRps } : { concurrency: level.concurrency });
  const throughputRps = median(samples.map((s) => s.throughputRps));
  const worst = (pick: (s: Sample) => number) => Math.max(...samples.map(pick));
  const row: ResultRow = {
    deployment: planned.label,
    server: planned.spec.kind,
    workers: planned.spec.workers,
    ...(planned.spec.threads !== undefined && { threads: planned.spec.threads }),
    proxy: planned.spec.proxy,
    path,
    loop: open ? 'open' : 'closed',
    concurrency: open ? level.connections : level.concurrency,
    ...(open && { offeredRps: level.offeredRps }),
    durationS: representative.durationS,
    requests: median(samples.map((s) => s.requests)),
    throughputRps,
    // Each field's median over the repeats: as p99 ≤ max in every sample, so in the medians.
    latencyMs: {
      p50: median(samples.map((s) => s.latencyMs.p50)),
      p90: median(samples.map((s) => s.latencyMs.p90)),
      p99: median(samples.map((s) => s.latencyMs.p99)),
      p999: median(samples.map((s) => s.latencyMs.p999)),
      max: median(samples.map((s) => s.latencyMs.max)),
      mean: median(samples.map((s) => s.latencyMs.mean)),
    },
    errors: worst((s) => s.errors),
    timeouts: worst((s) => s.timeouts),
    non2xx: worst((s) => s.non2xx),
    ...prediction,
    throughputRatio: prediction.predictedThroughputRps ? round(throughputRps / prediction.predictedThroughputRps) : null,
    model,
    repeats: samples.length,
    samples: 0,
    timelineRepeat: 1,
    generator: {
      engine: 'builtin',
      placement: 'shared',
      cpuMsPerRequest: null,
      eventLoopDelayMs: null,
      cpuPercent: worst((s) => s.generatorCpuPercent),
      saturated: samples.some((s) => s.generatorCpuPercent >= GENERATOR_SATURATED_PERCENT),
    },
    resources: {
      cpuPercent: median(samples.map((s) => s.resources.cpuPercent)),
      peakRssMb: worst((s) => s.resources.peakRssMb),
      peakPssMb: samples.every((s) => s.resources.peakPssMb === null) ? null : worst((s) => s.resources.peakPssMb ?? 0),
      processes: worst((s) => s.resources.processes),
    },
    timeline: representative.timeline,
    ...(representative.events && { events: representative.events }),
    ...(representative.fault && { fault: representative.fault }),
  };
  if (open) {
    row.unsent = worst((s) => s.unsent ?? 0);
    row.saturated = throughputRps < KEPT_UP * level.offeredRps || row.errors + row.timeouts + row.non2xx > 0;
  }
  if (samples.length > 1) {
    row.spread = {
      throughputRps: spread(samples.map((s) => s.throughputRps)),
      p50Ms: spread(samples.map((s) => s.latencyMs.p50)),
      p99Ms: spread(samples.map((s) => s.latencyMs.p99)),
    };
  }
  return row;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

function medianBy<T>(items: T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function spread(values: number[]): Spread {
  return { min: Math.min(...values), max: Math.max(...values) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
