import * as hdr from 'hdr-histogram-js';
import type { LatencyMs } from '../results.js';

/** Latencies in microseconds, up to 10 minutes, at `digits` significant digits. */
export class LatencyHistogram {
  private readonly h: hdr.Histogram;

  constructor(digits: 1 | 2 | 3 = 3, from?: hdr.Histogram) {
    this.h = from ?? hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: digits });
  }

  /** A histogram another process recorded and sent as `encode()`d text. */
  static decode(encoded: string): LatencyHistogram {
    return new LatencyHistogram(3, hdr.decodeFromCompressedBase64(encoded));
  }

  /** Several windows as one: the percentiles of all their latencies together, and the true maximum. */
  static merge(encoded: string[]): LatencyHistogram {
    const merged = new LatencyHistogram();
    for (const one of encoded) merged.h.add(hdr.decodeFromCompressedBase64(one));
    return merged;
  }

  /** Adds another histogram's latencies to this one's. */
  add(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.h);
  }

  recordMs(ms: number, count = 1): void {
    this.h.recordValueWithCount(Math.min(600_000_000, Math.max(1, Math.round(ms * 1000))), count);
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentileMs(p: number): number {
    return this.h.totalCount === 0 ? 0 : round(this.h.getValueAtPercentile(p) / 1000);
  }

  /** Null when nothing was recorded: no latency is not a latency of 0. */
  summary(): LatencyMs | null {
    if (this.h.totalCount === 0) return null;
    return {
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      p999: this.percentileMs(99.9),
      max: round(this.h.maxValue / 1000),
      mean: round(this.h.mean / 1000),
    };
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
