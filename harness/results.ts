// The public result format (results.json). Keep these names stable; add fields freely.

export interface LatencyMs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** One measured point: one deployment at one load level. Carries the settings that produced it. */
export interface ResultRow {
  /** Readable label, e.g. "node-prefork ×4". */
  deployment: string;
  /** Server kind, e.g. "node-prefork". */
  server: string;
  workers: number;
  threads?: number;
  proxy: 'none' | 'nginx';
  path: string;
  concurrency: number;
  durationS: number;
  /** Completed responses inside the measured window. */
  requests: number;
  throughputRps: number;
  latencyMs: LatencyMs;
  errors: number;
  timeouts: number;
  non2xx: number;
}

export interface Environment {
  node: string;
  os: string;
  cpus: number;
  cpuModel: string;
  totalMemoryMb: number;
  benchVersion: string;
}

/** A deployment that could not be measured, and why. */
export interface DeploymentFailure {
  deployment: string;
  server: string;
  reason: string;
}

/** What the charts put on the x axis: the load level, or the pool size when a scenario sweeps workers. */
export type XAxis = 'concurrency' | 'workers';

export interface RunSettings {
  xAxis: XAxis;
  durationS: number;
  warmupS: number;
  concurrency: number[];
  paths: string[];
  deployments: string[];
}

export interface RunResults {
  scenario: string;
  startedAt: string;
  finishedAt?: string;
  /** False while the run is in progress or when it was interrupted. */
  complete: boolean;
  environment: Environment;
  settings: RunSettings;
  results: ResultRow[];
  failures: DeploymentFailure[];
  skipped: DeploymentFailure[];
}
