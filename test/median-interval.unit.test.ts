import { describe, expect, it } from 'vitest';
import { medianInterval } from '../harness/stats/median-interval.js';

/** 1..n in a shuffled order, so that the ranks are the values. */
const ranks = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7) % n) + 1);

describe('the confidence interval of a median', () => {
  it('brackets the median of 10 values with their 2nd and 9th, which cover it 97.9% of the time', () => {
    expect(medianInterval(ranks(10))).toEqual({ low: 2, high: 9, coverage: expect.closeTo(1 - 2 * (11 / 1024), 12) });
  });

  it('brackets 20 values with their 6th and 15th (binomial: 95.9%), as statistics tables give', () => {
    const interval = medianInterval(ranks(20));
    expect([interval.low, interval.high]).toEqual([6, 15]);
    expect(interval.coverage).toBeCloseTo(0.9586, 4);
  });

  it('falls back to min–max and says its coverage is below 95% when there are too few values', () => {
    expect(medianInterval([3, 1, 2, 5, 4])).toEqual({ low: 1, high: 5, coverage: 0.9375 });
    expect(medianInterval([7])).toEqual({ low: 7, high: 7, coverage: 0 });
  });

  it('narrows as values are added: 1,000 values from 0 to 1 bracket the median within ±0.04', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i / 999);
    const interval = medianInterval(values);
    expect(interval.coverage).toBeGreaterThanOrEqual(0.95);
    expect(interval.low).toBeGreaterThan(0.46);
    expect(interval.high).toBeLessThan(0.54);
  });

  it('covers the true median about as often as it claims, whatever the noise', () => {
    // Skewed noise around a known median of 1: exp(Laplace-ish) draws from a fixed seed.
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const values = Array.from({ length: 12 }, () => Math.exp((random() < 0.5 ? -1 : 1) * Math.log(1 / (1 - random())) * 0.15));
      const { low, high } = medianInterval(values);
      if (low <= 1 && 1 <= high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.94);
    expect(covered / trials).toBeLessThan(0.995);
  });
});
