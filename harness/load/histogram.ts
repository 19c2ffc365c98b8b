import * as hdr from 'hdr-histogram-js';
import type { LatencyMs } from '../results/types.js';
import { toThousandths } from '../stats/median.js';

/** The longest latency kept, in µs (10 minutes); longer ones count as this. */
const MAX_US = 600_000_000;

/**
 * Latencies in microseconds, up to 10 minutes, at `digits` significant digits.
 *
 * Recording is the load engine's hot path (two or three records per response), and
 * hdr-histogram-js finds a value's bucket with Math.log2 and two Math.pow calls each time. So
 * records are counted here first, in a typed array at the very bucket indices HdrHistogram uses
 * (found with a count of leading zeros, as the Java original does), and moved into the histogram
 * whenever it is read: the histogram then holds what recording each value would have given
 * (counts, total, minimum and maximum alike).
 */
export class LatencyHistogram {
  private readonly h: hdr.Histogram;
  /** log2 of half a bucket's sub-buckets: HdrHistogram's subBucketHalfCountMagnitude for these digits. */
  private readonly halfMagnitude: number;
  /** Records not yet in `h`, by HdrHistogram's counts index (allocated at the first record). */
  private pending: Uint32Array | undefined;
  private pendingTotal = 0;
  private pendingMin = Infinity;
  private pendingMax = 0;

  constructor(digits: 1 | 2 | 3 = 3, from?: hdr.Histogram) {
    this.h = from ?? hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_US, numberOfSignificantValueDigits: digits });
    // As HdrHistogram sizes its sub-buckets: 2·10^digits values at unit resolution, rounded up to a power of two.
    this.halfMagnitude = Math.ceil(Math.log2(2 * 10 ** this.h.numberOfSignificantValueDigits)) - 1;
  }

  /** A histogram another process recorded and sent as `encode()`d text. */
  static decode(encoded: string): LatencyHistogram {
    const h = hdr.decodeFromCompressedBase64(encoded);
    return new LatencyHistogram(h.numberOfSignificantValueDigits as 1 | 2 | 3, h);
  }

  /** Several windows as one: the percentiles of all their latencies together, and the true maximum. */
  static merge(encoded: string[]): LatencyHistogram {
    const merged = new LatencyHistogram();
    for (const one of encoded) merged.h.add(hdr.decodeFromCompressedBase64(one));
    return merged;
  }

  /** Adds another histogram's latencies to this one's. */
  add(other: LatencyHistogram): void {
    this.settled().add(other.settled());
  }

  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.settled());
  }

  recordMs(ms: number, count = 1): void {
    const us = Math.min(MAX_US, Math.max(1, Math.round(ms * 1000)));
    // A count that could overflow the pending counts goes to the histogram itself.
    if (count !== 1) return void this.settled().recordValueWithCount(us, count);
    this.pending ??= new Uint32Array(countsIndex(MAX_US, this.halfMagnitude) + 1);
    this.pending[countsIndex(us, this.halfMagnitude)]!++;
    if (us < this.pendingMin) this.pendingMin = us;
    if (us > this.pendingMax) this.pendingMax = us;
    // Far below 2^32 per index: a window never holds billions of responses, but nothing wraps if one does.
    if (++this.pendingTotal === 0x7fffffff) this.settled();
  }

  get count(): number {
    return this.h.totalCount + this.pendingTotal;
  }

  percentileMs(p: number): number {
    const h = this.settled();
    return h.totalCount === 0 ? 0 : toThousandths(h.getValueAtPercentile(p) / 1000);
  }

  /** Null when nothing was recorded: no latency is not a latency of 0. */
  summary(): LatencyMs | null {
    const h = this.settled();
    if (h.totalCount === 0) return null;
    return {
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      p999: this.percentileMs(99.9),
      max: toThousandths(h.maxValue / 1000),
      mean: toThousandths(h.mean / 1000),
    };
  }

  /**
   * The histogram with the pending records moved in. Each index's count is recorded at that
   * bucket's lowest value, which lands in the same index; the smallest and largest values are
   * recorded as themselves, so that the histogram's minimum and maximum are the true ones.
   */
  private settled(): hdr.Histogram {
    const pending = this.pending;
    if (!pending || this.pendingTotal === 0) return this.h;
    const m = this.halfMagnitude;
    const half = 1 << m;
    const extremes = this.pendingMin === this.pendingMax ? [this.pendingMin] : [this.pendingMin, this.pendingMax];
    for (const value of extremes) {
      this.h.recordValue(value);
      pending[countsIndex(value, m)]!--;
    }
    for (let i = 0; i < pending.length; i++) {
      const n = pending[i]!;
      if (n === 0) continue;
      const bucket = Math.max((i >> m) - 1, 0);
      const subBucket = bucket === 0 ? i : (i & (half - 1)) + half;
      this.h.recordValueWithCount(subBucket * 2 ** bucket, n);
    }
    // Dropped rather than zeroed: a window's per-second histograms, read once their second is over, then cost no more than before.
    this.pending = undefined;
    this.pendingTotal = 0;
    this.pendingMin = Infinity;
    this.pendingMax = 0;
    return this.h;
  }
}

/**
 * HdrHistogram's counts index of a value (lowest discernible value 1): bucket b holds values of
 * b + m + 1 bits, each sub-bucket 2^b wide, and bucket 0 uses all its sub-buckets.
 */
function countsIndex(us: number, m: number): number {
  const bucket = Math.max(31 - Math.clz32(us) - m, 0);
  return ((bucket + 1) << m) + (us >>> bucket) - (1 << m);
}
