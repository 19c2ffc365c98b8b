import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_VERSION, type ResultRow, type RunResults, type RunSettings } from '../../harness/results/types.js';

export type RowFields = Partial<ResultRow> & Pick<ResultRow, 'deployment' | 'concurrency' | 'throughputRps'> & { p99?: number | null };

/** A valid closed-loop /io?ms=50 row of schema v2; tests vary only what they read. `p99: null`: no request succeeded. */
export function row({ p99 = 60, ...fields }: RowFields): ResultRow {
  return {
    server: fields.deployment.split(' ')[0] ?? fields.deployment,
    workers: 4,
    proxy: 'none',
    path: '/io?ms=50',
    loop: 'closed',
    durationS: 3,
    requests: fields.throughputRps * 3,
    samples: fields.throughputRps * 3,
    latencyMs: p99 === null ? null : { p50: p99 * 0.8, p90: p99 * 0.9, p99, p999: p99 * 1.1, max: p99 * 1.2, mean: p99 * 0.8 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    predictedThroughputRps: null,
    predictedLatencyMs: null,
    throughputRatio: null,
    model: { capacity: 4, bound: '4 workers', serviceMs: 50 },
    repeats: 1,
    generator: { engine: 'builtin', placement: 'shared', cpuPercent: 10, cpuMsPerRequest: 0.1, eventLoopDelayMs: null, saturated: false },
    resources: { cpuPercent: 5, peakRssMb: 50, peakPssMb: 30, processes: 5 },
    timeline: [],
    timelineRepeat: 1,
    ...fields,
  };
}

/**
 * A row measured in several repeats, each with its own throughput and p99 (null: no request
 * succeeded in that repeat); the row holds their medians and min–max, as the pipeline writes them.
 */
export function repeated(
  fields: Omit<RowFields, 'throughputRps'>,
  perRepeat: { throughputRps: number; p99Ms: number | null }[],
): ResultRow {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;
  const spreadOf = (values: number[]) => ({ min: Math.min(...values), max: Math.max(...values) });
  const throughputs = perRepeat.map((r) => r.throughputRps);
  const p99s = perRepeat.map((r) => r.p99Ms).filter((p): p is number => p !== null);
  const p50s = p99s.map((p) => p * 0.8);
  return row({
    throughputRps: median(throughputs),
    p99: p99s.length > 0 ? median(p99s) : null,
    ...fields,
    repeats: perRepeat.length,
    perRepeat: perRepeat.map((r) => ({ throughputRps: r.throughputRps, p50Ms: r.p99Ms === null ? null : r.p99Ms * 0.8, p99Ms: r.p99Ms })),
    spread: { throughputRps: spreadOf(throughputs), p50Ms: spreadOf(p50s), p99Ms: spreadOf(p99s) },
  });
}

export interface RunOverrides {
  scenario?: string;
  /** false: the run was interrupted before its plan ended. */
  complete?: boolean;
  settings?: Partial<RunSettings>;
  environment?: Partial<RunResults['environment']>;
}

/** A complete results.json of schema v2 around the given rows. */
export function run(results: ResultRow[], overrides: RunOverrides = {}): RunResults {
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: overrides.scenario ?? 'fixture',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    complete: overrides.complete ?? true,
    environment: {
      node: 'v20.0.0',
      os: 'linux',
      cpus: 2,
      cpuModel: 'Test CPU @ 2.0GHz',
      totalMemoryMb: 4096,
      benchVersion: '0.1.0',
      software: {},
      serverEnvironment: { names: ['PATH'], removed: [] },
      ...overrides.environment,
    },
    settings: {
      xAxis: 'concurrency',
      durationS: 3,
      warmupS: 0.5,
      timeoutS: 30,
      quick: false,
      generator: 'builtin',
      placement: { mode: 'shared', serverCpus: null, generatorCpus: null, serverCores: 2 },
      maxConnections: 1000,
      concurrency: [1, 8],
      rates: [],
      repeat: 1,
      paths: ['/io?ms=50'],
      deployments: [],
      ...overrides.settings,
    },
    results,
    failures: [],
    skipped: [],
  };
}

/** Writes a run folder holding `content` as its results.json (any JSON value, to test what readers refuse); returns the folder. */
export function writeRunFolder(parent: string, folder: string, content: unknown): string {
  mkdirSync(join(parent, folder), { recursive: true });
  writeFileSync(join(parent, folder, 'results.json'), JSON.stringify(content));
  return folder;
}

/**
 * Waits until a running `bench run` has written at least `rows` rows to `folder`/results.json (or
 * `timeoutMs` has passed); resolves with how many it had. For tests that interrupt a run midway.
 */
export async function rowsWritten(folder: string, rows: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let written = 0;
  while (Date.now() < deadline && written < rows) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      written = (JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as RunResults).results.length;
    } catch {
      // not written yet
    }
  }
  return written;
}
