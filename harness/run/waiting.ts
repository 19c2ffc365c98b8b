import type { AnswerLog } from '../load/engine.js';
import type { Waiting } from '../results/types.js';

/**
 * The requests sent at or after `fromMs` (ms into the window) that were still waiting for an
 * answer when the window closed, `windowMs` in, and had waited longer than any answered request
 * of the window took: a server that hangs (a dead master's orphans holding its socket) fails
 * nothing inside the window, and only these show the outage. A closed loop always has requests
 * in flight at the close; those that have waited no longer than answers took are not counted.
 */
export function waitingAfter(answers: AnswerLog, fromMs: number, windowMs: number): Waiting | undefined {
  let slowestAnswerMs = 0;
  answers.status.forEach((status, i) => {
    if (status >= 200 && status < 300) slowestAnswerMs = Math.max(slowestAnswerMs, answers.latencyMs[i]!);
  });
  const sent = answers.waitingSentMs.filter((at) => at >= fromMs && windowMs - at > slowestAnswerMs);
  if (sent.length === 0) return undefined;
  return { count: sent.length, longestS: Math.round(windowMs - Math.min(...sent)) / 1000 };
}
