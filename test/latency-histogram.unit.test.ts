import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../harness/load/histogram.js';

/** The library recording each value itself: what LatencyHistogram's pending counts must add up to. */
function reference(digits: number, valuesUs: number[]): hdr.Histogram {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: digits });
  for (const us of valuesUs) h.recordValue(us);
  return h;
}

/** Latencies over every bucket: sub-µs, µs, ms and s, up to the 10-minute limit and past it. */
function latenciesMs(n: number, seed: number): number[] {
  let x = seed;
  const random = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const values = [0, 0.0004, 0.001, 1.0235, 2.047, 2.048, 599_999.9, 600_000, 900_000];
  for (let i = 0; i < n; i++) values.push(10 ** (random() * 8 - 3));
  return values;
}

const toUs = (ms: number) => Math.min(600_000_000, Math.max(1, Math.round(ms * 1000)));

describe('LatencyHistogram', () => {
  for (const digits of [1, 2, 3] as const) {
    it(`holds what recording each value with hdr-histogram-js gives, at ${digits} significant digits`, () => {
      const values = latenciesMs(20_000, digits);
      const mine = new LatencyHistogram(digits);
      for (const ms of values) mine.recordMs(ms);
      const theirs = reference(digits, values.map(toUs));
      expect(mine.count).toBe(theirs.totalCount);
      for (const p of [0, 1, 50, 90, 99, 99.9, 100]) expect(mine.percentileMs(p)).toBe(Math.round(theirs.getValueAtPercentile(p)) / 1000);
      const decoded = LatencyHistogram.decode(mine.encode());
      expect(decoded.summary()).toEqual(LatencyHistogram.decode(hdr.encodeIntoCompressedBase64(theirs)).summary());
    });
  }

  it('keeps the true minimum and maximum, and counts recorded between reads', () => {
    const mine = new LatencyHistogram();
    mine.recordMs(1.2345);
    mine.recordMs(7.7777);
    expect(mine.summary()).toMatchObject({ max: 7.778 });
    mine.recordMs(123.4567);
    mine.recordMs(50, 3);
    mine.recordMs(2.5);
    expect(mine.count).toBe(7);
    const theirs = reference(3, [1235, 7778, 123457, 50000, 50000, 50000, 2500]);
    expect(mine.summary()).toEqual({
      p50: theirs.getValueAtPercentile(50) / 1000,
      p90: theirs.getValueAtPercentile(90) / 1000,
      p99: theirs.getValueAtPercentile(99) / 1000,
      p999: theirs.getValueAtPercentile(99.9) / 1000,
      max: 123.457,
      mean: Math.round(theirs.mean) / 1000,
    });
  });

  it('adds and merges histograms with pending records', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) (i % 2 ? a : b).recordMs(i);
    const merged = LatencyHistogram.merge([a.encode(), b.encode()]);
    a.add(b);
    expect(a.count).toBe(100);
    // An encoded histogram's maximum is its top bucket's highest value; one recorded here keeps the value itself.
    const { max, ...percentiles } = a.summary()!;
    expect(max).toBe(100);
    expect(merged.summary()).toMatchObject(percentiles);
    expect(percentiles.p50).toBeCloseTo(50, 1);
  });
});
