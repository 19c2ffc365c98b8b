import * as hdr from 'hdr-histogram-js';
import type { LatencyMs } from '../results.js';

/** Latencies in microseconds, up to 10 minutes, at `digits` significant digits. */
export class LatencyHistogram {
  private readonly h;

  constructor(digits: 1 | 2 | 3 = 3) {
    this.h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: digits });
  }

  /**
   * Records one latency. With `expectedIntervalMs` (open loop: the gap between a connection's
   * scheduled sends) a latency longer than the interval also stands for the requests the schedule
   * called for meanwhile, which a stalled server kept from being sent: HdrHistogram's
   * coordinated-omission correction.
   */
  recordMs(ms: number, expectedIntervalMs?: number): void {
    const us = Math.max(1, Math.round(ms * 1000));
    if (expectedIntervalMs) this.h.recordValueWithExpectedInterval(us, Math.round(expectedIntervalMs * 1000));
    else this.h.recordValue(us);
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentileMs(p: number): number {
    return this.h.totalCount === 0 ? 0 : round(this.h.getValueAtPercentile(p) / 1000);
  }

  summary(): LatencyMs {
    if (this.h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
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
