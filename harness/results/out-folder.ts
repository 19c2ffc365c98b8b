import { accessSync, closeSync, constants, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exists, makeFolder, writeWholeSync } from '../files/disk.js';
import { UsageError } from '../cli/errors.js';
import { faultLine, kernelPathReason } from '../files/machine-faults.js';
import { CONTROL, escapeControls, quoted } from '../formatting/quote.js';
import type { RunResults } from './types.js';

export const RESULTS_FILE = 'results.json';
/** What `bench compare` writes into the newer run's folder: part of that run when it is replaced. */
export const COMPARE_FILES = ['compare.png', 'compare.md'] as const;
/** Held by the one bench command that writes a folder, for as long as it writes there. */
export const LOCK_FILE = '.bench.lock';

/**
 * Checks --out before anything starts: it must be a writable folder (or not exist yet). A folder
 * that holds an earlier bench run is never written over unless --force (which replaces that run
 * whole); a folder of other files is not written into unless --force, so that a typo never
 * scatters results over someone's project.
 */
export function checkOutDir(dir: string, force: boolean, flag = '--out'): void {
  const kernel = kernelPathReason(dir);
  if (kernel) throw new UsageError(`${flag} ${dir}: ${kernel}`);
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    return; // created when the run starts
  }
  if (!stats.isDirectory()) throw new UsageError(`${flag} ${dir} is a file, not a folder; name a folder`);
  try {
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch {
    throw new UsageError(`${flag} ${dir} is not writable by this user; name another folder`);
  }
  const text = readLock(join(dir, LOCK_FILE));
  const pid = text === undefined ? undefined : liveHolder(text, join(dir, LOCK_FILE));
  if (pid !== undefined) throw busy(dir, flag, pid);
  checkContents(dir, force, flag);
}

function checkContents(dir: string, force: boolean, flag: string): void {
  if (force) return;
  const earlier = earlierRun(dir);
  if (earlier) {
    throw new UsageError(`${flag} ${dir} holds the run of ${earlier}; name another folder or pass --force to replace it`);
  }
  if (holdsFiles(dir)) {
    throw new UsageError(`${flag} ${dir} is not empty and holds no bench run; name an empty or new folder, or pass --force`);
  }
}

/** Whether anything but a bench command's lock is in the folder. */
export function holdsFiles(dir: string): boolean {
  return readdirSync(dir).some((name) => name !== LOCK_FILE);
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

export interface OutDirOptions {
  isDefault: boolean;
  runFiles: string[];
  /** --force: an earlier run there is replaced, a folder of other files written into. */
  force?: boolean;
  /** The flag that named the folder, for messages (default --out). */
  flag?: string;
}

/**
 * Claims the run's folder for this run alone (see claimFolder) and checks again, under the claim,
 * what it may hold. An explicit --out that holds an earlier run (allowed by --force) loses that
 * run whole: its results.json and every file a report writer or compare wrote. A default folder
 * is made afresh, so two runs started in the same second get two folders (the second with a
 * "-2"). Returns the folder the run writes to.
 */
export function prepareOutDir(dir: string, options: OutDirOptions): string {
  const flag = options.flag ?? (options.isDefault ? '--out (default)' : '--out');
  if (options.isDefault) {
    const fresh = claimNewDir(dir, flag);
    claimFolder(fresh, flag, () => {});
    return fresh;
  }
  claimFolder(dir, flag, () => {
    checkContents(dir, options.force ?? false, flag);
    if (earlierRun(dir)) {
      for (const file of [RESULTS_FILE, ...COMPARE_FILES, ...options.runFiles]) rmSync(join(dir, file), { force: true });
    }
  });
  return dir;
}

function claimNewDir(dir: string, flag: string): string {
  makeFolderFor(dirname(dir), flag);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? dir : `${dir}-${n}`;
    try {
      mkdirSync(candidate);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`${flag} ${candidate}: ${faultLine(err) ?? (err as Error).message}`);
    }
  }
}

/**
 * Makes `dir` (and its parents) and takes its lock file, created exclusively, so that of two bench
 * commands racing for one folder exactly one gets it; the other exits 2 naming the folder. `check`
 * then runs under the lock: what the folder may hold is judged only once nobody else can change
 * it. A folder this call made and could not claim is removed again. The lock goes when the
 * process exits; one left by a killed bench (its process gone) is taken over.
 */
export function claimFolder(dir: string, flag: string, check: () => void): void {
  const made = !exists(dir);
  try {
    makeFolderFor(dir, flag);
    lock(dir, flag);
  } catch (err) {
    if (made) removeIfEmpty(dir);
    throw err;
  }
  try {
    check();
  } catch (err) {
    release(dir);
    if (made) removeIfEmpty(dir);
    throw err;
  }
}

/** A folder named by `flag`, made with its parents; anywhere the machine refuses is one line of bad input. */
export function makeFolderFor(dir: string, flag: string): void {
  const control = CONTROL.exec(dir);
  if (control) {
    // A name that plays on the terminal whenever a line prints it, and that a shell can hardly type.
    throw new UsageError(`${flag} ${quoted(dir)}: the path has a control character (${escapeControls(control[0])}); name another folder`);
  }
  const kernel = kernelPathReason(dir);
  if (kernel) throw new UsageError(`${flag} ${dir}: ${kernel}`);
  try {
    makeFolder(dir);
  } catch (err) {
    throw new UsageError(`${flag} ${dir}: ${faultLine(err) ?? (err as Error).message}`);
  }
}

/** rmdir: only an empty folder goes, so nothing another process has put there is lost. */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (someone else's now) or already gone.
  }
}

/** The folders this process holds: their lock files are removed when it exits, however it exits. */
const held = new Set<string>();
let releasingAtExit = false;

function lock(dir: string, flag: string): void {
  const path = join(dir, LOCK_FILE);
  // A few rounds: a lock released or taken over between two steps is tried again.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createLock(path, flag, dir)) {
      if (!releasingAtExit) process.once('exit', () => [...held].forEach(release));
      releasingAtExit = true;
      held.add(dir);
      return;
    }
    const holder = readLock(path);
    if (holder === undefined) continue;
    const pid = liveHolder(holder, path);
    if (pid !== undefined) throw busy(dir, flag, pid);
    takeOver(path, holder);
  }
  throw new UsageError(`${flag} ${dir}: other bench commands keep claiming it; wait for them to end or name another folder`);
}

function busy(dir: string, flag: string, pid: number): UsageError {
  return new UsageError(`${flag} ${dir} is being written by another bench command${pid > 0 ? ` (pid ${pid})` : ''}; wait for it to end or name another folder`);
}

/** O_EXCL: false when the lock exists. The lock names this process, and its start time against a reused pid. */
function createLock(path: string, flag: string, dir: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new UsageError(`${flag} ${dir}: ${faultLine(err) ?? (err as Error).message}`);
  }
  try {
    writeSync(fd, `${process.pid} ${startTime(process.pid)}\n`);
  } catch (err) {
    // A full disk: the folder cannot hold a run; say so now rather than after the servers start.
    closeSync(fd);
    rmSync(path, { force: true });
    throw new UsageError(`${flag} ${dir}: ${faultLine(Object.assign(err as Error, { path })) ?? (err as Error).message}`);
  }
  closeSync(fd);
  return true;
}

function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The pid holding the lock (0 while it is being written), or undefined when its holder is gone. */
function liveHolder(text: string, path: string): number | undefined {
  if (text === '') {
    // Between its holder's open and write; an empty lock older than that was left by a crash.
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats && Date.now() - stats.mtimeMs < 10_000 ? 0 : undefined;
  }
  const [pidText, started = ''] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const now = startTime(pid);
  return started !== '' && now !== '' && now !== started ? undefined : pid;
}

/**
 * Removes a dead holder's lock. It is renamed aside first and checked: if a live command had
 * replaced it meanwhile, that command's lock is put back, so that a takeover never frees a folder
 * someone holds.
 */
function takeOver(path: string, stale: string): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: another command took it over
  }
  if (readLock(aside) !== stale) {
    try {
      linkSync(aside, path);
    } catch {
      // A third command holds a fresh lock already.
    }
  }
  rmSync(aside, { force: true });
}

function release(dir: string): void {
  held.delete(dir);
  rmSync(join(dir, LOCK_FILE), { force: true });
}

/** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat); '' without /proc. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * Rewrites results.json through a temporary file and a rename, so that a reader (or a run cut
 * short) only ever sees a whole file: the previous version or the new one.
 */
export function saveResults(run: RunResults, dir: string): void {
  writeWholeSync(join(dir, RESULTS_FILE), JSON.stringify(run, null, 2) + '\n');
}
