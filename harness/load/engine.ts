import type { GeneratorChange, GeneratorEngine, LatencyMs, TimelineSecond } from '../results/types.js';
import type { CountSample } from '../shared-state/count-sequences.js';

/** Closed loop: `concurrency` clients, each sending when its last answer came. */
export interface ClosedLoad {
  concurrency: number;
}

/**
 * Open loop: `offeredRps` requests a second, each sent at its intended time whatever the answers
 * do, on as many connections as the schedule needs, up to `maxConnections`.
 */
export interface OpenLoad {
  offeredRps: number;
  maxConnections: number;
}

/** One request of a weighted mix (a scenario's `requests:`), sent `weight` times in every sum-of-weights sends. */
export interface MixRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  weight: number;
}

/**
 * Slow clients beside the load (builtin engine only): `count` connections, each trickling its
 * request at `sendBytesPerSecond` (builtin/slow-clients.ts). Their responses are not the load's:
 * the window's figures stay those of the normal clients.
 */
export interface SlowClientLoad {
  count: number;
  sendBytesPerSecond: number;
}

/** What one engine run needs: where, how much, for how long. */
export type EngineLoad = (ClosedLoad | OpenLoad) & {
  /** The request's URL; with `requests`, the server's base URL, which each request's path follows. */
  url: string;
  /** A weighted mix of requests instead of GET url (builtin engine only). */
  requests?: MixRequest[];
  /** Slow clients trickling GET url (with a mix, the base URL) for the whole run, warm-up included. */
  slowClients?: SlowClientLoad;
  /** Load applied before the window opens, not recorded. */
  warmupS: number;
  /** Length of the measured window. */
  durationS: number;
  /** A request unanswered after this long counts as a timeout. */
  timeoutS: number;
  /** Keep the demo app's /count answers seen in the window (builtin engine), for the shared-state chart. */
  countAnswers?: boolean;
  /** taskset CPU list the generator runs on ("1"); undefined: wherever the OS puts it. */
  cpus?: string;
  /** Keep every answer of the window, with its time and the app's version (builtin engine): what a deploy's outcome is computed from. */
  recordAnswers?: boolean;
};

/**
 * Every answer of a window in completion order (EngineLoad.recordAnswers), as parallel arrays:
 * a few thousand entries travel from the engine's process as numbers, not objects.
 */
export interface AnswerLog {
  /** When the window opened, in ms since the epoch (performance.timeOrigin + now): another process places its own events in the window with it. */
  openedAtEpochMs: number;
  /** Each answer's completion, in ms since the window opened. */
  atMs: number[];
  /** Its latency in ms; of a failure, how long until it failed. */
  latencyMs: number[];
  /** Its HTTP status; 0 for a request that got none (refused, reset, timed out). */
  status: number[];
  /** The index in `versions` of the x-bench-version it carried; -1: none. */
  version: number[];
  /** The versions seen, in the order they first appeared. */
  versions: string[];
  /**
   * When the window closed, the requests still waiting for an answer: when each was sent, in ms
   * since the window opened. A server that hangs instead of refusing (a dead master whose
   * orphaned workers hold the socket) fails no request inside the window; these show it.
   */
  waitingSentMs: number[];
}

/** Everything an engine measured in one window. Histograms travel encoded so repeats can be merged. */
export interface EngineMeasurement {
  /** The window's real length in seconds (timers fire a little late). */
  lengthS: number;
  /** 2xx responses completed inside the window. */
  ok: number;
  non2xx: number;
  /** Requests that got no answer (refused, reset, timed out); timeouts included. */
  errors: number;
  timeouts: number;
  /** Errors that were refused connections: nothing listened (a dead server), not a slow one. */
  refused: number;
  /** Errors whose connection was closed or reset under the request (ECONNRESET, EPIPE, an early close); the builtin engine's. */
  resets?: number;
  /** HdrHistogram (µs) of the 2xx latencies, compressed base64; and of the failed requests'. */
  histogram: string;
  errorHistogram: string;
  /** Per-second figures of the window (empty when the engine cannot see seconds, e.g. wrk). */
  timeline: TimelineSecond[];
  /** Open loop: intended sends in the window that never went out, went out late, and the connections used. */
  unsent?: number;
  late?: number;
  peakConnections?: number;
  /** Generator CPU (its own processes, summed) during the window, in percent of one core. */
  cpuPercent: number;
  /** Processes the generator ran as (Locust's workers), when more than one: its CPU limit is theirs together. */
  generatorProcesses?: number;
  /** Requests the generator sent during the window (for CPU per request). */
  sent: number;
  /** With a mix (builtin engine): each of its requests' 2xx responses apart, in the mix's order ("GET /io?ms=20"). */
  byRequest?: RequestWindow[];
  eventLoopDelayMs: { p99: number; max: number } | null;
  /** With slow clients: how many of their requests were answered inside the window. */
  slowCompleted?: number;
  /** With countAnswers: the /count answers seen, spread over the window (harness/shared-state/count-recorder.ts). */
  counts?: CountSample[];
  /** Workers of the generator (Locust's) lost or joined during the window. */
  generatorChanges?: GeneratorChange[];
  /** The demo app's processes that answered (x-worker-pid, builtin engine): 2xx answers each, and connections it answered on. */
  workers?: WorkerAnswers[];
  /** With recordAnswers: every answer of the window. */
  answers?: AnswerLog;
}

/** One worker process of the demo app in a window: its 2xx answers, and the client connections they came on. */
export interface WorkerAnswers {
  pid: number;
  responses: number;
  connections: number;
}

/** One request of a mix in a window: its 2xx responses and their latency histogram (µs, encoded as `histogram`). */
export interface RequestWindow {
  name: string;
  weight: number;
  ok: number;
  histogram: string;
}

export type Phase = 'waiting for Locust workers' | 'warm-up' | 'measuring';
/** What the window has measured so far, for the progress line: the current second's rate and p99. */
export interface LiveFigures {
  rps: number;
  p99Ms: number | null;
}

export type ProgressListener = (phase: Phase, secondsLeft: number, live?: LiveFigures) => void;

/**
 * A load engine drives one point: warm-up and window in one continuous run where it can, counting
 * only what completes inside the window. Every engine returns the same measurement, so the
 * pipeline, reports and compare never ask which one ran.
 */
export interface LoadEngine {
  name: GeneratorEngine;
  /**
   * Why it cannot drive this kind of load here (not installed, or an open loop, a mix or slow clients it cannot drive);
   * undefined when it can. The plan asks before anything starts.
   */
  unavailable(load: { openLoop: boolean; mix: boolean; slowClients: boolean }): string | undefined;
  run(load: EngineLoad, events: EngineEvents, signal?: AbortSignal): Promise<EngineMeasurement>;
}

export interface EngineEvents {
  /** The measured window opened (the resource sampler starts). */
  onWindowOpen?(): void;
  onProgress?: ProgressListener;
}

export type { LatencyMs };
