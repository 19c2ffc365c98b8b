import { createInterface } from 'node:readline/promises';
import { UsageError } from '../../cli/errors.js';
import { formatSeconds } from '../../run/progress.js';

/** A plan longer than this is announced before anything starts, and confirmed at a terminal. */
const LONG_RUN_S = 3600;

/**
 * A run of more than an hour starts only when asked for. At a terminal it asks (or takes --yes);
 * elsewhere (CI, scripts, a mistyped duration in a cron job) nobody can answer, and a run of
 * days started unasked holds the machine until someone notices: it needs --yes.
 */
export async function confirmLongRun(seconds: number, yes: boolean): Promise<void> {
  if (seconds <= LONG_RUN_S || yes) return;
  const note = `this run would last about ${formatSeconds(seconds)}`;
  if (!process.stdin.isTTY) throw new UsageError(`not started: ${note}, and there is no terminal to confirm it at; pass --yes to start it`);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`bench: ${note}. Start it? [y/N] `);
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError(`not started: ${note}; pass --yes to start it without asking`);
}
