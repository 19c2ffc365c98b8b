// The public result format (results.json). Keep these names stable; add fields freely, and raise
// SCHEMA_VERSION when a field changes meaning or type (readers refuse versions they do not know).
import type { CountSample, CountSequences } from '../shared-state/count-sequences.js';

/** Version 2: samples, nullable latencies, generator engine and placement, PSS, per-repeat figures. */
export const SCHEMA_VERSION = 2;

export interface LatencyMs {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/**
 * The wire between the generator and a server on another machine, measured at idle before the
 * deployment's first point: each request pays `roundTrips` × `rttMs` beside its service time.
 */
export interface NetworkUse {
  /** Round-trip time: the median TCP connect time to the deployment's port. */
  rttMs: number;
  /** 1 on a kept-alive connection; 2 where the server closes after each response (a connect, then the request). */
  roundTrips: 1 | 2;
  /** Why the prediction leaves this round trip out: the load came from elsewhere than where it was timed. */
  notInModel?: string;
}

/** Little's law for this row: what the deployment's capacity predicts, and how the measurement compares. */
export interface ModelPrediction {
  /** Requests the deployment can hold at once: 1, W, W·T, the core count for CPU-bound paths; null when unbounded. */
  capacity: number | null;
  /** What bounds the capacity, in words for reports: "1 blocking worker", "4 workers", "2 cores (CPU-bound)", … */
  bound: string;
  /** Per-request service time the prediction assumes, in ms (from the path: /io?ms=N, /cpu?ms=N); null when unknown (/hello). */
  serviceMs: number | null;
  /**
   * 'measured': a user's app says nothing of its service time, so serviceMs is the mean latency
   * this deployment measured at one client on this path; absent: it comes from the path.
   */
  serviceSource?: 'measured';
  /**
   * With a measured service time: the cores the app's processes can use divided by the CPU one
   * request took (`cpuMsPerRequest`): a ceiling on throughput whatever the capacity.
   */
  cpuBoundRps?: number;
  /** The app's CPU per request (ms; the web server in front left out) that cpuBoundRps rests on. */
  cpuMsPerRequest?: number;
  /**
   * Where cpuMsPerRequest was measured: at this row's own load level (its window's CPU over its
   * requests), or at one client, when this level's CPU could not be read.
   */
  cpuMeasuredAt?: 'this level' | 'one client';
  /**
   * Django under ASGI: each request queues for its process's one shared sync thread, and waits
   * behind the others in flight there, `msPerRequest` each (the app's CPU per request, once
   * measured): a client's cycle is d + (c/processes − 1)·msPerRequest (harness/model/shared-thread.ts).
   * `holdsView`: a sync view, which runs on that thread, holding it d − outsideMs (one client's CPU per request).
   */
  sharedThread?: { processes: number; msPerRequest?: number; holdsView?: boolean; outsideMs?: number };
  /**
   * Set when the prediction is an estimate rather than a bound: what it rests on, in words ("the
   * 1.2 ms mean latency measured at one client"). A row may beat an estimate; it cannot beat a bound.
   */
  estimate?: string;
}

/**
 * Why a row landed outside 0.85–1.10 of its prediction: the causes bench measured, each with its
 * evidence (harness/model/gap.ts). Rows within the band carry none.
 */
export interface ModelGap {
  /** throughputRps / predictedThroughputRps (the row's throughputRatio). */
  ratio: number;
  /** The band's low and high ends this row fell outside of. */
  band: [number, number];
  /** The causes found, the likeliest first; a single 'none' when bench found no cause it measures. */
  reasons: GapReason[];
}

export type GapReason =
  | { kind: 'uneven-spread'; text: string; evidence: SpreadEvidence }
  | { kind: 'cores'; text: string; evidence: CoresEvidence }
  | { kind: 'generator'; text: string; evidence: { engine: GeneratorEngine; cpuPercent: number; limit: string } }
  | { kind: 'connection-cap'; text: string; evidence: { maxConnections: number; late: number; peakConnections: number } }
  | { kind: 'slow-clients'; text: string; evidence: { count: number; sendBytesPerSecond: number; slots: number | null; held: number } }
  | { kind: 'database-pool'; text: string; evidence: { workers: number; pool: number; connections: number; inFlight: number } }
  | { kind: 'estimate'; text: string; evidence: { restsOn: string; serviceMs: number | null; cpuMsPerRequest: number | null } }
  | { kind: 'none'; text: string; evidence: Record<string, never> };

/** How a pool's workers shared a row's requests. */
export interface SpreadEvidence {
  /**
   * 'responses': the demo app's x-worker-pid on each answer; 'cpu': each worker process's CPU
   * time (a user's app does not say which worker answered).
   */
  source: 'responses' | 'cpu';
  /** Each worker's share of the requests (or of the CPU), 0–1, the busiest first; a worker that answered nothing has share 0. */
  workers: { pid: number; share: number; connections?: number }[];
  /** The client kept its connections alive: each stayed with the worker that accepted it. */
  keptAlive?: boolean;
  /** What the busiest worker can serve (its threads over the service time), and the pool's ceiling under these shares; absent without a service time. */
  busiestCapacityRps?: number;
  spreadCapRps?: number;
}

/** How busy the cores were: in percent of one core, as resources.cpuPercent. */
export interface CoresEvidence {
  cores: number;
  /** The cores' busy time, whoever used it (absent where /proc/stat could not be read). */
  busyPercent?: number;
  serverPercent: number;
  /** The generator, when it shared the server's cores. */
  generatorPercent?: number;
  /** Processes bench knows nothing of, on the server's cores. */
  otherPercent?: number;
  /** When each of the app's processes was at its one core's limit: how many there were. */
  appProcesses?: number;
}

/** One second of a measured window. */
export interface TimelineSecond {
  /** Seconds since the window opened (0 = the first second). */
  t: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** What clients saw of /count during a point: one sequence per process that answered (harness/shared-state/). */
export interface CountAnswers extends CountSequences {
  /** Answers spread evenly over the window, in the order they arrived (at most MAX_COUNT_SAMPLES). */
  samples: CountSample[];
}

/**
 * A load generator's worker (Locust's) that was not there for the whole window: lost before it
 * closed, or joined after it opened. The point's figures then came from a changing generator.
 */
export interface GeneratorChange {
  /** Seconds into the window. */
  t: number;
  change: 'worker lost' | 'worker joined';
  /** The worker as the generator names it (Locust: host_id). */
  worker: string;
  /** In a row: the repeat (1 = the first round) whose window it was. */
  repeat?: number;
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
  /** A run with a database: connections in each process's pool of the demo app (the model's W·P). */
  pool?: number;
  /** A run with a database, gunicorn-gevent: whether psycopg2 waited cooperatively (psycogreen) or blocked the worker. */
  cooperativeDriver?: boolean;
  /** gunicorn and uWSGI: whether the master imported the app once before forking (`preload:`) or each worker imported it. */
  preload?: boolean;
  proxy: 'none' | 'nginx' | 'apache';
  /** Who served GET /static/, when the scenario said (`static:`): the web server in front from the folder itself, or the app. */
  static?: 'web-server' | 'app';
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
  /**
   * How many latencies the percentiles rest on: 2xx responses inside the window, summed over the
   * repeats (whose histograms are merged). A p99 from fewer than 100 and a p99.9 from fewer than
   * 1,000 are coarse, and reports mark them.
   */
  samples: number;
  /**
   * Percentiles of the 2xx responses only, from the repeats' merged histograms (max is the true
   * maximum); null when no request succeeded. Open loop: each latency runs from the request's
   * intended send time, so a stalled server or a busy connection shows up here.
   */
  latencyMs: LatencyMs | null;
  /** Latency of the requests that failed (errors, timeouts, non-2xx), apart from the successes; absent when none failed. */
  errorLatencyMs?: LatencyMs;
  /** Requests that got no answer (connection refused or reset, timeouts included); the worst repeat. */
  errors: number;
  timeouts: number;
  non2xx: number;
  /**
   * Open loop: the server did not keep up (achieved < 95% of offered, or failures) while the
   * generator had connections and CPU to spare. When the generator was the limit this is false
   * and `generator.saturated` says so.
   */
  saturated?: boolean;
  /** Open loop: sends the schedule called for inside the window that never went out. */
  unsent?: number;
  /** Open loop: sends that went out late because every connection allowed was busy. */
  late?: number;
  /** Open loop: the most connections open at once, and the cap on them (--max-connections). */
  peakConnections?: number;
  maxConnections?: number;

  /** Little's law: min(load, capacity) / service time. Null when the path has no known service time. */
  predictedThroughputRps: number | null;
  /** Predicted mean latency in ms: max(d, c·d/K) closed loop; d below capacity open loop (unbounded above). */
  predictedLatencyMs: number | null;
  /** throughputRps / predictedThroughputRps. */
  throughputRatio: number | null;
  model: ModelPrediction;
  /** Outside 0.85–1.10 of the prediction: why, as bench measured it. */
  modelGap?: ModelGap;
  /** The network to a server on another machine, which the prediction includes; absent on one machine. */
  network?: NetworkUse;

  /** Repetitions of this point (1 unless --repeat); throughput is their median, percentiles come from the merged histograms. */
  repeats: number;
  spread?: { throughputRps: Spread; p50Ms: Spread; p99Ms: Spread };
  /** With repeats: each repeat's own figures, in round order, for tests across runs (bench compare). */
  perRepeat?: RepeatFigures[];

  generator: GeneratorUse;
  /**
   * The deployment's whole process tree (master, workers, nginx) during the window; cpuPercent is
   * of one core (200 = two cores busy). peakRssMb sums RSS, which counts the pages pre-forked
   * workers share once per worker; peakPssMb sums PSS, which shares them out (null where
   * /proc/PID/smaps_rollup cannot be read).
   */
  resources: { cpuPercent: number; peakRssMb: number; peakPssMb: number | null; processes: number };
  /** The same for the web server in front alone (nginx, Apache; included in resources), when there is one. */
  frontResources?: ResultRow['resources'];
  /** Per-second figures of one repeat: `timelineRepeat` (1 = the first round). */
  timeline: TimelineSecond[];
  timelineRepeat: number;
  /** The demo app's /count answers seen in `timelineRepeat`'s window, and the sequences they came from (scenario shared-state). */
  counts?: CountAnswers;
  events?: PointEvent[];
  /** Load generator workers lost or joined during a window (any repeat): such a point's figures are marked, and fail under --strict. */
  generatorChanges?: GeneratorChange[];
  /** worker-crash: the process killed mid-window, and how long until the deployment was whole again (from `timelineRepeat`). */
  fault?: FaultOutcome;
  /** deploy-under-load: the deploy carried out mid-window and what clients saw of it (from `timelineRepeat`). */
  deploy?: DeployOutcome;
  /** The process manager the server ran under (`manager: supervisord`, or the pm2 and forever kinds). */
  manager?: ManagerName;
  /** The manager's config as bench wrote it (supervisord.conf, pm2's process file). */
  managerConfig?: { name: string; text: string };
  /**
   * The server's command line as bench started it, program first (CPU pinning left out): every
   * setting that differs from the server's defaults is in it. Absent for an external server.
   */
  serverArgs?: string[];
  /** The nginx.conf bench generated, when nginx was in front. */
  nginxConfig?: string;
  /** The httpd.conf bench generated, when Apache was in front or hosted the app (apache-mod-wsgi). */
  apacheConfig?: string;
  /** The variables the scenario passed to the server on purpose (a deployment's env:), as it gave them. */
  serverEnv?: Record<string, string>;
  /**
   * The server's settings as it ran: read back from the server where it can tell (gunicorn
   * --print-config with the same command line), with the config file it read. `bench export` writes these.
   */
  effectiveSettings?: EffectiveSettings;
  /**
   * Slow clients trickling their requests beside the normal clients during the point: how many, at
   * what rate, and how many of their requests were answered inside the window (the median over
   * repeats). Every other figure of the row is the normal clients' alone.
   */
  slowClients?: { count: number; sendBytesPerSecond: number; completed: number };
  /**
   * A `requests:` mix (builtin engine): each request of the mix apart, in the mix's order, so that
   * one kind of request's latency is not hidden in the others' (the row's own figures cover them all).
   */
  byRequest?: RequestFigures[];
}

/** A server setting's value: a number, text, a switch, a list (gunicorn's bind), or unset (None). */
export type SettingValue = string | number | boolean | null | string[];

/** A server's own config file in a deployment: named by `config:` or `args:`, or the one gunicorn reads from the app folder unasked. */
export interface ConfigFileUse {
  /** Absolute path. */
  path: string;
  from: 'config:' | 'args:' | 'the app folder';
}

/** What a server ran with (ResultRow.effectiveSettings). */
export interface EffectiveSettings {
  /** How bench knows: "gunicorn --print-config", or for uWSGI, which cannot print its own, the files and flags it was given. */
  source: string;
  /** The server read them back itself; false where bench put them together from what it passed (uWSGI). */
  readBack: boolean;
  configFile?: ConfigFileUse;
  /** By the server's own setting names (gunicorn.conf.py's, uwsgi.ini's): the ones bench's model and export need, and every one the command line or the file set. */
  settings: Record<string, SettingValue>;
  /** Settings the config file sets to code (gunicorn's hooks, e.g. post_fork), which have no value to write down. */
  code?: string[];
}

/** One request of a mix within a point: its 2xx responses a second (median over repeats) and their latencies (repeats merged). */
export interface RequestFigures {
  /** "GET /io?ms=20" */
  request: string;
  weight: number;
  throughputRps: number;
  samples: number;
  latencyMs: LatencyMs | null;
}

export interface RepeatFigures {
  throughputRps: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** Which load engine drove a point. */
export type GeneratorEngine = 'builtin' | 'wrk' | 'locust';

/** The load generator during a point: when it was the limit, the figures are its limit, not the server's. */
export interface GeneratorUse {
  engine: GeneratorEngine;
  /** Whether the generator ran on cores of its own ("separate") or on the server's ("shared"). */
  placement: Placement['mode'];
  /** CPU of the generator's own process during the window, in percent of one core (the worst repeat). */
  cpuPercent: number;
  /** Generator CPU time per request sent, in ms: what each request cost the generator. */
  cpuMsPerRequest: number | null;
  /** Delay of the generator's event loop during the window (builtin engine); a late loop sends late. */
  eventLoopDelayMs: { p99: number; max: number } | null;
  /** Locust: its worker processes, whose CPU cpuPercent sums. */
  processes?: number;
  /** The generator, not the server, was the limit: its CPU, its event loop, or the connection cap. */
  saturated: boolean;
  /** What limited it, in words, when saturated. */
  limit?: string;
}

/** Where the server and the generator ran: on separate cores (taskset) or sharing all of them. */
export interface Placement {
  mode: 'shared' | 'separate';
  /** CPU lists as taskset takes them ("0", "1-3"); null when shared. */
  serverCpus: string | null;
  generatorCpus: string | null;
  /** Cores the deployment could use: the model's bound for CPU-bound paths. */
  serverCores: number;
}

export interface FaultOutcome {
  /** What got SIGKILL: one worker of a pool (the process itself for a single-process kind), or the pool's master (`kill: master`). */
  killed?: 'worker' | 'master';
  killedPid: number;
  /** Seconds into the window when it was killed. */
  atS: number;
  /** Seconds from the kill until the deployment had all its processes back and answered; null when it never did. */
  recoveryS: number | null;
  /** kill: master: seconds from the kill to the first successful response after it; null when none came before the window closed. */
  firstAnswerS?: number | null;
  /** kill: master: requests that failed (errors, non-2xx) from the kill to the window's end. */
  failed?: number;
  /** kill: master: requests sent after the kill still unanswered when the window closed (a hung server fails none), and the longest of their waits. */
  waiting?: Waiting;
  /** The manager's own account of the restart (a `supervisorctl status` line, pm2's restart count), when one ran the server. */
  managerSaid?: string;
}

/** A process manager bench ran the server under (harness/managers/). */
export type ManagerName = 'supervisord' | 'pm2' | 'forever';

/**
 * How a deploy replaces the running server:
 * - restart: stop it, then start it again (`supervisorctl restart`, `pm2 restart`);
 * - reload: the server's own graceful reload (HUP to gunicorn's arbiter or uWSGI's master through
 *   `supervisorctl signal HUP`; `pm2 reload` in cluster mode);
 * - update: supervisor's config-change flow, `supervisorctl reread` then `update` after the
 *   `[program:]` block changed (more workers).
 */
export type DeployAction = 'restart' | 'reload' | 'update';

/** Requests still waiting for an answer when a window closed. */
export interface Waiting {
  count: number;
  /** Seconds the oldest of them had waited. */
  longestS: number;
}

/** Responses one version of the app served during a deploy's window (the demo app's x-bench-version). */
export interface VersionServed {
  version: string;
  responses: number;
  /** Seconds into the window of its first and last response. */
  firstS: number;
  lastS: number;
}

/** A deploy under load (`fault: { deploy: … }`): what the manager did and what clients saw. */
export interface DeployOutcome {
  action: DeployAction;
  /** Seconds into the window when the deploy began. */
  atS: number;
  /** Seconds from its start until the manager said it was done. */
  tookS: number;
  /** Requests that failed (errors, non-2xx) from the deploy's start to the window's end. */
  failed: number;
  /** Requests sent after the deploy began still unanswered when the window closed, and the longest of their waits. */
  waiting?: Waiting;
  /** The longest time, in seconds, with no successful response, from the deploy's start to the window's end. */
  longestGapS: number;
  /**
   * p99 latency of the answers before the deploy began, and of the requests in flight at some moment from its start until the
   * manager said it was done, over at least 1 s (null: no successful response).
   */
  p99BeforeMs: number | null;
  p99DuringMs: number | null;
  /** The responses each version served, in the order they first appeared; empty for an app that does not announce one. */
  versions: VersionServed[];
  /** The manager's own account after the deploy. */
  managerSaid?: string;
}

export interface SoftwareVersions {
  nginx?: string;
  gunicorn?: string;
  uwsgi?: string;
  python?: string;
  flask?: string;
  gevent?: string;
  uvicorn?: string;
  starlette?: string;
  fcgiwrap?: string;
  /** The load engine, with --generator locust. */
  locust?: string;
  /** The private PostgreSQL of a `database: postgres` run, and the Flask app's driver (made cooperative under gevent by psycogreen). */
  postgresql?: string;
  psycopg2?: string;
  psycogreen?: string;
  /** The ASGI app's driver, with a database. */
  asyncpg?: string;
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
  /**
   * The environment the servers started with, by name only (values may be secrets): what they
   * got, and what bench removed from the caller's because it reconfigures servers.
   */
  serverEnvironment: { names: string[]; removed: string[] };
}

/** A deployment that could not be measured, and why. */
export interface DeploymentFailure {
  deployment: string;
  server: string;
  reason: string;
  /** Where a deployment that had started died: the point it could not be measured at ("/io?ms=50 c=4"); its later points were skipped. */
  atPoint?: string;
}

/** What bench read from a user's ASGI app by importing it: its framework, how its routes run, its thread pool. */
export interface AsgiAppFacts {
  /** The application's class: "FastAPI", "Starlette", "Django ASGIHandler"; absent when bench does not know it. */
  framework?: string;
  /** Starlette's and FastAPI's routes, and Django's views (absent for other frameworks, whose routes bench cannot read). */
  routes?: AsgiRoute[];
  /**
   * The thread pool that runs the plain `def` routes: anyio's default limiter as the app's anyio
   * makes it. `startup`: the app runs startup code, which may resize the pool where bench cannot see.
   */
  threadPool?: { size: number; startup: boolean };
}

/** One route of an ASGI app, and how a request to it runs (and so what bounds how many run at once). */
export interface AsgiRoute {
  path: string;
  /** The path as Python's regular expression (Starlette's path_regex; Django's, anchored at the leading slash), which a measured path is matched against. */
  pattern: string;
  /**
   * On the loop, awaiting; on the loop, blocking it (`blocks` names the calls); in the thread pool
   * (a plain def under Starlette); or on one thread per process (a plain def view under Django's
   * ASGIHandler, which runs them all on one shared thread).
   */
  runs: 'event-loop' | 'blocks-loop' | 'thread-pool' | 'one-thread';
  /** The blocking calls bench found in an async def route's own code: "time.sleep". */
  blocks?: string[];
}

/**
 * The app under test when it is the user's (absent: bench's own demo app, servers/node and
 * servers/python). Paths are absolute.
 */
export type AppUnderTest =
  | {
      kind: 'wsgi';
      /** module:callable, imported with `dir` on the path. */
      wsgi: string;
      dir: string;
      /** The interpreter that ran it. */
      python: string;
      /** Readiness path: must answer 2xx. */
      health: string;
    }
  | {
      kind: 'asgi';
      /** module:attribute of an ASGI application (FastAPI, Starlette, Django's ASGI handler), imported with `dir` on the path. */
      asgi: string;
      dir: string;
      /** The interpreter that ran it. */
      python: string;
      /** Readiness path: must answer 2xx. */
      health: string;
      /** What bench read of the app before the run (servers/python/app_check.py); absent: it could not import it then. */
      facts?: AsgiAppFacts;
    }
  | {
      kind: 'node';
      /** A Node program that listens on $HOST:$PORT. */
      node: string;
      health: string;
    };

/** A latency objective: the percentile's latency at most maxMs, with no failed request. */
export interface Slo {
  percentile: 'p50' | 'p90' | 'p99' | 'p999';
  maxMs: number;
}

/** `bench tune`'s verdict over the run's rows: which configuration to ship, and why. */
export interface TuneSummary {
  /** The latency objective, e.g. { percentile: 'p99', maxMs: 200 }. */
  slo: Slo;
  /** Memory budget in MB of PSS (RSS where PSS could not be read); null when none was given. */
  budgetMb: number | null;
  /** A configuration this close to the best throughput (a share: 0.05 = 5%) counts as good as the best. */
  tolerance: number;
  /** The highest throughput within the SLO among the configurations within the budget; null when none. */
  bestRps: number | null;
  /** The recommended deployment's label (as in results[].deployment); null when none met the SLO (within the budget). */
  recommended: string | null;
  /** Why, in a sentence for people. */
  reason: string;
  /** What else the sweep decided, in sentences: a kind whose worker count stopped growing early, and why. */
  notes: string[];
  /** Every configuration tried, best first. */
  ranked: TunedConfiguration[];
  /** The server's cores, the placement and the generator the figures were measured with: they hold for a server like that one. */
  measuredOn?: MeasuredOn;
}

/** What a tune sweep measured on: its figures hold for a server with these cores, loaded this way. */
export interface MeasuredOn {
  placement: Placement;
  generator: GeneratorEngine;
  /** The CPUs of the machine the servers ran on (this one, or the --server-host one). */
  machineCpus: number;
  /** The ssh destination the servers ran on, with --server-host. */
  serverHost?: string;
}

export interface TunedConfiguration {
  deployment: string;
  server: string;
  workers: number;
  threads?: number;
  proxy: 'none' | 'nginx' | 'apache';
  /** Requests the configuration holds at once as configured: workers × threads (workers for kinds without threads). */
  size: number;
  /** The highest throughput measured within the SLO, and the load level (clients) it came at; null when no level met it. */
  throughputAtSloRps: number | null;
  atLoad: number | null;
  /** The SLO's percentile at that level, in ms. */
  latencyMs: number | null;
  /** Peak PSS and RSS (MB) of the deployment's processes at that level (at its first level when none met the SLO). */
  peakPssMb: number | null;
  peakRssMb: number | null;
  withinBudget: boolean;
  /** Why stepping the load stopped: the SLO was missed, throughput flattened, the client cap, the deployment failed, or Ctrl-C. */
  stoppedBy: 'slo' | 'flat' | 'cap' | 'failed' | 'interrupted';
  /** The knee of its class (kind and threads): the smallest size within the tolerance of the class's best. */
  knee: boolean;
  /** CPU of the deployment's processes at that level, in percent of one core (200 = two cores busy). */
  cpuPercent?: number;
  /** The processes that run app code, each on one core at most: how many cores the configuration can use. */
  appProcesses?: number;
  /**
   * Why cores bounded its throughput, when they did: 'model', the model's bound is the cores (a
   * /cpu path, or a user's app whose CPU per request caps it); 'busy', the cores it could use were busy.
   */
  cpuBound?: 'model' | 'busy';
}

/** What the charts put on the x axis: the load level, the pool size when a scenario sweeps workers, or the slow clients beside the load. */
export type XAxis = 'concurrency' | 'workers' | 'slow-clients';

export interface RunSettings {
  xAxis: XAxis;
  durationS: number;
  warmupS: number;
  timeoutS: number;
  /** --quick: short windows, three levels, no queue-filling warm-up. */
  quick: boolean;
  generator: GeneratorEngine;
  /** generator locust: its local worker processes, and the address its master bound for workers elsewhere. */
  locust?: { workers: number; masterBind?: { host: string; port: number }; remoteWorkers?: number };
  placement: Placement;
  /** Open loop: the most connections the generator may open at once. */
  maxConnections: number;
  concurrency: number[];
  /** Offered loads in req/s when the run is open-loop (--rate); empty otherwise. */
  rates: number[];
  repeat: number;
  paths: string[];
  deployments: string[];
  /** The deployment whose per-second timeline is charted first (every deployment's is charted). */
  timelineDeployment?: string;
  /** The user's app, when the run measured one instead of bench's demo app. */
  app?: AppUnderTest;
  /** A scenario's weighted mix of requests; `paths` then holds the mix's name. */
  requests?: { method: string; path: string; headers: Record<string, string>; body?: string; weight: number }[];
  /** Slow clients beside the load: the count at every level, or the counts an xAxis: slow-clients run sweeps. */
  slowClients?: { counts: number[]; sendBytesPerSecond: number };
  /** The private database bench started for the run (`database: postgres`); its version is environment.software.postgresql. */
  database?: 'postgres';
  /** --server-host: the ssh destination the deployments ran on (serverMachine describes it). */
  serverHost?: string;
}

export interface RunResults {
  schemaVersion: number;
  scenario: string;
  /** What reports call the scenario (scenario/load.ts); absent in runs before it: reports use `scenario`. */
  title?: string;
  /** The scenario's plain-language note on what to notice, for reports. */
  notice?: string;
  description?: string;
  startedAt: string;
  finishedAt?: string;
  /** False while the run is in progress or when it was interrupted. */
  complete: boolean;
  /** The machine that ran bench and the load. */
  environment: Environment;
  /** The machine the deployments ran on, when it was another one (--server-host), as its `bench agent` described it. */
  serverMachine?: Environment;
  settings: RunSettings;
  results: ResultRow[];
  failures: DeploymentFailure[];
  skipped: DeploymentFailure[];
  /** A `bench tune` run: the recommendation over its rows. */
  tune?: TuneSummary;
  /** A `bench serve` session: each change the instructor made, in seconds since the session started. */
  changes?: PointEvent[];
  /** A `bench serve` session: each setting held, in the order the instructor held them (the handout's steps). */
  steps?: SessionStep[];
}

/**
 * One setting a `bench serve` session held, measured over its window (after the settle that
 * follows a change). Throughput and latency are its row's sample; L, busy and held are the means
 * of what the page showed over the same window.
 */
export interface SessionStep {
  /** Seconds since the session started, when this setting began. */
  t: number;
  /** Seconds measured (the window after the settle). */
  lengthS: number;
  /** The deployment's label, as rows name it. */
  deployment: string;
  path: string;
  /** "8 clients", "200 req/s", with ", 4 slow" when slow clients trickled beside them. */
  load: string;
  concurrency?: number;
  offeredRps?: number;
  slowClients: number;
  throughputRps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Failed requests a second, by kind. */
  errorsPerS: ErrorsByKind;
  /** L measured: requests sent and not yet answered, on average. */
  inFlight: number;
  /** λ·W: throughput times the mean latency of the answers (Little's law says it equals L). */
  littleL: number | null;
  /** Workers serving a request, on average (from the app's status files). */
  busy: number;
  /** Workers held reading a slow client's request, on average (from the sockets each worker holds). */
  held: number;
  /** Requests the deployment can serve at once (Little's K); null when unbounded. */
  capacity: number | null;
  /** The model's ceiling, req/s; null without one. */
  predictedRps: number | null;
  /** The model worked out with this step's numbers: "min(8 clients, 4 workers) / 0.050 s = 80 req/s". */
  modelWorking: string | null;
  /** The server's CPU, percent of its cores, over the window; absent when not sampled. */
  cpuPercent?: number;
  /** What this step shows, one sentence for the handout. */
  note: string;
}

/** Failed requests by what failed: the connection refused or reset, no answer in time, or an answer other than 2xx. */
export interface ErrorsByKind {
  refused: number;
  reset: number;
  timeout: number;
  non2xx: number;
  other: number;
}
