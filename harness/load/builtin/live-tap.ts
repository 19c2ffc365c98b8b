import type { ErrorsByKind } from '../../results/types.js';
import { LatencyHistogram } from '../histogram.js';
import type { LiveWindowFigures } from '../live-figures.js';

/** What live load measured over the last few seconds, and the seconds they cover (less than the window just after a start). */
export type LiveFiguresWindow = LiveWindowFigures & { spanS: number };

/**
 * Why a request got no answer: nothing listened, no answer in time, the connection closed or reset
 * under it, or something else (a reply that is not HTTP, a connection that could not be made).
 */
export type FailureKind = 'timeout' | 'refused' | 'reset' | 'other';

interface Bucket {
  startedAt: number;
  ok: number;
  failed: ErrorsByKind;
  latencySumMs: number;
  latency: LatencyHistogram;
  inFlightSum: number;
  inFlightSamples: number;
}

/** How often the requests in flight are counted: often enough that a 50 ms request's queue is seen. */
const IN_FLIGHT_SAMPLE_MS = 20;

/**
 * A rolling window over live load: buckets of `bucketMs`, enough of them to cover `windowS`, with
 * every answer and a sample of the requests in flight every IN_FLIGHT_SAMPLE_MS. The figures are
 * the last window's, so a change shows within a second or two and settles after `windowS`.
 */
export class LiveTap {
  private readonly buckets: Bucket[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly windowS: number,
    private readonly bucketMs: number,
    inFlight: () => number,
  ) {
    this.timer = setInterval(() => {
      const bucket = this.current();
      bucket.inFlightSum += inFlight();
      bucket.inFlightSamples++;
    }, IN_FLIGHT_SAMPLE_MS);
    this.timer.unref();
  }

  response(status: number, latencyMs: number): void {
    const bucket = this.current();
    if (status >= 200 && status < 300) {
      bucket.ok++;
      bucket.latencySumMs += latencyMs;
      bucket.latency.recordMs(latencyMs);
    } else {
      bucket.failed.non2xx++;
    }
  }

  error(how: FailureKind): void {
    this.current().failed[how]++;
  }

  figures(): LiveFiguresWindow {
    const now = performance.now();
    const recent = this.buckets.filter((b) => b.startedAt > now - this.windowS * 1000);
    const spanS = recent.length === 0 ? 0 : Math.max((now - recent[0]!.startedAt) / 1000, 0.05);
    const sum = (pick: (b: Bucket) => number) => recent.reduce((total, b) => total + pick(b), 0);
    const ok = sum((b) => b.ok);
    const latency = new LatencyHistogram(2);
    for (const b of recent) latency.add(b.latency);
    const samples = sum((b) => b.inFlightSamples);
    const perS = (n: number) => (spanS > 0 ? round(n / spanS) : 0);
    const failed = (kind: keyof ErrorsByKind) => perS(sum((b) => b.failed[kind]));
    const errorsByKind: ErrorsByKind = { refused: failed('refused'), reset: failed('reset'), timeout: failed('timeout'), non2xx: failed('non2xx'), other: failed('other') };
    return {
      spanS,
      rps: spanS > 0 ? round(ok / spanS) : 0,
      p50Ms: ok > 0 ? latency.percentileMs(50) : null,
      p99Ms: ok > 0 ? latency.percentileMs(99) : null,
      // The sum of the kinds as shown, so that the page's parts always add up to its total.
      errorsPerS: round(Object.values(errorsByKind).reduce((total, n) => total + n, 0)),
      errorsByKind,
      meanLatencyMs: ok > 0 ? round(sum((b) => b.latencySumMs) / ok) : null,
      inFlight: samples > 0 ? round(sum((b) => b.inFlightSum) / samples) : 0,
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private current(): Bucket {
    const now = performance.now();
    let last = this.buckets.at(-1);
    if (!last || now - last.startedAt >= this.bucketMs) {
      // Aligned to the bucket grid, so that a quiet spell leaves no bucket stretched over it.
      const startedAt = last ? last.startedAt + Math.floor((now - last.startedAt) / this.bucketMs) * this.bucketMs : now;
      last = { startedAt, ok: 0, failed: { refused: 0, reset: 0, timeout: 0, non2xx: 0, other: 0 }, latencySumMs: 0, latency: new LatencyHistogram(2), inFlightSum: 0, inFlightSamples: 0 };
      this.buckets.push(last);
      const keep = Math.ceil((this.windowS * 1000) / this.bucketMs) + 1;
      if (this.buckets.length > keep) this.buckets.splice(0, this.buckets.length - keep);
    }
    return last;
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
