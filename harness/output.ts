import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from './results.js';

export const RESULTS_FILE = 'results.json';

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
