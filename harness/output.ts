import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.js';
import type { RunResults } from './results.js';

export const RESULTS_FILE = 'results.json';
/** What `bench compare` writes into the newer run's folder: part of that run when it is replaced. */
export const COMPARE_FILES = ['compare.png', 'compare.md'] as const;

/**
 * Checks --out before anything starts: it must be a writable folder (or not exist yet). A folder
 * that holds an earlier bench run is never written over unless --force (which replaces that run
 * whole); a folder of other files is not written into unless --force, so that a typo never
 * scatters results over someone's project.
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
  if (force) return;
  const earlier = earlierRun(dir);
  if (earlier) {
    throw new UsageError(`--out ${dir} holds the run of ${earlier}; name another folder or pass --force to replace it`);
  }
  if (readdirSync(dir).length > 0) {
    throw new UsageError(`--out ${dir} is not empty and holds no bench run; name an empty or new folder, or pass --force`);
  }
}

/** "blocking-vs-workers from 2026-11-25T04:06:28Z" for a folder holding a run; undefined otherwise. */
function earlierRun(dir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, RESULTS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const run = JSON.parse(text) as { scenario?: unknown; startedAt?: unknown };
    return `${String(run.scenario ?? 'an unknown scenario')} from ${String(run.startedAt ?? 'an unknown date')}`;
  } catch {
    return 'an unreadable results.json';
  }
}

/**
 * Makes the run's folder. An explicit --out that holds an earlier run (allowed by --force) loses
 * that run whole: its results.json and every file a report writer or compare wrote. A default
 * folder is claimed with an exclusive mkdir, so two runs started in the same second get two
 * folders (the second with a "-2"). Returns the folder the run writes to.
 */
export function prepareOutDir(dir: string, options: { isDefault: boolean; runFiles: string[] }): string {
  if (options.isDefault) return claimNewDir(dir);
  mkdirSync(dir, { recursive: true });
  if (earlierRun(dir)) {
    for (const file of [RESULTS_FILE, ...COMPARE_FILES, ...options.runFiles]) rmSync(join(dir, file), { force: true });
  }
  return dir;
}

function claimNewDir(dir: string): string {
  mkdirSync(dirname(dir), { recursive: true });
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? dir : `${dir}-${n}`;
    try {
      mkdirSync(candidate);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
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
