/**
 * What `bench serve` and its page say to each other: JSON over HTTP, and a server-sent event
 * stream for the live figures. Types only, so the page's build (web/) imports them as they are.
 *
 *   GET  /api/options     → ServeOptions
 *   GET  /api/events      → text/event-stream of `state` (ServeState), `tick` (LiveTick), `change` (ChangeMarker);
 *                           a new stream first gets the state, a `history` (HistoryPoint[]) of the last minute's ticks and the changes so far
 *   POST /api/deployment  DeploymentChoice → 202; the old deployment is torn down, the new one starts (state events follow);
 *                         409 while another is starting
 *   POST /api/load        LoadChoice → 202; starts the load, or changes it while it runs; during a deployment start it is
 *                         queued and runs once the deployment is ready
 *   POST /api/stop        → 202; stops the load, or drops the queued one (the deployment stays up)
 *   POST /api/save        → SaveResult; writes what was shown as a run folder
 * Every request carries the access token: `?token=…` on the first page load (which sets a
 * cookie), or the cookie. Errors answer 4xx with ApiError.
 */

/** One deployment kind the page can start. */
export interface KindOption {
  name: string;
  summary: string;
  model: 'single' | 'prefork' | 'threads' | 'async' | 'process-per-request' | 'unknown';
  takesWorkers: boolean;
  takesThreads: boolean;
  defaultWorkers: number;
  defaultThreads?: number;
  /** nginx can be put in front (false for kinds that always have it, such as cgi). */
  nginxOptional: boolean;
  /** Its software is installed here. */
  available: boolean;
  /** What is missing, with the install command, when not available. */
  missing?: string;
}

export interface EndpointOption {
  /** "io", "cpu", "hello" */
  name: string;
  /** What it does, one line. */
  summary: string;
  takesMs: boolean;
  defaultMs?: number;
}

export interface ServeOptions {
  kinds: KindOption[];
  endpoints: EndpointOption[];
  limits: { maxClients: number; maxRate: number; maxSlowClients: number; maxWorkers: number; maxThreads: number; maxMs: number };
  /** The live figures cover this many seconds; a tick comes every tickMs. */
  liveWindowS: number;
  tickMs: number;
  /** What the page starts with: the scenario's first deployment and load, when one was given. */
  initial: { deployment: DeploymentChoice; load: LoadChoice };
}

export interface DeploymentChoice {
  kind: string;
  workers?: number;
  threads?: number;
  nginx: boolean;
}

export interface LoadChoice {
  endpoint: string;
  /** The endpoint's ?ms=, when it takes one. */
  ms: number;
  mode: 'closed' | 'open';
  /** Closed loop: clients, each sending when its last answer came. */
  clients: number;
  /** Open loop: requests a second, sent on schedule whatever the answers do. */
  rate: number;
  /** Clients that trickle their requests slowly, beside the others. */
  slowClients: number;
}

export type DeploymentStatus = 'none' | 'starting' | 'ready' | 'failed';

/**
 * Where the session's load is: 'running'; 'applying' while the generator moves to it (a few
 * milliseconds); 'queued' until the deployment being started is ready, when it runs.
 */
export type LoadStatus = 'running' | 'applying' | 'queued';

export type { ErrorsByKind } from '../results/types.js';
import type { LiveWindowFigures } from '../load/live-figures.js';

export interface ServeState {
  deployment: {
    choice: DeploymentChoice | null;
    /** "node-prefork ×4" */
    label: string | null;
    status: DeploymentStatus;
    /** Start-up progress ("waiting for all 4 workers to answer"), or why it failed. */
    message?: string;
    /** Requests it can serve at once (Little's K): null when unbounded (an event loop). */
    capacity: number | null;
    /** Worker boxes per process: 1 for a blocking worker, T for a threaded one, null when unbounded. */
    slotsPerProcess: number | null;
  };
  /**
   * The load the session runs or is about to run: the latest any tab asked for, which every tab's
   * form shows. null when no load runs or waits.
   */
  load: LoadChoice | null;
  /** Where that load is; null with no load. */
  loadStatus: LoadStatus | null;
  /** Why the load that waited for a deployment did not run (the deployment failed to start); null once a load or a deployment is asked for again. */
  loadMessage: string | null;
  /** Where `--record` writes, if it was given. */
  recording: string | null;
}

/** One worker process as its status file shows it. */
export interface WorkerBox {
  pid: number;
  /** Requests it serves at this moment. */
  busy: number;
  /**
   * Its slots held reading a request that is still arriving (a slow client's): accepted
   * connections the process holds, less those it serves, measured from its sockets. 0 where the
   * kind never reads in a worker (an event loop, or nginx in front).
   */
  held: number;
}

/** Twice a second while a deployment is up. Figures are over the last ServeOptions.liveWindowS seconds. */
export interface LiveTick extends LiveWindowFigures {
  /** Seconds since `bench serve` started. */
  t: number;
  /** λ·W: the throughput times the mean latency, which Little's law says equals L. */
  littleL: number | null;
  /** Workers serving a request now (from the apps' status files), and the processes' boxes. */
  busy: number;
  /** Workers held reading slow requests now (the sum of the boxes' held). */
  held: number;
  workers: WorkerBox[];
  /** Requests waiting for a worker: L minus busy (never below 0). */
  waiting: number;
  /** Little's law's ceiling for this deployment at this endpoint, req/s: null when unbounded. */
  predictedRps: number | null;
  /** The ceiling worked out with the current numbers, "min(8 clients, 4 workers) / 0.050 s = 80 req/s", or why there is none (a deployment that died); null without a model. */
  modelWorking: string | null;
  /** The server's processes' CPU over the window, as a share of its cores; null before the first reading. */
  cpu: {
    busyPercent: number;
    cores: number;
    /** The whole machine's CPUs, busy over the same window whoever used them (the generator, the browser, other programs): what was left for the server. */
    machinePercent?: number;
  } | null;
  /** The slow clients trickling now. */
  slowClients: number;
}

/** A tick the session sent, with the deployment's K at the time (for the charts' capacity line): what a page opened later draws first. */
export interface HistoryPoint {
  tick: LiveTick;
  capacity: number | null;
}

/** A change the instructor made, drawn as a marker on the charts. */
export interface ChangeMarker {
  t: number;
  /** What changed: "start gunicorn-sync ×4", "8 clients", "stop load". */
  text: string;
  /** The deployment running from then on, "gunicorn-sync ×4" (null: none). */
  deployment?: string | null;
  /** The load running from then on, "/io?ms=50, 8 clients" (null: none). */
  load?: string | null;
}

export interface SaveResult {
  dir: string;
}

export interface ApiError {
  error: string;
}
