import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { guardianEntry } from '../files/bench-paths.js';

/**
 * What ends bench's servers when bench itself is killed with SIGKILL, which no handler of its own
 * can catch: a small watchdog process, started (detached, in a session of its own) when bench
 * starts its first server or makes its first private folder, holding the read end of a pipe
 * whose write end only bench holds. When bench dies, however it dies, the kernel closes that end;
 * the watchdog reads end-of-file and finishes bench's teardown from bench's record of what it
 * started (leftovers.ts): each group's stop signal (SIGINT to PostgreSQL's postmaster, whose
 * backends each lead a session of their own: it must be the one to end them), SIGKILL to whatever
 * is left after a few seconds, descendants included, then the private folders.
 *
 * Why this and not the others:
 * - A parent-death signal (`setpriv --pdeathsig`, prctl PR_SET_PDEATHSIG) is one signal to the
 *   direct child, with nothing after it: no SIGKILL for a server that ignores it or takes its
 *   time (a gunicorn worker finishing a long request), none for what left the child's group, no
 *   folder removed; and a change of user (PostgreSQL when bench is root) clears it.
 * - A cgroup holds every descendant, but only root can make one here (cgroup v1 pids), and a
 *   plain user needs systemd's delegation, which a container or CI runner often lacks.
 * The watchdog reaches every descendant, as root and as a plain user, with nothing but a pipe and
 * /proc. It never lingers: told "done" when bench's record empties, or on end-of-file when bench
 * exits normally (the exit guard has removed the record: nothing to do), it exits. What it
 * cannot do, because it was killed as well (kill -9 -1, the OOM killer twice), the next bench
 * command does from the same record (sweepLeftovers).
 */
export interface Guardian {
  /** Its process, a child of bench's that is no server nor generator (undefined when it did not start). */
  readonly pid: number | undefined;
  /** Bench has nothing left to guard: the guardian exits without touching anything. */
  release(): void;
}

export function startGuardian(recordFile: string): Guardian {
  // detached: its own session, so that a signal to bench's group (a CI timeout, a closed terminal) spares it.
  const child = spawn(process.execPath, [guardianEntry, recordFile], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  child.on('error', () => {}); // no guardian: the next bench command's sweep is left
  const pipe = child.stdin as Socket;
  pipe.on('error', () => {});
  // Neither the child nor the pipe keeps bench's event loop alive.
  child.unref();
  pipe.unref();
  return { pid: child.pid, release: () => pipe.end('done\n') };
}
