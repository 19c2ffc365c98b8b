import type { AnswerLog } from '../load/engine.js';
import type { Waiting } from '../results/types.js';

/**
 * The requests sent at or after `fromMs` (ms into the window) that were still waiting for an
 * answer when the window closed, `windowMs` in: a server that hangs (a dead master's orphans
 * holding its socket) fails nothing inside the window, and only these show the outage.
 */
export function waitingAfter(answers: AnswerLog, fromMs: number, windowMs: number): Waiting | undefined {
  const sent = answers.waitingSentMs.filter((at) => at >= fromMs);
  if (sent.length === 0) return undefined;
  return { count: sent.length, longestS: Math.round(windowMs - Math.min(...sent)) / 1000 };
}
