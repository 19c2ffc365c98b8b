/**
 * What clients saw of the demo app's `/count` (issue 14): each answer is the counter of the
 * process that served it, so a pool whose workers keep their own module globals shows one
 * sequence per worker, and a single process (or an event loop) one sequence in all.
 */

/** One /count answer: when it arrived (seconds into the window), the count, the process that counted. */
export interface CountSample {
  atS: number;
  count: number;
  pid: number;
}

/** How many separate sequences the answers came from, and whether each only ever rose. */
export interface CountSequences {
  /** Distinct processes that answered: one sequence each. */
  sequences: number;
  /** Every process's counts rose from one answer to its next, in the order the answers arrived. */
  rising: boolean;
}

export function countSequences(samples: readonly Pick<CountSample, 'count' | 'pid'>[]): CountSequences {
  const last = new Map<number, number>();
  let rising = true;
  for (const { count, pid } of samples) {
    const before = last.get(pid);
    if (before !== undefined && count <= before) rising = false;
    last.set(pid, count);
  }
  return { sequences: last.size, rising };
}

/** A /count body, {"count":N,"pid":P}, or undefined for anything else. */
export function parseCountBody(text: string): Pick<CountSample, 'count' | 'pid'> | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body !== 'object' || body === null) return undefined;
    const { count, pid } = body as Record<string, unknown>;
    return Number.isInteger(count) && Number.isInteger(pid) ? { count: count as number, pid: pid as number } : undefined;
  } catch {
    return undefined;
  }
}
