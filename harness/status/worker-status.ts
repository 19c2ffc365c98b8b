import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hasProcfs, isLiving } from '../process/procfs.js';

/**
 * Which worker of a deployment is busy, for a live page (issue 11). A deployment whose spec has
 * `env: { BENCH_STATUS_DIR: dir }` (an existing private folder) makes every process of the demo
 * app that serves requests keep one file, dir/<pid>, holding how many requests it is serving, as
 * space-padded ASCII digits and a newline, rewritten in place (servers/node/worker-status.ts,
 * servers/python/worker_status.py).
 */
export const STATUS_DIR_ENV = 'BENCH_STATUS_DIR';

export interface WorkerStatus {
  pid: number;
  /** Requests the process is serving now. */
  busy: number;
}

const COUNT = /^ *(\d+)\n$/;

/**
 * Every serving process's count, sorted by pid; cheap enough to call a few times a second. A file
 * whose process has exited is deleted and left out (a CGI process's, or a worker's that the pool
 * replaced); one that does not read as a count (being created) is left out of this reading only.
 */
export function readWorkerStatus(dir: string): WorkerStatus[] {
  const statuses: WorkerStatus[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const path = join(dir, name);
    if (!living(pid)) {
      rmSync(path, { force: true });
      continue;
    }
    const count = COUNT.exec(readOrEmpty(path));
    if (count) statuses.push({ pid, busy: Number(count[1]) });
  }
  return statuses.sort((a, b) => a.pid - b.pid);
}

/** A CGI process removes its own file as it ends, perhaps between the listing and the reading. */
function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

/** Without /proc, signal 0 tells only that the pid exists (EPERM: as another user); a zombie passes. */
function living(pid: number): boolean {
  if (hasProcfs) return isLiving(pid);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
