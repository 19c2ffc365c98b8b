import { sleep } from '../process/group.js';
import { groupMembers, hasProcfs } from '../process/procfs.js';
import { answeringPids, checkStillStarting, waitUntilHealthy } from '../process/readiness.js';
import { serverGroup, type ServerProcesses } from './server-group.js';
import { defaultThreads, processesBesideLeader, takesWorkers, type DeploymentSpec, type ServerKind } from './kind.js';

/**
 * How long each request of a readiness round holds the worker that takes it: long enough that a
 * worker holding one cannot also take another of the same round, even on two contended cores.
 */
const HOLD_MS = 100;

/** What waiting for a deployment needs of launch()'s options. */
export interface ReadyOptions {
  readyTimeoutMs: number;
  /** Ctrl-C while a deployment starts stops waiting for it. */
  signal?: AbortSignal;
  /** What it is waiting for, while a pool's workers come up ("waiting for all 16 workers to answer (11 so far)"). */
  onStatus?(text: string): void;
}

/** How launch() tells that every worker of a pool is up. */
type WorkerCheck =
  /** Rounds of `atOnce` held requests until `workers` distinct x-worker-pid values have answered. */
  | { by: 'answers'; workers: number; atOnce: number }
  /** `workers` processes besides the group's leader (the arbiter) exist. */
  | { by: 'processes'; workers: number };

/**
 * Which check fits a kind, from its concurrency model:
 * - prefork pools (node-prefork, gunicorn-sync, uwsgi): a worker holds at most T requests at once
 *   (1 without threads), so W·T requests held at once fill every worker that is up and the rest
 *   wait for one: each worker that is up answers some of them.
 * - gthread and async pools (gunicorn-gthread, gunicorn-gevent, gunicorn-uvicorn): a worker
 *   accepts more connections than it serves at once (gthread's default is 1,000 per worker), and
 *   the one that wakes first may accept a whole round, so the pids that answer say nothing about the others. Counting the
 *   worker processes in /proc is the signal there; a weaker one, since a worker exists a moment
 *   before its app is loaded.
 * - none: a single process (its /health answer was all of it), CGI (fcgiwrap's children only fork
 *   the program: the pid that answers is a new CGI process every time) and external servers.
 */
function workerCheck(kind: ServerKind, spec: DeploymentSpec): WorkerCheck | undefined {
  if (!takesWorkers(kind) || processesBesideLeader(kind, spec.workers) === 0) return undefined;
  // A user's app does not say which worker answered (x-worker-pid is the demo app's): count processes.
  if (spec.app) return hasProcfs && kind.model !== 'process-per-request' ? { by: 'processes', workers: spec.workers } : undefined;
  switch (kind.model) {
    case 'prefork':
      return { by: 'answers', workers: spec.workers, atOnce: spec.workers * (spec.threads ?? defaultThreads(kind) ?? 1) };
    case 'threads':
    case 'async':
      return hasProcfs ? { by: 'processes', workers: spec.workers } : undefined;
    default:
      return undefined;
  }
}

/**
 * Resolves once the deployment is ready as a whole: its health path answers (/health with the
 * server's token for the demo app, any 2xx from a user's app's), and then every worker of a pool is up (a pool measured while it still boots serves a fraction of what it can). Both within
 * the ready timeout; `onStatus` hears how many workers are up while it waits.
 */
export async function waitUntilReady(
  baseUrl: string,
  kind: ServerKind,
  spec: DeploymentSpec,
  server: ServerProcesses,
  token: string | undefined,
  options: ReadyOptions,
): Promise<void> {
  const { readyTimeoutMs, signal } = options;
  const { processes } = server;
  const deadline = Date.now() + readyTimeoutMs;
  await waitUntilHealthy(`${baseUrl}${healthPath(spec)}`, processes, readyTimeoutMs, token, signal);
  const check = workerCheck(kind, spec);
  if (!check) return;
  const [waiting, done] =
    check.by === 'answers' ? ['workers to answer', 'workers answered'] : ['worker processes to start', 'worker processes started'];
  const answered = new Set<number>();
  for (;;) {
    checkStillStarting(processes, signal);
    let up: number;
    if (check.by === 'answers') {
      const timeoutMs = Math.max(deadline - Date.now(), 1000);
      for (const pid of await answeringPids(`${baseUrl}/io?ms=${HOLD_MS}`, check.atOnce, timeoutMs)) answered.add(pid);
      // A worker that answered and died since (a pool respawns it) is not up.
      up = [...answered].filter(exists).length;
    } else {
      const group = await serverGroup(server);
      up = group === undefined ? 0 : groupMembers(group).length - 1;
    }
    if (up >= check.workers) return;
    if (Date.now() >= deadline) {
      throw new Error(`only ${up} of ${check.workers} ${done} within ${(readyTimeoutMs / 1000).toFixed(0)} s`);
    }
    options.onStatus?.(`waiting for all ${check.workers} ${waiting} (${up} so far)`);
    await sleep(50, signal);
  }
}

/** Where readiness and liveness ask: the demo app's /health, or the user's app's own health path. */
export function healthPath(spec: DeploymentSpec): string {
  return spec.app?.health ?? '/health';
}

/** Signal 0 checks that a process exists without signalling it; EPERM: it exists, as another user. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
