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
  /**
   * No process answered the same count twice, nor a count below one it had answered more than
   * REORDER_S earlier: each process's counts rose over the window.
   */
  rising: boolean;
}

/**
 * Answers that reach the client within one turn of its event loop are read in socket order, not
 * in the order the server sent them (measured here: reordered by up to 5 ms, under a generator
 * whose loop ran 20 ms late), so only a fall against an answer this much older counts.
 */
export const REORDER_S = 0.1;

/** The answers, one list per process, in the order the processes first answered; each list in arrival order. */
export function answersByProcess(samples: readonly CountSample[]): CountSample[][] {
  const processes = new Map<number, CountSample[]>();
  for (const sample of samples) {
    const answers = processes.get(sample.pid);
    if (answers) answers.push(sample);
    else processes.set(sample.pid, [sample]);
  }
  return [...processes.values()];
}

export function countSequences(samples: readonly CountSample[]): CountSequences {
  const processes = answersByProcess(samples);
  const rising = processes.every((answers) => {
    if (new Set(answers.map((a) => a.count)).size < answers.length) return false;
    // Answers arrive in time order: `settled` is the highest count answered REORDER_S before this one.
    let settled = -Infinity;
    let older = 0;
    return answers.every(({ atS, count }) => {
      while (answers[older]!.atS < atS - REORDER_S) settled = Math.max(settled, answers[older++]!.count);
      return count > settled;
    });
  });
  return { sequences: processes.length, rising };
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

/** The load on `path` is the demo app's /count (whatever its query): keep its answers. A user's app's /count is its own. */
export function countsDemoAnswers(path: string, userApp: unknown): boolean {
  return userApp === undefined && new URL(path, 'http://localhost').pathname === '/count';
}
