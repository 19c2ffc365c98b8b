import { mannWhitneyU, smallestPValue, type Alternative } from '../stats/mann-whitney.js';
import type { Spread } from '../results/types.js';

// What tells a change past the threshold from chance, for bench compare. A CI gate must not pass a
// 4× drop because the runs were repeated twice (two repeats each can never reach p < 0.05 in a
// rank test), nor fail a run on one noisy window. So each figure is judged on the strongest
// evidence the two runs hold, in this order:
//   1. repeats: a one-sided Mann-Whitney U test on the per-repeat figures, when the repeat counts
//      let it reach significance (from 3 + 4 repeats, or 2 + 9);
//   2. spreads: with too few repeats for that, whether the repeats' ranges lie apart by more than
//      the threshold, NEW's best worse than BASE's worst by more than it. Ranges that merely lie
//      apart are chance one time in six at two repeats each (in three at 2 + 3), and a p99 of a
//      short window moves by more than 10% between repeats, so two runs of one config would fail
//      that often; ranges that overlap say the runs move by more than the change;
//   3. seconds: with a single repeat on a side, the same test on the per-second figures inside
//      each measured window, when both windows hold enough whole seconds for it to reach
//      significance (4 each);
//   4. threshold: nothing else to go on, so the threshold alone decides.

/** A change counts when the test puts it below this p-value. */
export const SIGNIFICANCE_LEVEL = 0.05;

/** The one-sided Mann-Whitney U test of NEW's figures against BASE's, in the worse direction. */
export interface SignificanceTest {
  pValue: number;
  /** What the samples are: each repeat's figure, or each whole second's of one window. */
  on: 'repeats' | 'seconds';
  baseRepeats: number;
  newRepeats: number;
  /** The smallest p these sample counts allow: when it is not below SIGNIFICANCE_LEVEL, no change can count. */
  smallestPValue: number;
}

export type EvidenceKind = 'repeats' | 'spreads' | 'seconds' | 'threshold';

/** What decided whether a change past the threshold counts. */
export interface Evidence {
  kind: EvidenceKind;
  /** The change is not chance, on this evidence (always true for 'threshold'). */
  holds: boolean;
  /** repeats and seconds: the test that decided. */
  test: SignificanceTest | null;
  /** spreads: both runs' min–max over their repeats. */
  spreads: { base: Spread; next: Spread } | null;
}

/** One figure of one run at a point: the row's value, each repeat's (2 or more), each whole second's of one window. */
export interface Samples {
  repeats: number[] | undefined;
  seconds: number[];
}

/** Whole seconds a window needs on each side for the per-second test to reach SIGNIFICANCE_LEVEL (1/C(8, 4) = 0.014). */
export const MIN_SECONDS = 4;

/** `worse`: which way NEW moves when it regresses ('less' throughput, 'greater' latency). */
export function weighEvidence(base: Samples, next: Samples, worse: Alternative, thresholdPct: number): Evidence {
  if (base.repeats !== undefined && next.repeats !== undefined) {
    const test = significance(base.repeats, next.repeats, worse, 'repeats');
    if (test.smallestPValue < SIGNIFICANCE_LEVEL) return { kind: 'repeats', holds: test.pValue < SIGNIFICANCE_LEVEL, test, spreads: null };
    const spreads = { base: spreadOf(base.repeats), next: spreadOf(next.repeats) };
    const margin = thresholdPct / 100;
    const apart =
      worse === 'less' ? spreads.next.max < spreads.base.min * (1 - margin) : spreads.next.min > spreads.base.max * (1 + margin);
    return { kind: 'spreads', holds: apart, test, spreads };
  }
  if (base.seconds.length >= MIN_SECONDS && next.seconds.length >= MIN_SECONDS) {
    const test = significance(base.seconds, next.seconds, worse, 'seconds');
    return { kind: 'seconds', holds: test.pValue < SIGNIFICANCE_LEVEL, test, spreads: null };
  }
  return { kind: 'threshold', holds: true, test: null, spreads: null };
}

function significance(base: number[], next: number[], worse: Alternative, on: SignificanceTest['on']): SignificanceTest {
  return {
    pValue: mannWhitneyU(next, base, worse).pValue,
    on,
    baseRepeats: base.length,
    newRepeats: next.length,
    smallestPValue: smallestPValue(next.length, base.length),
  };
}

function spreadOf(values: number[]): Spread {
  return { min: Math.min(...values), max: Math.max(...values) };
}
