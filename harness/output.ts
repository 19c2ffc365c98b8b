import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.js';
import type { RunResults } from './results.js';

export const RESULTS_FILE = 'results.json';

/**
 * Checks --out before anything starts: it must be a writable folder (or not exist yet), and a
 * folder that already holds files must be an earlier bench run, so that a typo never scatters
 * results over someone's project, unless --force.
 */
export function checkOutDir(dir: string, force: boolean): void {
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    return; // created when the run starts
  }
  if (!stats.isDirectory()) throw new UsageError(`--out ${dir} is a file, not a folder; name a folder`);
  try {
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch {
    throw new UsageError(`--out ${dir} is not writable by this user; name another folder`);
  }
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(RESULTS_FILE) && !force) {
    throw new UsageError(`--out ${dir} is not empty and holds no bench run; name an empty or new folder, or pass --force`);
  }
}

export function prepareOutDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/**
 * Rewrites results.json through a temporary file and a rename, so that a reader (or a run cut
 * short) only ever sees a whole file: the previous version or the new one.
 */
export function saveResults(run: RunResults, dir: string): void {
  const target = join(dir, RESULTS_FILE);
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(run, null, 2) + '\n');
  renameSync(temporary, target);
}
