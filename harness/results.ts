// The public result format (results.json). Keep these names stable; add fields freely.

export interface LatencyMs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Little's law for this row: what the deployment's capacity predicts, and how the measurement compares. */
export interface ModelPrediction {
  /** Requests the deployment can hold at once: 1, W, W·T, the core count for CPU-bound paths; null when unbounded. */
  capacity: number | null;
  /** What bounds the capacity, in words for reports: "1 blocking worker", "4 workers", "2 cores (CPU-bound)", … */
  bound: string;
  /** Per-request service time the prediction assumes, in ms (from the path: /io?ms=N, /cpu?ms=N); null when unknown (/hello). */
  serviceMs: number | null;
}

/** One second of a measured window (autocannon's tick granularity). */
export interface TimelineSecond {
  /** Seconds since the window opened (0 = the first second). */
  t: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** Something that happened during a point, to mark on the timeline (e.g. a worker killed). */
export interface PointEvent {
  t: number;
  what: string;
}

/** min / max across repetitions, for error bars. */
export interface Spread {
  min: number;
  max: number;
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
  /** closed: `concurrency` clients each waiting for its answer; open: a fixed offered rate. */
  loop: 'closed' | 'open';
  concurrency: number;
  /** Open loop only: the offered load in req/s. */
  offeredRps?: number;
  durationS: number;
  /** Completed responses inside the measured window (median over repeats). */
  requests: number;
  /** 2xx responses per second inside the window (median over repeats). */
  throughputRps: number;
  latencyMs: LatencyMs;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Open loop: the deployment did not keep up with the offered load (achieved < 95% of offered, or errors). */
  saturated?: boolean;
  /** Open loop: requests the schedule called for that were never sent (the generator waited on a busy connection). */
  unsent?: number;

  /** Little's law: min(load, capacity) / service time. Null when the path has no known service time. */
  predictedThroughputRps: number | null;
  /** Predicted mean latency in ms: max(d, c·d/K) closed loop; d below capacity open loop (unbounded above). */
  predictedLatencyMs: number | null;
  /** throughputRps / predictedThroughputRps. */
  throughputRatio: number | null;
  model: ModelPrediction;

  /** Repetitions of this point (1 unless --repeat); the figures above are medians. */
  repeats: number;
  spread?: { throughputRps: Spread; p50Ms: Spread; p99Ms: Spread };

  /** The load generator (this process) during the point: when it was saturated, the figures are its limit. */
  generator: { cpuPercent: number; saturated: boolean };
  /** The deployment's whole process tree (master, workers, nginx) during the window; cpuPercent is of one core (200 = two cores busy). */
  resources: { cpuPercent: number; peakRssMb: number; processes: number };
  timeline: TimelineSecond[];
  events?: PointEvent[];
  /** worker-crash: the process killed mid-window, and how long until the deployment was whole again. */
  fault?: FaultOutcome;
}

export interface FaultOutcome {
  killedPid: number;
  /** Seconds into the window when it was killed. */
  atS: number;
  /** Seconds from the kill until the deployment had all its processes back and answered; null when it never did. */
  recoveryS: number | null;
}

export interface SoftwareVersions {
  nginx?: string;
  gunicorn?: string;
  uwsgi?: string;
  python?: string;
  flask?: string;
  gevent?: string;
  fcgiwrap?: string;
}

export interface Environment {
  node: string;
  os: string;
  cpus: number;
  cpuModel: string;
  totalMemoryMb: number;
  benchVersion: string;
  /** Versions of the software the run's deployments used. */
  software: SoftwareVersions;
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
  /** Offered loads in req/s when the run is open-loop (--rate); empty otherwise. */
  rates: number[];
  repeat: number;
  paths: string[];
  deployments: string[];
  /** The deployment whose per-second timeline gets a chart (default: the first). */
  timelineDeployment?: string;
}

export interface RunResults {
  scenario: string;
  /** The scenario's plain-language note on what to notice, for reports. */
  notice?: string;
  description?: string;
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
