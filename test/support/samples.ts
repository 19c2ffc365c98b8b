import type { Sample } from '../../harness/results/aggregate.js';
import { LatencyHistogram } from '../../harness/load/histogram.js';

/** The generator and the server on every core: the placement whose model bound is the machine's cores (2 here). */
export const SHARED = { mode: 'shared', serverCpus: null, generatorCpus: null, serverCores: 2 } as const;

/** A measured window whose latencies are `latencies` (ms), each recorded once, as an engine would. */
export function sample(throughputRps: number, latencies: number[], overrides: Partial<Sample> = {}): Sample {
  const histogram = new LatencyHistogram();
  for (const ms of latencies) histogram.recordMs(ms);
  return {
    durationS: 2,
    requests: latencies.length,
    throughputRps,
    samples: latencies.length,
    latencyMs: histogram.summary(),
    errors: 0,
    timeouts: 0,
    refused: 0,
    non2xx: 0,
    histogram: histogram.encode(),
    errorHistogram: new LatencyHistogram().encode(),
    generator: { engine: 'builtin', cpuPercent: 20, cpuMsPerRequest: 0.1, eventLoopDelayMs: { p99: 1, max: 2 } },
    resources: { cpuPercent: 10, peakRssMb: 50, peakPssMb: 20, processes: 5 },
    timeline: [],
    ...overrides,
  };
}

/** `count` latencies of `ms` each. */
export const times = (count: number, ms: number) => Array.from({ length: count }, () => ms);
