import autocannon from 'autocannon';
import { UsageError } from '../errors.js';
import { isLoopback } from '../process/ports.js';
import { generatorCpu, NOTHING_SAMPLED, ResourceSampler, type ResourceUse } from '../process/sampler.js';
import type { LatencyMs, TimelineSecond } from '../results.js';
import { installAutocannonPatches, pacing } from './autocannon-patches.js';
import { LatencyHistogram } from './histogram.js';

installAutocannonPatches();

/** Closed loop: `concurrency` clients, each sending when its last answer came. */
export interface ClosedLoad {
  concurrency: number;
}

/** Open loop: `offeredRps` requests a second on `connections` connections, whatever the answers do. */
export interface OpenLoad {
  offeredRps: number;
  connections: number;
}

export type PointLoad = (ClosedLoad | OpenLoad) & {
  url: string;
  /** Load applied before the window opens, not recorded. */
  warmupS: number;
  /** Length of the measured window. */
  durationS: number;
  /** A request unanswered after this long counts as a timeout. */
  timeoutS: number;
  /** Process groups of the deployment, sampled for CPU and memory during the window. */
  processGroups?: () => number[];
  /** Load goes to loopback only unless this is set (--allow-remote). */
  allowRemote?: boolean;
};

/** Every load run is bounded in time (its duration) and in count: far above any rate seen here. */
const MAX_REQUESTS_PER_SECOND = 1_000_000;

export interface PointMeasurement {
  durationS: number;
  /** Responses (any status) completed inside the window. */
  requests: number;
  /** 2xx responses per second inside the window. */
  throughputRps: number;
  latencyMs: LatencyMs;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Open loop: sends the schedule called for inside the window that never happened. */
  unsent?: number;
  generatorCpuPercent: number;
  resources: ResourceUse;
  timeline: TimelineSecond[];
}

export type Phase = 'warm-up' | 'measuring';
export type ProgressListener = (phase: Phase, secondsLeft: number) => void;

/** A point whose load generator used more of its core than this was limited by the generator. */
export const GENERATOR_SATURATED_PERCENT = 90;

/**
 * Drives `url` for warm-up + window in ONE continuous autocannon run, and keeps only what completes
 * inside the window. Stopping between warm-up and measurement would leave the warm-up's queued
 * requests for the server to finish first (a blocking server still serves a request whose client
 * has gone), which would steal time from the window.
 */
export function measurePoint(load: PointLoad, onProgress?: ProgressListener, signal?: AbortSignal): Promise<PointMeasurement> {
  const host = new URL(load.url).hostname;
  if (!load.allowRemote && !isLoopback(host)) {
    return Promise.reject(new UsageError(`refusing to send load to ${host}: bench sends load to loopback only unless --allow-remote`));
  }
  return new Promise((resolve, reject) => {
    const open = 'offeredRps' in load;
    const connections = open ? Math.max(1, Math.min(load.connections, load.offeredRps)) : load.concurrency;
    // Each connection sends rate/connections a second; a latency longer than that gap hid sends.
    const expectedIntervalMs = open ? (1000 * connections) / load.offeredRps : undefined;
    const window = new WindowRecorder(load.durationS, expectedIntervalMs);
    let sent = 0;
    let cpu: (() => number) | undefined;
    let sampler: ResourceSampler | undefined;
    const started = performance.now();
    const windowOpens = started + load.warmupS * 1000;
    const windowCloses = windowOpens + load.durationS * 1000;
    // Everything the callback below tears down exists before autocannon starts: it calls back at
    // once, synchronously, when it rejects its options.
    const timers: NodeJS.Timeout[] = [];
    const cleanUp = () => {
      for (const timer of timers) clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      pacing.onSent = () => {};
    };
    let instance: autocannon.Instance | undefined;
    const stop = () => {
      if (window.isOpen) {
        window.closeAt(performance.now());
        cpu = freeze(cpu);
      }
      cleanUp();
      instance?.stop();
    };

    pacing.connections = connections;
    pacing.nextPhase = 0;
    pacing.onSent = () => window.isOpen && sent++;
    const running = autocannon(
      {
        url: load.url,
        connections,
        pipelining: 1,
        ...(open && { overallRate: load.offeredRps }),
        // Longer than warm-up + window: the run is stopped by the window timer below.
        duration: load.warmupS + load.durationS + 5,
        timeout: load.timeoutS,
        maxOverallRequests: Math.ceil((load.warmupS + load.durationS + 5) * MAX_REQUESTS_PER_SECOND),
        // autocannon notices a stop only at its next sample; sample often so stopping is prompt.
        sampleInt: 50,
      },
      (err) => {
        cleanUp();
        const resources = sampler?.stop() ?? NOTHING_SAMPLED;
        if (err) return reject(err);
        resolve({
          ...window.result(),
          ...(open && { unsent: Math.max(0, Math.round(load.offeredRps * window.lengthS) - sent) }),
          generatorCpuPercent: cpu?.() ?? 0,
          resources,
        });
      },
    );

    instance = running;
    running.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) =>
      window.response(statusCode, responseTime),
    );
    running.on('reqError', (err: Error) => window.error(/timed out/.test(err.message)));

    timers.push(
      setTimeout(() => {
        window.openAt(performance.now());
        cpu = generatorCpu();
        if (load.processGroups) sampler = new ResourceSampler(load.processGroups);
      }, load.warmupS * 1000),
      setTimeout(stop, (load.warmupS + load.durationS) * 1000),
      setInterval(() => {
        const now = performance.now();
        if (now < windowOpens) onProgress?.('warm-up', (windowOpens - now) / 1000);
        else onProgress?.('measuring', Math.max(0, (windowCloses - now) / 1000));
      }, 250),
    );
    signal?.addEventListener('abort', stop);
  });
}

/** Reads a running measurement once, so later work (autocannon shutting down) does not count. */
function freeze(read: (() => number) | undefined): (() => number) | undefined {
  if (!read) return undefined;
  const value = read();
  return () => value;
}

/** Everything that completes while the window is open: totals, a latency histogram, and per-second buckets. */
class WindowRecorder {
  isOpen = false;
  private openedAt = 0;
  private closedAt: number | undefined;
  private ok = 0;
  private non2xx = 0;
  private errors = 0;
  private timeouts = 0;
  private readonly histogram = new LatencyHistogram();
  private readonly seconds: { ok: number; errors: number; non2xx: number; latency: LatencyHistogram }[] = [];

  constructor(
    private readonly durationS: number,
    private readonly expectedIntervalMs: number | undefined,
  ) {}

  openAt(now: number): void {
    this.openedAt = now;
    this.isOpen = true;
  }

  closeAt(now: number): void {
    this.closedAt = now;
    this.isOpen = false;
  }

  /** How long the window was really open (timers fire a little late), or the planned length. */
  get lengthS(): number {
    return this.closedAt === undefined ? this.durationS : (this.closedAt - this.openedAt) / 1000;
  }

  response(statusCode: number, latencyMs: number): void {
    if (!this.isOpen) return;
    const second = this.second();
    if (statusCode >= 200 && statusCode < 300) {
      this.ok++;
      this.histogram.recordMs(latencyMs, this.expectedIntervalMs);
      second.ok++;
      second.latency.recordMs(latencyMs);
    } else {
      this.non2xx++;
      second.non2xx++;
    }
  }

  error(timedOut: boolean): void {
    if (!this.isOpen) return;
    this.errors++;
    if (timedOut) this.timeouts++;
    this.second().errors++;
  }

  result() {
    const lengthS = this.lengthS;
    // The last bucket may cover less than a second: its counts are scaled to per-second rates.
    const bucketS = (t: number) => Math.max(Math.min(1, lengthS - t), 1e-3);
    const perSecond = (count: number, t: number) => Math.round((count / bucketS(t)) * 10) / 10;
    return {
      durationS: this.durationS,
      requests: this.ok + this.non2xx,
      throughputRps: Math.round((this.ok / lengthS) * 100) / 100,
      latencyMs: this.histogram.summary(),
      errors: this.errors,
      timeouts: this.timeouts,
      non2xx: this.non2xx,
      timeline: this.seconds.map((s, t) => ({
        t,
        rps: perSecond(s.ok, t),
        p50Ms: s.latency.percentileMs(50),
        p99Ms: s.latency.percentileMs(99),
        errors: perSecond(s.errors, t),
        non2xx: perSecond(s.non2xx, t),
      })),
    };
  }

  private second() {
    const index = Math.min(Math.floor((performance.now() - this.openedAt) / 1000), Math.ceil(this.durationS) - 1);
    while (this.seconds.length <= index) this.seconds.push({ ok: 0, errors: 0, non2xx: 0, latency: new LatencyHistogram(2) });
    return this.seconds[index]!;
  }
}
