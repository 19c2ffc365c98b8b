// How far a median of a few noisy measurements can be trusted: the distribution-free confidence
// interval from order statistics. Each value lies below the true median with probability one half,
// so how many lie below it is binomial(n, 1/2), whatever the noise looks like; the interval is the
// pair of order statistics that binomial brackets with the wanted confidence.

export interface MedianInterval {
  low: number;
  high: number;
  /** The interval's exact coverage: at least the confidence asked for, or less when n is too small to reach it. */
  coverage: number;
}

/**
 * The interval [x(j), x(n+1-j)] (1-based order statistics) with the largest j whose coverage
 * 1 - 2·P(B ≤ j-1), B ~ binomial(n, 1/2), is still at least `confidence`; with too few values for
 * that, min to max and its coverage (5 values: 0.9375).
 */
export function medianInterval(values: number[], confidence = 0.95): MedianInterval {
  if (values.length === 0) throw new RangeError('medianInterval needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const coverageOf = (j: number) => 1 - 2 * binomialCdf(j - 1, n);
  let j = 1;
  while (j + 1 <= n + 1 - (j + 1) && coverageOf(j + 1) >= confidence) j++;
  return { low: sorted[j - 1]!, high: sorted[n - j]!, coverage: coverageOf(j) };
}

/** P(B ≤ k) for B ~ binomial(n, 1/2), its terms in logarithms so that a large n does not underflow to 0. */
function binomialCdf(k: number, n: number): number {
  let logTerm = -n * Math.LN2; // log P(B = 0)
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += Math.exp(logTerm);
    logTerm += Math.log((n - i) / (i + 1));
  }
  return sum;
}
