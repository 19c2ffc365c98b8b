import { accessSync, constants, statSync, type Stats } from 'node:fs';

/**
 * What is at a path, through links, as a message names it: "a directory", "a FIFO (named pipe)",
 * …; undefined for a regular file or nothing at all. stat, never open: opening a FIFO blocks
 * until a writer comes, and reading a device such as /dev/zero never ends.
 */
export function notARegularFile(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** stat through links; undefined where nothing is (a missing path, or a link to nothing). */
export function statIfPresent(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** A regular file (through links) at path. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A regular file (through links) that this process may run. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
