import { linkSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';

/**
 * mkdir -p, without Node's `recursive: true`: on Node 20 that loops forever at 100% CPU where mkdir
 * answers ENOENT under a parent that exists (`/proc/x`), and turns a full disk's ENOSPC into
 * ENOENT (nodejs/node#42808). Here a parent is made only when it is missing, so every failure is
 * the file system's own answer for the path it concerns.
 */
export function makeFolder(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && isFolder(dir)) return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir || exists(parent)) throw err;
    makeFolder(parent);
    makeFolder(dir);
  }
}

/** The kernel's own file systems, where a folder of results can never be kept. */
const KERNEL_FILE_SYSTEMS = ['/proc', '/sys'];

/**
 * "/proc" when `path` (or the nearest folder of it that exists, symbolic links followed) is under
 * /proc, and so on; undefined for an ordinary place.
 */
export function kernelFileSystemOf(path: string): string | undefined {
  let existing = resolve(path);
  while (!exists(existing) && dirname(existing) !== existing) existing = dirname(existing);
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    real = existing;
  }
  return KERNEL_FILE_SYSTEMS.find((root) => real === root || real.startsWith(root + sep));
}

let temporaries = 0;

/** A name beside `path` for its next version, unique within this process. */
function temporaryFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${++temporaries}.tmp`);
}

/**
 * Writes a file through a temporary one in the same folder and a rename, so that a reader never
 * sees half of it, and a write that fails (a full disk) leaves the previous version or nothing,
 * never a truncated file. A failure names `path`, not the temporary.
 */
export function writeWholeSync(path: string, data: string | Uint8Array, options: { mode?: number; keepExisting?: boolean } = {}): void {
  const temporary = temporaryFor(path);
  try {
    writeFileSync(temporary, data, { mode: options.mode ?? 0o666 });
    // A link fails with EEXIST where rename would replace.
    if (options.keepExisting) linkSync(temporary, path);
    else renameSync(temporary, path);
  } catch (err) {
    throw naming(err, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** writeWholeSync, without blocking. */
export async function writeWhole(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryFor(path);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw naming(err, path);
  }
}

function naming(err: unknown, path: string): unknown {
  if (err instanceof Error && 'code' in err) (err as NodeJS.ErrnoException).path = path;
  return err;
}

/** Whether something is at `path` (a folder that cannot be searched counts: mkdir will say why). */
export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
