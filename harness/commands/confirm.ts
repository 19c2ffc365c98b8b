import { createInterface } from 'node:readline/promises';
import { UsageError } from '../errors.js';
import { estimateSeconds, type Plan } from '../plan.js';
import { formatSeconds } from '../progress.js';

/** A plan longer than this is announced before anything starts, and confirmed at a terminal. */
const LONG_RUN_S = 3600;

/**
 * A run of more than an hour says so up front. At a terminal it asks before starting (or takes
 * --yes); elsewhere (CI, scripts) nobody can answer, so it says so and goes on.
 */
export async function confirmLongRun(plan: Plan, yes: boolean): Promise<void> {
  const seconds = estimateSeconds(plan);
  if (seconds <= LONG_RUN_S || yes) return;
  const note = `this run would last about ${formatSeconds(seconds)}`;
  if (!process.stdin.isTTY) {
    process.stderr.write(`bench: ${note}\n`);
    return;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`bench: ${note}. Start it? [y/N] `);
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError(`not started: ${note}; pass --yes to start it without asking`);
}
