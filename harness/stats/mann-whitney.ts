// The Mann-Whitney U test (Wilcoxon rank-sum): do two small samples come from the same
// distribution, or does one tend to lie below the other? It uses only the ranks, so it assumes no
// bell curve, which a handful of benchmark repeats could never show, and one outlier moves it by
// one rank at most.

/** The one-sided alternative: x tends to be smaller ('less') or larger ('greater') than y. */
export type Alternative = 'less' | 'greater';

export interface MannWhitney {
  /** U of x: pairs (x_i, y_j) with x_i > y_j, a tie counting one half. */
  u: number;
  pValue: number;
  /** exact: the permutation distribution of the ranks (ties included); normal: the large-sample approximation. */
  method: 'exact' | 'normal';
}

// Up to this many values in all, the exact distribution is counted (at most C(30, 15) ≈ 1.6e8
// arrangements, so the counts stay exact in doubles and the counting takes well under a
// millisecond); beyond it the normal approximation is within a few thousandths.
const EXACT_MAX_TOTAL = 30;

/** One-sided Mann-Whitney U test of x against y, like scipy.stats.mannwhitneyu(x, y, alternative). */
export function mannWhitneyU(x: number[], y: number[], alternative: Alternative): MannWhitney {
  if (x.length === 0 || y.length === 0) throw new RangeError('mannWhitneyU needs at least one value in each sample');
  const doubledRanks = midranksDoubled([...x, ...y]);
  const xRankSumDoubled = sum(doubledRanks.slice(0, x.length));
  const u = xRankSumDoubled / 2 - (x.length * (x.length + 1)) / 2;
  if (doubledRanks.length <= EXACT_MAX_TOTAL) {
    return { u, pValue: exactPValue(doubledRanks, x.length, xRankSumDoubled, alternative), method: 'exact' };
  }
  return { u, pValue: normalPValue(u, x.length, y.length, tieCorrection(doubledRanks), alternative), method: 'normal' };
}

/**
 * The smallest one-sided p-value samples of these sizes can give (no ties, complete separation):
 * 1 / C(n + m, n). With 3 repeats each it is 1/20 = 0.05, so p < 0.05 is out of reach.
 */
export function smallestPValue(n: number, m: number): number {
  let arrangements = 1;
  for (let i = 1; i <= n; i++) arrangements = (arrangements * (m + i)) / i;
  return 1 / arrangements;
}

/** Ranks 1..N of the values, ties sharing the mean of their ranks; doubled, so that they stay integers. */
function midranksDoubled(values: number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    // Positions start..end (0-based) hold ranks start+1..end+1, whose mean doubled is start+end+2.
    for (let i = start; i <= end; i++) ranks[order[i]!.index] = start + end + 2;
    start = end + 1;
  }
  return ranks;
}

/**
 * Every way of choosing which n of the pooled values are x is equally likely when the samples do
 * not differ; counts how many choices give each rank sum (a subset-sum count over the ranks) and
 * returns the share at least as extreme as the one observed.
 */
function exactPValue(doubledRanks: number[], n: number, observedDoubled: number, alternative: Alternative): number {
  const maxSum = sum(doubledRanks);
  // ways[k][s]: choices of k ranks among those seen so far whose doubled sum is s.
  const ways = Array.from({ length: n + 1 }, () => new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  for (const rank of doubledRanks) {
    for (let k = n; k >= 1; k--) {
      const into = ways[k]!;
      const from = ways[k - 1]!;
      for (let s = maxSum; s >= rank; s--) into[s]! += from[s - rank]!;
    }
  }
  const counts = ways[n]!;
  let total = 0;
  let extreme = 0;
  counts.forEach((count, s) => {
    total += count;
    if (alternative === 'less' ? s <= observedDoubled : s >= observedDoubled) extreme += count;
  });
  return extreme / total;
}

/** Σ(t³ − t) over groups of t tied values: ties shrink the variance of U. */
function tieCorrection(doubledRanks: number[]): number {
  const groupSizes = new Map<number, number>();
  for (const rank of doubledRanks) groupSizes.set(rank, (groupSizes.get(rank) ?? 0) + 1);
  return sum([...groupSizes.values()].map((t) => t ** 3 - t));
}

/** The normal approximation with the tie correction and a continuity correction of ½ (as scipy's default). */
function normalPValue(u: number, n: number, m: number, ties: number, alternative: Alternative): number {
  const total = n + m;
  const mean = (n * m) / 2;
  const sd = Math.sqrt(((n * m) / 12) * (total + 1 - ties / (total * (total - 1))));
  if (sd === 0) return 1; // every value the same: nothing points either way
  const z = alternative === 'less' ? (u - mean + 0.5) / sd : (u - mean - 0.5) / sd;
  return alternative === 'less' ? normalCdf(z) : normalCdf(-z);
}

function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Complementary error function, fractional error below 1.2e-7 (Numerical Recipes' erfcc, a Chebyshev fit). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(-x * x + poly);
  return x >= 0 ? value : 2 - value;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
