import { describe, expect, it } from 'vitest';
import { mannWhitneyU, smallestPValue } from '../harness/stats/mann-whitney.js';

// Expected values come from scipy 1.17's stats.mannwhitneyu (exact and asymptotic methods) and,
// for tied samples, stats.permutation_test over every arrangement; and from the published table of
// critical values (n = m = 5, one-sided α = 0.05: U ≤ 4).

describe('mannWhitneyU', () => {
  it('gives 1/20 = 0.05 for three values each, completely separated, the smallest p that three repeats allow', () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6], 'less')).toEqual({ u: 0, pValue: 0.05, method: 'exact' });
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6], 'greater').pValue).toBe(1);
  });

  it('puts U = 4 inside and U = 5 outside the one-sided 5% region for five values each, as the published table does', () => {
    const atCritical = mannWhitneyU([1, 2, 3, 4, 9], [5, 6, 7, 8, 10], 'less');
    expect(atCritical.u).toBe(4);
    expect(atCritical.pValue).toBeCloseTo(12 / 252, 12);
    const pastCritical = mannWhitneyU([1, 2, 3, 5, 9], [4, 6, 7, 8, 10], 'less');
    expect(pastCritical.u).toBe(5);
    expect(pastCritical.pValue).toBeCloseTo(19 / 252, 12);
  });

  it('tests the greater alternative on unequal sample sizes like scipy', () => {
    const result = mannWhitneyU([12.1, 13.4, 11.8, 14.0, 12.9, 13.7], [10.2, 11.9, 10.8, 12.5, 11.1], 'greater');
    expect(result.u).toBe(27);
    expect(result.pValue).toBeCloseTo(0.015151515151515152, 12);
  });

  it('counts tied values at their mean rank in the exact distribution, like a full permutation test', () => {
    expect(mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 4], 'less')).toMatchObject({ u: 2.5, method: 'exact' });
    expect(mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 4], 'less').pValue).toBeCloseTo(7 / 70, 12);
    const manyTies = mannWhitneyU([98, 100, 100, 95, 97, 99, 100, 96], [100, 101, 100, 103, 99, 102, 104, 100], 'less');
    expect(manyTies.u).toBe(8);
    expect(manyTies.pValue).toBeCloseTo(61 / 12870, 12);
  });

  it('uses the normal approximation with tie and continuity corrections for large samples, matching scipy to 1e-6', () => {
    const x = [101.7, 104.1, 101.7, 93.5, 104.5, 102.2, 97.3, 102.9, 101.8, 101.5, 100.1, 102.7, 96.3, 99.2, 97.6, 103.0, 100.2, 98.5, 96.1, 98.7];
    const y = [104.0, 102.6, 110.5, 109.0, 90.4, 94.6, 103.1, 101.9, 105.1, 105.1, 114.6, 98.4, 102.1, 114.2, 107.2, 107.3, 101.4, 95.8, 104.8, 104.5];
    const result = mannWhitneyU(x, y, 'less');
    expect(result).toMatchObject({ u: 104.5, method: 'normal' });
    expect(result.pValue).toBeCloseTo(0.005083162672844648, 6);
    // The exact p of these samples is 0.00474: the approximation is close where it is used.
    expect(Math.abs(result.pValue - 0.0047418035956025015)).toBeLessThan(0.001);
  });

  it('gives p = 1 when every value is the same', () => {
    expect(mannWhitneyU(new Array(20).fill(5), new Array(20).fill(5), 'less').pValue).toBe(1);
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5], 'greater').pValue).toBe(1);
  });

  it('ranks an unbounded value (Infinity) above every finite one', () => {
    expect(mannWhitneyU([10, 11, 12, 13], [Infinity, Infinity, 14, 15], 'less').pValue).toBeCloseTo(1 / 70, 12);
  });
});

describe('smallestPValue', () => {
  it('is 1/C(n+m, n): 0.05 for 3 and 3, 1/70 for 4 and 4, 1/252 for 5 and 5', () => {
    expect(smallestPValue(3, 3)).toBeCloseTo(0.05, 12);
    expect(smallestPValue(4, 4)).toBeCloseTo(1 / 70, 12);
    expect(smallestPValue(5, 5)).toBeCloseTo(1 / 252, 12);
    expect(smallestPValue(2, 5)).toBeCloseTo(1 / 21, 12);
  });
});
