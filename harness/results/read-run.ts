import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { RESULTS_FILE } from './out-folder.js';
import type { RunResults } from './types.js';
import { checkResults } from './schema.js';

/** A run read back from disk. */
export interface LoadedRun {
  /** As the user named it (a run folder or its results.json), for messages and titles. */
  given: string;
  file: string;
  /** The run's folder, where its reports go. */
  dir: string;
  run: RunResults;
}

/**
 * Reads a run folder's results.json (or the file itself) and checks it against the schema. Every
 * way it can be wrong becomes one UsageError line naming the file; `role` ("BASE", "NEW") starts
 * that line when two runs are read.
 */
export function readRun(given: string, role?: string): LoadedRun {
  const who = role === undefined ? '' : `${role} `;
  const file = resultsFileOf(given, who);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${who}${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the text around the fault: a binary file would put control characters on the terminal.
    const reason = (err as Error).message.replace(/[\p{Cc}\uFFFD]+/gu, ' ').replace(/ is not valid JSON$/, '');
    throw new UsageError(`${who}${file} is not valid JSON: ${reason}`);
  }
  const checked = checkResults(parsed);
  if ('problem' in checked) throw new UsageError(`${who}${file} ${checked.problem}`);
  return { given, file, dir: resolve(dirname(file)), run: checked.run };
}

function resultsFileOf(given: string, who: string): string {
  const found = statOrUndefined(given);
  if (found === undefined) throw new UsageError(`${who}${given} does not exist: give a run folder or its ${RESULTS_FILE}`);
  if (!found.isDirectory()) return given;
  const file = join(given, RESULTS_FILE);
  if (!statOrUndefined(file)?.isFile()) throw new UsageError(`${who}${file} does not exist: is ${given} a bench run folder?`);
  return file;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
