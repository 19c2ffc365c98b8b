import { InvalidArgumentError } from 'commander';
import { LIMITS } from '../scenario/limits.js';

/** The most workers tune starts in one configuration. */
export const MAX_WORKERS = LIMITS.workers.max;

/**
 * --workers: a list ("1,2,3,4,6,8") or a range "A..B", which doubles from A and ends at B
 * ("1..16" = 1,2,4,8,16; "1..12" = 1,2,4,8,12; "3..24" = 3,6,12,24).
 */
export function parseWorkerSizes(value: string): number[] {
  const fail = () => {
    throw new InvalidArgumentError(
      `expected a list of pool sizes from 1 to ${MAX_WORKERS} (e.g. 1,2,4,8) or a range A..B, which doubles from A and ends at B (1..16 = 1,2,4,8,16)`,
    );
  };
  const whole = (text: string) => {
    if (!/^\d+$/.test(text.trim())) fail();
    const n = Number(text);
    if (n < 1 || n > MAX_WORKERS) fail();
    return n;
  };
  const range = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(value);
  let sizes: number[];
  if (range) {
    const [from, to] = [whole(range[1]!), whole(range[2]!)];
    if (from > to) fail();
    sizes = [];
    for (let n = from; n < to; n *= 2) sizes.push(n);
    sizes.push(to);
  } else {
    sizes = value.split(',').map(whole);
  }
  const sorted = [...new Set(sizes)].sort((a, b) => a - b);
  if (sorted.length !== sizes.length) throw new InvalidArgumentError('a pool size is listed twice; list each once');
  return sorted;
}

/** Clients doubling from 1 up to the cap, the cap included: 1, 2, 4, …, 256. */
export function clientLadder(cap: number): number[] {
  const ladder: number[] = [];
  for (let c = 1; c < cap; c *= 2) ladder.push(c);
  ladder.push(cap);
  return ladder;
}

/** Throughput gained by less than this share is no gain (stepping load, growing a pool). */
export const GAIN = 0.05;

/**
 * Growing a pool is worth it while it pays: once two successive sizes each gained less than 5%
 * of throughput within the SLO over the best size before them, larger ones will not either (a
 * noisy dip followed by a recovery is no gain). `best` holds each size's figure in order (null:
 * the SLO was met at no load).
 */
export function stopGrowing(best: (number | null)[]): boolean {
  if (best.length < 3) return false;
  const gained = (i: number) => (best[i] ?? 0) > Math.max(...best.slice(0, i).map((x) => x ?? 0)) * (1 + GAIN);
  const n = best.length - 1;
  return !gained(n) && !gained(n - 1);
}
