import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kernelFileSystemOf } from './disk.js';
import { RunError, UsageError } from '../cli/errors.js';

/** What each refusal of the file system means for a folder of results, and what to do about it. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied; name a folder this user can write to',
  EPERM: 'not permitted; name a folder this user can write to',
  ENOSPC: 'no space left on the device; free some space or name a folder on another disk',
  EDQUOT: "this user's disk quota is used up; free some space or name a folder on another disk",
  EROFS: 'the file system is read-only; name a folder on a writable disk',
  ENOTDIR: 'a part of the path is a file, not a folder; name a folder',
  EEXIST: 'a file of that name is in the way; remove it or name another path',
  EISDIR: 'a folder of that name is in the way; remove it or name another place',
  ENAMETOOLONG: 'the name is too long; name a shorter path',
  ELOOP: 'too many symbolic links in the path (a loop of links?); name the file or folder itself',
  EMFILE: 'too many open files in this process; raise the limit (ulimit -n)',
  ENFILE: 'too many open files on this machine; close some programs and try again',
  EIO: 'the disk reported an input/output error; check it (dmesg) or name a folder on another disk',
  ENOENT: 'no such folder; check the path',
};

/** The file system calls whose refusals are the machine's; a failed spawn or connect is not one of them. */
const VERBS: Record<string, string> = {
  mkdir: 'make the folder',
  mkdtemp: 'make a folder in',
  open: 'write',
  write: 'write',
  close: 'write',
  fsync: 'write',
  rename: 'write',
  link: 'write',
  copyfile: 'write',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  scandir: 'read the folder',
  opendir: 'read the folder',
  stat: 'read',
  lstat: 'read',
  access: 'read',
  realpath: 'read',
  read: 'read',
};

/**
 * One line for a refusal of the machine (a file system call's errno on a path): "cannot write
 * /mnt/full/latency.png: no space left on the device; free some space …". Undefined for any other
 * error. A path under /proc or /sys is named as the kernel's, whatever errno it drew there
 * (ENOENT, EPERM, EACCES): that, not the errno, is what the user has to change.
 */
export function faultLine(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string' || !Object.hasOwn(VERBS, e.syscall ?? '')) {
    return undefined;
  }
  return `cannot ${VERBS[e.syscall!]} ${e.path}: ${faultReason(e)}`;
}

/** What a refusal of the file system on a path means and what to do, without the path. */
export function faultReason(e: NodeJS.ErrnoException): string {
  const kernel = e.path === undefined ? undefined : kernelFileSystemOf(e.path);
  return kernel ? kernelReason(kernel) : REASONS[e.code ?? ''] ?? `${e.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')} (${e.code})`;
}

/** The reason a path is refused before anything is tried there, or undefined for an ordinary place. */
export function kernelPathReason(path: string): string | undefined {
  const kernel = kernelFileSystemOf(path);
  return kernel && kernelReason(kernel);
}

function kernelReason(root: string): string {
  return `${root} is the kernel's own file system, not a disk: nothing can be kept there; name a folder on a disk`;
}

/**
 * A refusal mid-run as one line that says what is kept; any other error as it is. Without a
 * results.json the refusal came at the run's first save, before any server started (a disk with
 * room for the lock but not for the run): nothing began, so it is the same bad input as a disk
 * found full up front, and no file is promised.
 */
export function runStopped(err: unknown, outDir: string): unknown {
  const line = faultLine(err);
  if (!line) return err;
  const results = join(outDir, 'results.json');
  if (!existsSync(results)) return new UsageError(`${line}; nothing was started or measured`);
  return new RunError(`${line}; the run stopped, and ${results} keeps what it measured before`);
}
