import autocannon from 'autocannon';
import type { LatencyMs } from '../results.js';
import { installConnectionCloseFix } from './connection-close-fix.js';
import { LatencyHistogram } from './histogram.js';

installConnectionCloseFix();

export interface PointLoad {
  url: string;
  concurrency: number;
  /** Load applied before the window opens, not recorded. */
  warmupS: number;
  /** Length of the measured window. */
  durationS: number;
  /** A request unanswered after this long counts as a timeout. */
  timeoutS: number;
}

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
}

export type Phase = 'warm-up' | 'measuring';
export type ProgressListener = (phase: Phase, secondsLeft: number) => void;

/**
 * Drives `url` with `concurrency` closed-loop connections for warm-up + window in ONE continuous
 * autocannon run, and keeps only what completes inside the window. Stopping between warm-up and
 * measurement would leave the warm-up's queued requests for the server to finish first (a blocking
 * server still serves a request whose client has gone), which would steal time from the window.
 */
export function measurePoint(
  load: PointLoad,
  onProgress?: ProgressListener,
  signal?: AbortSignal,
): Promise<PointMeasurement> {
  return new Promise((resolve, reject) => {
    const histogram = new LatencyHistogram();
    let ok = 0;
    let non2xx = 0;
    let errors = 0;
    let timeouts = 0;
    let open = false;

    const instance = autocannon(
      {
        url: load.url,
        connections: load.concurrency,
        pipelining: 1,
        // Longer than warm-up + window: the run is stopped by the window timer below.
        duration: load.warmupS + load.durationS + 5,
        timeout: load.timeoutS,
        // autocannon notices a stop only at its next sample; sample often so stopping is prompt.
        sampleInt: 50,
      },
      (err) => {
        clearInterval(ticker);
        if (err) return reject(err);
        resolve({
          durationS: load.durationS,
          requests: ok + non2xx,
          throughputRps: round(ok / load.durationS),
          latencyMs: histogram.summary(),
          errors,
          timeouts,
          non2xx,
        });
      },
    );

    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (!open) return;
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        histogram.recordMs(responseTime);
      } else {
        non2xx++;
      }
    });
    instance.on('reqError', (err: Error) => {
      if (!open) return;
      errors++;
      if (/timed out/.test(err.message)) timeouts++;
    });

    const started = performance.now();
    const windowOpens = started + load.warmupS * 1000;
    const windowCloses = windowOpens + load.durationS * 1000;
    const opener = setTimeout(() => (open = true), load.warmupS * 1000);
    const stop = () => {
      open = false;
      clearTimeout(opener);
      clearTimeout(closer);
      signal?.removeEventListener('abort', stop);
      instance.stop();
    };
    const closer = setTimeout(stop, (load.warmupS + load.durationS) * 1000);
    signal?.addEventListener('abort', stop);

    const ticker = setInterval(() => {
      const now = performance.now();
      if (now < windowOpens) onProgress?.('warm-up', (windowOpens - now) / 1000);
      else onProgress?.('measuring', Math.max(0, (windowCloses - now) / 1000));
    }, 250);
  });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
